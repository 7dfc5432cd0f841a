#include "scopereg/api/required_access.h"

namespace scopereg::api {

namespace {

using auth::Action;
using auth::ActionSet;
using M = http::Method;

constexpr ActionSet kRead{Action::kContentRead};
constexpr ActionSet kPush{Action::kContentRead, Action::kContentWrite};
constexpr ActionSet kDelete{Action::kContentDelete};
constexpr ActionSet kMetadataRead{Action::kMetadataRead};
constexpr ActionSet kMetadataWrite{Action::kMetadataWrite};

// The actions one route + method needs on its repository; empty for routes
// without a repository.
ActionSet RepositoryActions(Route route, M method) {
  switch (route) {
    case Route::kManifest:
      if (method == M::kGet || method == M::kHead) return kRead;
      if (method == M::kPut) return kPush;
      return kDelete;  // DELETE (other methods were refused earlier)
    case Route::kBlob:
      return method == M::kDelete ? kDelete : kRead;
    case Route::kBlobUploadStart:
    case Route::kBlobUpload:
      return kPush;  // push needs read too, as in ACR
    case Route::kTagsList:
    case Route::kReferrers:
    case Route::kAcrTags:
    case Route::kAcrManifests:
      return kMetadataRead;
    case Route::kAcrRepository:
    case Route::kAcrManifest:
      if (method == M::kGet || method == M::kHead) return kMetadataRead;
      if (method == M::kPatch) return kMetadataWrite;
      return kDelete;
    case Route::kAcrTag:
      if (method == M::kGet || method == M::kHead) return kMetadataRead;
      return kMetadataWrite;  // PATCH attributes, DELETE = untag
    default:
      return ActionSet::None();
  }
}

}  // namespace

std::vector<RequiredAccess> RequiredAccessFor(const RouteMatch& route, http::Method method) {
  if (route.route == Route::kBase) return {};
  if (route.route == Route::kCatalog || route.route == Route::kAcrCatalog) {
    return {RequiredAccess{RequiredAccess::Resource::kCatalog, "", ActionSet::None()}};
  }
  return {RequiredAccess{RequiredAccess::Resource::kRepository, route.repository,
                         RepositoryActions(route.route, method)}};
}

std::string ScopeString(const RequiredAccess& access) {
  if (access.resource == RequiredAccess::Resource::kCatalog) return "registry:catalog:*";
  return "repository:" + access.repository + ":" + auth::DockerVerbList(access.actions);
}

}  // namespace scopereg::api
