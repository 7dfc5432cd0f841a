// ACR's metadata API (/acr/v1/...): repository, tag and manifest attributes,
// untag and repository delete. Not implemented yet: answers 404 UNSUPPORTED
// so nothing pretends to work.
#include "scopereg/api/distribution/handlers.h"
#include "scopereg/api/errors.h"

namespace scopereg::api::distribution {

http::Task<void> HandleAcr(Context& ctx) {
  WriteError(ctx.req, ctx.res, oci::ErrorCode::kUnsupported, "the ACR metadata API is not available yet", {}, 404);
  co_return;
}

}  // namespace scopereg::api::distribution
