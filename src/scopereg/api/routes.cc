#include "scopereg/api/routes.h"

namespace scopereg::api {

std::string_view RouteName(Route r) {
  switch (r) {
    case Route::kNotFound: return "not_found";
    case Route::kBase: return "base";
    case Route::kCatalog: return "catalog";
    case Route::kTagsList: return "tags_list";
    case Route::kManifest: return "manifest";
    case Route::kBlob: return "blob";
    case Route::kBlobUploadStart: return "blob_upload_start";
    case Route::kBlobUpload: return "blob_upload";
    case Route::kReferrers: return "referrers";
    case Route::kToken: return "token";
    case Route::kHealth: return "health";
    case Route::kMetrics: return "metrics";
    case Route::kManagement: return "management";
    case Route::kAcrCatalog: return "acr_catalog";
    case Route::kAcrRepository: return "acr_repository";
    case Route::kAcrTags: return "acr_tags";
    case Route::kAcrTag: return "acr_tag";
    case Route::kAcrManifests: return "acr_manifests";
    case Route::kAcrManifest: return "acr_manifest";
  }
  return "not_found";
}

namespace {

bool ConsumeSuffix(std::string_view& s, std::string_view suffix) {
  if (s.size() < suffix.size() || s.substr(s.size() - suffix.size()) != suffix) return false;
  s.remove_suffix(suffix.size());
  return true;
}

// Splits "<name>/<keyword>/<last>" where <last> has no '/'. Returns false if
// the path does not have that shape.
bool SplitKeyword(std::string_view rest, std::string_view keyword, std::string_view& name,
                  std::string_view& last) {
  auto slash = rest.rfind('/');
  if (slash == std::string_view::npos) return false;
  last = rest.substr(slash + 1);
  std::string_view head = rest.substr(0, slash);
  if (!ConsumeSuffix(head, keyword) || head.empty() || head.back() != '/') return false;
  head.remove_suffix(1);
  if (head.empty()) return false;
  name = head;
  return true;
}

// /acr/v1/<rest>: "_catalog", "<name>", "<name>/_tags[/<tag>]",
// "<name>/_manifests[/<digest>]". Path components starting with '_' cannot
// be repository components, so the split is unambiguous.
RouteMatch MatchAcrRoute(std::string_view rest) {
  RouteMatch m;
  if (rest == "_catalog") {
    m.route = Route::kAcrCatalog;
    return m;
  }
  std::string_view name, last;
  std::string_view r = rest;
  if (ConsumeSuffix(r, "/_tags") && !r.empty()) {
    m.route = Route::kAcrTags;
    m.repository = std::string(r);
    return m;
  }
  r = rest;
  if (ConsumeSuffix(r, "/_manifests") && !r.empty()) {
    m.route = Route::kAcrManifests;
    m.repository = std::string(r);
    return m;
  }
  if (SplitKeyword(rest, "_tags", name, last) && !last.empty()) {
    m.route = Route::kAcrTag;
  } else if (SplitKeyword(rest, "_manifests", name, last) && !last.empty()) {
    m.route = Route::kAcrManifest;
  } else if (!rest.empty() && rest.find("/_") == std::string_view::npos && rest.front() != '_') {
    m.route = Route::kAcrRepository;
    m.repository = std::string(rest);
    return m;
  } else {
    return m;
  }
  m.repository = std::string(name);
  m.reference = std::string(last);
  return m;
}

}  // namespace

bool IsDataPlaneRoute(Route r) {
  return (r >= Route::kBase && r <= Route::kReferrers) || (r >= Route::kAcrCatalog && r <= Route::kAcrManifest);
}

RouteMatch MatchRoute(std::string_view path) {
  RouteMatch m;
  if (path == "/v2/" || path == "/v2") {
    m.route = Route::kBase;
    return m;
  }
  if (path == "/oauth2/token") {
    m.route = Route::kToken;
    return m;
  }
  if (path == "/healthz" || path == "/readyz") {
    m.route = Route::kHealth;
    m.reference = std::string(path.substr(1));
    return m;
  }
  if (path == "/metrics") {
    m.route = Route::kMetrics;
    return m;
  }
  if (path.rfind("/api/v1/", 0) == 0) {
    m.route = Route::kManagement;
    m.reference = std::string(path.substr(8));
    return m;
  }
  if (path.rfind("/acr/v1/", 0) == 0) return MatchAcrRoute(path.substr(8));
  if (path.rfind("/v2/", 0) != 0) return m;
  std::string_view rest = path.substr(4);
  if (rest == "_catalog") {
    m.route = Route::kCatalog;
    return m;
  }
  std::string_view name, last;
  std::string_view r = rest;
  if (ConsumeSuffix(r, "/tags/list") && !r.empty()) {
    m.route = Route::kTagsList;
    m.repository = std::string(r);
    return m;
  }
  r = rest;
  if ((ConsumeSuffix(r, "/blobs/uploads/") || ConsumeSuffix(r, "/blobs/uploads")) && !r.empty()) {
    m.route = Route::kBlobUploadStart;
    m.repository = std::string(r);
    return m;
  }
  if (SplitKeyword(rest, "blobs/uploads", name, last) && !last.empty()) {
    m.route = Route::kBlobUpload;
  } else if (SplitKeyword(rest, "blobs", name, last) && !last.empty()) {
    m.route = Route::kBlob;
  } else if (SplitKeyword(rest, "manifests", name, last) && !last.empty()) {
    m.route = Route::kManifest;
  } else if (SplitKeyword(rest, "referrers", name, last) && !last.empty()) {
    m.route = Route::kReferrers;
  } else {
    return m;
  }
  m.repository = std::string(name);
  m.reference = std::string(last);
  return m;
}

}  // namespace scopereg::api
