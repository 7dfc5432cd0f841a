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
    case Route::kAcrMetadata: return "acr_metadata";
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

}  // namespace

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
  if (path.rfind("/acr/v1/", 0) == 0) {
    m.route = Route::kAcrMetadata;
    m.reference = std::string(path.substr(8));
    return m;
  }
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
