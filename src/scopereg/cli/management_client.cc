#include "scopereg/cli/management_client.h"

#include "scopereg/core/encoding.h"
#include "scopereg/core/strings.h"

namespace scopereg::cli {

using nlohmann::json;

namespace {

constexpr std::string_view kUserAgent = "scopereg-cli/0.1.0";

// TLS failures are the one unreachable case an operator fixes with a flag.
std::string WithTlsHint(std::string message) {
  const std::string lower = ToLower(message);
  if (lower.find("ssl") != std::string::npos || lower.find("certificate") != std::string::npos ||
      lower.find("tls") != std::string::npos) {
    message += " (a registry with a private CA needs --ca-file FILE; --insecure skips verification)";
  }
  return message;
}

}  // namespace

std::string ApiPath(std::string_view collection, std::string_view name, std::string_view suffix) {
  std::string p = "/api/v1/";
  p += collection;
  if (!name.empty()) {
    p += '/';
    p += UrlEncode(name);
  }
  p += suffix;
  return p;
}

std::string NextLink(std::string_view link) {
  // </api/v1/tokens?last=b&n=2>; rel="next" (possibly among other links)
  for (std::string_view part : Split(link, ',')) {
    part = TrimSpace(part);
    if (part.find("rel=\"next\"") == std::string_view::npos && part.find("rel=next") == std::string_view::npos) continue;
    auto open = part.find('<');
    auto close = part.find('>');
    if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
      return std::string(part.substr(open + 1, close - open - 1));
    }
  }
  return "";
}

Status StatusForResponse(int http_status, std::string_view body, std::string_view url) {
  std::string code, message;
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    code = j["error"].value("code", "");
    message = j["error"].value("message", "");
  }
  std::string text = message.empty() ? "HTTP " + std::to_string(http_status) + " from " + std::string(url)
                                     : "(" + code + ") " + message;
  switch (http_status) {
    case 400:
    case 413:
      return Status::InvalidArgument(text);
    case 401:
      return Status::Unauthenticated(
          "authentication failed: the registry rejected the operator credential (wrong, expired or deleted); "
          "log in again with a valid one (scopereg login)");
    case 403:
      return Status::PermissionDenied(text);
    case 404:
      if (message.empty()) text += " (is this a scopereg registry with the management API?)";
      return Status::NotFound(text);
    case 409:
      return code == "AlreadyExists" ? Status::AlreadyExists(text) : Status::FailedPrecondition(text);
    case 412:
      return Status::FailedPrecondition(text);
    default:
      return Status::Internal(text);
  }
}

Result<std::unique_ptr<ManagementClient>> ManagementClient::Connect(const Profile& target, std::string* warning) {
  SCOPEREG_ASSIGN_OR_RETURN(std::string credential, ReadCredentialFile(target.credential_file, warning));
  http::ClientOptions tls;
  tls.verify_tls = !target.insecure;
  tls.ca_file = target.ca_file;
  return std::make_unique<ManagementClient>(target.url, std::move(credential), tls);
}

ManagementClient::ManagementClient(std::string base_url, std::string credential, http::ClientOptions tls)
    : base_url_(std::move(base_url)), credential_(std::move(credential)), http_(std::move(tls)) {}

Result<ApiResponse> ManagementClient::Call(std::string_view method, std::string_view path, const json* body,
                                           std::string_view if_match) {
  http::ClientRequest req;
  req.method = std::string(method);
  req.url = base_url_ + std::string(path);
  req.timeout = std::chrono::seconds(60);
  req.headers.emplace_back("Authorization", "Bearer " + credential_);
  req.headers.emplace_back("Accept", "application/json");
  req.headers.emplace_back("User-Agent", std::string(kUserAgent));
  if (body != nullptr) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body->dump(-1, ' ', false, json::error_handler_t::replace);
  }
  if (!if_match.empty()) req.headers.emplace_back("If-Match", "\"" + std::string(if_match) + "\"");
  auto res = http_.Send(req);
  if (!res.ok()) {
    return Status::Unavailable(WithTlsHint("cannot reach the registry at " + base_url_ + ": " +
                                           std::string(res.status().message())));
  }
  if (res->status < 200 || res->status > 299) return StatusForResponse(res->status, res->body, req.url);
  ApiResponse out;
  out.status = res->status;
  if (!res->body.empty()) {
    out.body = json::parse(res->body, nullptr, false);
    if (out.body.is_discarded()) {
      return Status::Internal("the registry at " + base_url_ + " answered " + req.method + " " + std::string(path) +
                              " with a body that is not JSON");
    }
  }
  std::string etag(TrimSpace(res->header("ETag")));
  if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  out.etag = etag;
  out.next = NextLink(res->header("Link"));
  return out;
}

Result<json> ManagementClient::Get(std::string_view path) {
  SCOPEREG_ASSIGN_OR_RETURN(ApiResponse r, Call("GET", path));
  return std::move(r.body);
}

Result<json> ManagementClient::GetAllPages(std::string_view path) {
  json all = json::array();
  std::string next(path);
  // A server bug that repeats a page must not loop forever.
  for (int pages = 0; !next.empty(); ++pages) {
    if (pages > 100000) return Status::Internal("too many pages from " + std::string(path));
    // The Link target is an absolute path on the same origin.
    SCOPEREG_ASSIGN_OR_RETURN(ApiResponse r, Call("GET", next));
    if (!r.body.is_object() || !r.body.contains("value") || !r.body["value"].is_array()) {
      return Status::Internal("the registry answered GET " + next + " without a \"value\" list");
    }
    for (json& item : r.body["value"]) all.push_back(std::move(item));
    next = r.next;
  }
  return all;
}

}  // namespace scopereg::cli
