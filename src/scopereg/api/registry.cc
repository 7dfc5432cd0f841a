#include "scopereg/api/registry.h"

#include <array>

#include "scopereg/api/distribution/handlers.h"
#include "scopereg/api/errors.h"
#include "scopereg/oci/name.h"

namespace scopereg::api {

struct Registry::State {
  distribution::Shared shared;
  std::array<RouteHandler, static_cast<std::size_t>(Route::kAcrMetadata) + 1> extra;
  State(RegistryDeps d, RegistryOptions o) : shared(d, o) {}
};

Registry::Registry(RegistryDeps deps, RegistryOptions options)
    : state_(std::make_unique<State>(deps, options)) {}

Registry::~Registry() = default;

void Registry::SetRouteHandler(Route route, RouteHandler handler) {
  state_->extra[static_cast<std::size_t>(route)] = std::move(handler);
}

ManifestCache& Registry::manifest_cache() { return state_->shared.manifests; }

namespace {

bool RouteHasRepository(Route r) {
  return r == Route::kTagsList || r == Route::kManifest || r == Route::kBlob || r == Route::kBlobUploadStart ||
         r == Route::kBlobUpload || r == Route::kReferrers;
}

// The methods each distribution route answers; anything else is 405.
bool MethodAllowed(Route r, http::Method m) {
  using M = http::Method;
  switch (r) {
    case Route::kBase:
    case Route::kCatalog:
    case Route::kTagsList:
    case Route::kReferrers:
      return m == M::kGet || m == M::kHead;
    case Route::kManifest:
      return m == M::kGet || m == M::kHead || m == M::kPut || m == M::kDelete;
    case Route::kBlob:
      return m == M::kGet || m == M::kHead || m == M::kDelete;
    case Route::kBlobUploadStart:
      return m == M::kPost;
    case Route::kBlobUpload:
      return m == M::kGet || m == M::kPatch || m == M::kPut || m == M::kDelete;
    default:
      return true;
  }
}

}  // namespace

http::Task<void> Registry::Handle(http::Request& req, http::Response& res) {
  RouteMatch route = MatchRoute(req.path());
  req.log().route = std::string(RouteName(route.route));
  req.log().repository = route.repository;

  if (route.route == Route::kNotFound) {
    WriteError(req, res, oci::ErrorCode::kUnsupported, "no such endpoint", {}, 404);
    co_return;
  }
  const bool is_distribution = route.route <= Route::kReferrers;
  if (!is_distribution) {
    auto& handler = state_->extra[static_cast<std::size_t>(route.route)];
    if (!handler) {
      WriteError(req, res, oci::ErrorCode::kUnsupported, "no such endpoint", {}, 404);
      co_return;
    }
    co_await handler(req, res, route);
    co_return;
  }

  res.SetHeader("Docker-Distribution-API-Version", "registry/2.0");
  if (!MethodAllowed(route.route, req.method())) {
    WriteError(req, res, oci::ErrorCode::kUnsupported, "method not allowed on this endpoint");
    co_return;
  }
  if (RouteHasRepository(route.route) && !oci::IsValidRepositoryName(route.repository)) {
    WriteError(req, res, oci::ErrorCode::kNameInvalid, "invalid repository name '" + route.repository + "'");
    co_return;
  }
  std::unique_ptr<Grant> grant = co_await state_->shared.deps.access->Authorize(req, res, route);
  if (!grant) co_return;  // the controller wrote 401/403

  distribution::Context ctx{state_->shared, req, res, route, *grant};
  switch (route.route) {
    case Route::kBase: co_await distribution::HandleBase(ctx); break;
    case Route::kCatalog: co_await distribution::HandleCatalog(ctx); break;
    case Route::kTagsList: co_await distribution::HandleTagsList(ctx); break;
    case Route::kManifest: co_await distribution::HandleManifest(ctx); break;
    case Route::kBlob: co_await distribution::HandleBlob(ctx); break;
    case Route::kBlobUploadStart: co_await distribution::HandleUploadStart(ctx); break;
    case Route::kBlobUpload: co_await distribution::HandleUpload(ctx); break;
    case Route::kReferrers: co_await distribution::HandleReferrers(ctx); break;
    default: break;
  }
}

}  // namespace scopereg::api
