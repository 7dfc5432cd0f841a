// Routes: which endpoint a request path names, and the repository and
// reference in it. The /v2/ grammar is matched from the end of the path
// because repository names contain '/' (distribution-spec "Endpoints").
//
// Pure functions; safe for concurrent use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace scopereg::api {

enum class Route : std::uint8_t {
  kNotFound,        // nothing we serve
  kBase,            // /v2/
  kCatalog,         // /v2/_catalog
  kTagsList,        // /v2/<name>/tags/list
  kManifest,        // /v2/<name>/manifests/<reference>
  kBlob,            // /v2/<name>/blobs/<digest>
  kBlobUploadStart, // /v2/<name>/blobs/uploads/
  kBlobUpload,      // /v2/<name>/blobs/uploads/<uuid>
  kReferrers,       // /v2/<name>/referrers/<digest>
  kToken,           // /oauth2/token
  kHealth,          // /healthz, /readyz
  kMetrics,         // /metrics
  kManagement,      // /api/v1/...
  kAcrMetadata,     // /acr/v1/...
};

std::string_view RouteName(Route r);

struct RouteMatch {
  Route route = Route::kNotFound;
  std::string repository;  // /v2/ routes with a name; not yet validated
  std::string reference;   // tag or digest, upload id, or the rest of the path
};

// Matches the percent-encoded path (no query). Repository names and
// references are returned as they appear; validating them is the handler's
// job (NAME_INVALID vs 404 is a handler decision).
RouteMatch MatchRoute(std::string_view path);

}  // namespace scopereg::api
