// The single table from a request to the access it needs
// (access-model.md section 2; Distribution's appendAccessRecords).
//
//   GET/HEAD /v2/                              any valid credential
//   GET /v2/_catalog, /acr/v1/_catalog         catalog (filtered by metadata/read)
//   GET/HEAD manifests, blobs                  content/read
//   PUT manifests, POST/PATCH/PUT/GET/DELETE   content/read + content/write
//     uploads                                  (a mount's source needs content/read,
//                                              checked by the handler: without it the
//                                              blob is not mounted, 202 instead)
//   DELETE manifests, blobs                    content/delete
//   GET tags/list, referrers                   metadata/read
//   /acr/v1: GET -> metadata/read, PATCH -> metadata/write,
//            DELETE tag (untag) -> metadata/write,
//            DELETE repository or manifest -> content/delete
//
// Every data-plane route and method is in the table; anything else is
// refused before it reaches here (405/404), so nothing is reachable without
// an entry (fail closed).
#pragma once

#include <string>
#include <vector>

#include "scopereg/api/routes.h"
#include "scopereg/auth/action.h"
#include "scopereg/http/message.h"

namespace scopereg::api {

struct RequiredAccess {
  enum class Resource : std::uint8_t {
    kRepository,  // `actions` on `repository`
    kCatalog,     // the registry catalog (registry:catalog:*)
  };
  Resource resource = Resource::kRepository;
  std::string repository;
  auth::ActionSet actions;
};

// What the request needs. Empty means "authentication only" (GET /v2/).
// REQUIRES: IsDataPlaneRoute(route.route) and the method is allowed there.
std::vector<RequiredAccess> RequiredAccessFor(const RouteMatch& route, http::Method method);

// The Docker scope string for a challenge: "repository:<name>:pull,push",
// "registry:catalog:*".
std::string ScopeString(const RequiredAccess& access);

}  // namespace scopereg::api
