// ManagementClient: the CLI's only way to the registry, the management API
// under <url>/api/v1 (docs/api.md part 1), authenticated with the operator
// secret line as a Bearer credential.
//
// Every non-2xx answer becomes a Status whose code picks the exit code
// (exit_codes.h) and whose message is the server's, passed through as
// "(<Code>) <message>" the way az shows ARM errors:
//
//   400, 413 -> kInvalidArgument     404 -> kNotFound
//   401      -> kUnauthenticated     403 -> kPermissionDenied
//   409      -> kAlreadyExists (code AlreadyExists) or kFailedPrecondition
//   412      -> kFailedPrecondition  5xx and anything else -> kInternal
// A transport failure (connection refused, DNS, TLS, timeout) is
// kUnavailable, and nothing else is.
//
// Secrets: the credential goes only into the Authorization header; no
// request or response body is logged or kept beyond the call.
//
// Not thread-safe (one libcurl handle).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "scopereg/cli/profiles.h"
#include "scopereg/core/status.h"
#include "scopereg/http/client.h"

namespace scopereg::cli {

struct ApiResponse {
  int status = 0;
  nlohmann::json body;  // null for an empty body
  std::string etag;     // the ETag header without quotes, "" if none
  std::string next;     // the rel="next" Link target (a path), "" if none
};

class ManagementClient {
 public:
  // `target.credential_file` is read now. kUnauthenticated if it cannot be
  // read or holds no operator secret line.
  static Result<std::unique_ptr<ManagementClient>> Connect(const Profile& target, std::string* warning);
  ManagementClient(std::string base_url, std::string credential, http::ClientOptions tls);

  // `path` starts with "/api/v1/" and may carry a query. `body` (if any) is
  // sent as JSON; `if_match` as If-Match.
  Result<ApiResponse> Call(std::string_view method, std::string_view path, const nlohmann::json* body = nullptr,
                           std::string_view if_match = {});
  Result<nlohmann::json> Get(std::string_view path);
  // Follows rel="next" Links and concatenates every page's "value" array.
  Result<nlohmann::json> GetAllPages(std::string_view path);

  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  std::string credential_;
  http::HttpClient http_;
};

// "/api/v1/tokens/" + the percent-encoded name.
std::string ApiPath(std::string_view collection, std::string_view name = {}, std::string_view suffix = {});

// The rel="next" target of a Link header value, "" if none.
std::string NextLink(std::string_view link_header);

// Maps an HTTP error answer to a Status (the table above). Exposed for tests.
Status StatusForResponse(int http_status, std::string_view body, std::string_view url);

}  // namespace scopereg::cli
