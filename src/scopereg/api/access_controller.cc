#include "scopereg/api/access_controller.h"

namespace scopereg::api {

namespace {
class AllowAllGrant final : public Grant {
 public:
  bool CanPull(std::string_view) const override { return true; }
  bool CanList(std::string_view) const override { return true; }
};
}  // namespace

http::Task<std::unique_ptr<Grant>> AllowAllAccessController::Authorize(http::Request& req, http::Response&,
                                                                      const RouteMatch&) {
  req.log().identity = "anonymous";
  co_return std::make_unique<AllowAllGrant>();
}

}  // namespace scopereg::api
