// Internals of the management API (not part of its contract): the request
// context handlers get, the one Status -> HTTP table, response writers,
// JSON shapes of the resources, and the endpoint handlers.
#pragma once

#include <utility>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "scopereg/api/management/json_fields.h"
#include "scopereg/api/management/management_api.h"
#include "scopereg/auth/access_admin.h"
#include "scopereg/http/message.h"

namespace scopereg::api::management::internal {

// What every handler can use.
struct Deps {
  auth::AccessAdmin& admin;
  const Clock& clock;
  const ManagementApiOptions& options;
  audit::AuditLog* audit;  // null: the audit endpoints answer 404
};

// One authenticated request matched to an endpoint.
struct Call {
  http::Request& req;
  http::Response& res;
  auth::Caller caller;
  std::vector<std::string> args;  // the {name} parts of the path, percent-decoded
  Json body;                      // the parsed object for endpoints that take a body; {} otherwise
};

using Handler = http::Task<void> (*)(const Deps&, Call&);

// ---- responses -----------------------------------------------------------------------

// The one table from a Status to an HTTP status and error code (docs/api.md
// "Errors"). `if_match_sent` decides kAborted: 412 PreconditionFailed when
// the client asked for a revision, 409 Conflict when concurrent writers
// exhausted AccessAdmin's retries.
struct HttpError {
  int status;
  std::string_view code;
};
HttpError MapStatus(StatusCode code, bool if_match_sent);

// Writes {"error":{"code","message"}} with `status`.
void WriteErrorBody(http::Request& req, http::Response& res, int status, std::string_view code,
                    std::string_view message);
// Maps `st` (not OK) through MapStatus. kInternal, kDataLoss and other
// unexpected codes are logged with the correlation id; the client gets only
// "internal error (correlation id ...)".
void WriteStatus(http::Request& req, http::Response& res, const Status& st);
// True if `r` is OK; otherwise writes it (WriteStatus) and returns false:
//   auto page = ParsePage(c.req, d.options);
//   if (!Check(c, page)) co_return;
bool Check(Call& c, const Status& st);
template <typename T>
bool Check(Call& c, const Result<T>& r) {
  return r.ok() || Check(c, r.status());
}
// Writes `body` as JSON with `status`.
void WriteJson(http::Response& res, int status, const Json& body);
// Sets `ETag: "<revision>"`.
void SetEtag(http::Response& res, std::uint64_t revision);
// Writes `rendered` with `status` and its ETag, or its error.
void WriteResource(Call& c, const Result<Json>& rendered, std::uint64_t revision, int status = 200);

// The If-Match header as a revision: absent or "*" -> nullopt; "17", "\"17\""
// and W/"17" -> 17; anything else is kInvalidArgument.
Result<std::optional<std::uint64_t>> ParseIfMatch(const http::Request& req);

// `?last=&n=`: n defaults to options.default_page_size and is clamped to
// options.max_page_size; n=0 or a non-number is kInvalidArgument.
struct PageRequest {
  std::string last;
  std::size_t n = 0;
};
Result<PageRequest> ParsePage(const http::Request& req, const ManagementApiOptions& options);
void SetNextLink(http::Response& res, std::string_view collection, std::string_view last, std::size_t n);
// Writes {"value":[...]} (200) for one page of a list. `items` holds up to
// n+1 entries (asking the store for one more tells whether a next page
// exists); the extra one is dropped and a Link header leads on:
//   Link: </api/v1/<collection>?last=<name of the last item>&n=<n>>; rel="next"
template <typename T, typename Render, typename NameOf>
void WritePage(Call& c, std::string_view collection, const PageRequest& page, std::vector<T>& items,
               Render&& render, NameOf&& name_of) {
  const bool more = items.size() > page.n;
  if (more) items.resize(page.n);
  Json value = Json::array();
  for (const T& item : items) value.push_back(render(item));
  if (more && !items.empty()) SetNextLink(c.res, collection, name_of(items.back()), page.n);
  WriteJson(c.res, 200, Json{{"value", std::move(value)}});
}

// Runs `fn` (a store call through AccessAdmin) on the blocking pool and
// returns its result.
// REQUIRES: `fn` returns a Status or a Result<T>.
template <typename F>
http::Task<std::invoke_result_t<F&>> Blocking(F fn) {
  std::invoke_result_t<F&> out = Status::Internal("blocking call did not run");
  co_await http::RunBlocking([&] { out = fn(); });
  co_return out;
}

// Runs `op` (a Status-returning delete) on the blocking pool and answers
// 204, or the error.
template <typename F>
http::Task<void> RespondNoContent(Call& c, F op) {
  Status st = co_await Blocking(std::move(op));
  if (Check(c, st)) c.res.set_status(204);
}

// ---- resource shapes (docs/api.md) ------------------------------------------------------

// Whether a shape carries the store's revision ("etag"). Exports leave it
// out: it differs between registries and would make every diff noisy.
enum class Etag : std::uint8_t { kInclude, kOmit };

Json ScopeMapJson(const auth::ScopeMap& m, Etag etag = Etag::kInclude);
// `usage` may be null (then lastUsed/lastUsedFrom are null).
Json TokenJson(const auth::Token& t, const auth::TokenUsage* usage, Etag etag = Etag::kInclude);
Json AdminUserJson(const auth::AdminUser& a, std::string_view username, const auth::TokenUsage* usage,
                   Etag etag = Etag::kInclude);
Json OperatorJson(const auth::OperatorCredential& op, Etag etag = Etag::kInclude);
// Adds "value" to the entries of a rendered `passwords` array that
// `generated` holds (matched by name): the one response that shows them.
void AddPasswordValues(Json& passwords, const auth::GeneratedCredentials& generated);
// {"username","passwords":[{"name","value","creationTime","expiry"}]}
Json GeneratedCredentialsJson(const auth::GeneratedCredentials& c);

// ---- handlers (one per endpoint; see the table in management_api.cc) -----------------------

http::Task<void> ListScopeMaps(const Deps& d, Call& c);
http::Task<void> GetScopeMap(const Deps& d, Call& c);
http::Task<void> CreateScopeMap(const Deps& d, Call& c);
http::Task<void> UpdateScopeMap(const Deps& d, Call& c);
http::Task<void> DeleteScopeMap(const Deps& d, Call& c);
http::Task<void> ListScopeMapTokens(const Deps& d, Call& c);

http::Task<void> ListTokens(const Deps& d, Call& c);
http::Task<void> GetToken(const Deps& d, Call& c);
http::Task<void> CreateToken(const Deps& d, Call& c);
http::Task<void> UpdateToken(const Deps& d, Call& c);
http::Task<void> DeleteToken(const Deps& d, Call& c);
http::Task<void> GenerateCredentials(const Deps& d, Call& c);
http::Task<void> DeleteCredential(const Deps& d, Call& c);

http::Task<void> GetAdminUser(const Deps& d, Call& c);
http::Task<void> EnableAdminUser(const Deps& d, Call& c);
http::Task<void> DisableAdminUser(const Deps& d, Call& c);
http::Task<void> RegenerateAdminCredential(const Deps& d, Call& c);

http::Task<void> ListOperators(const Deps& d, Call& c);
http::Task<void> GetOperator(const Deps& d, Call& c);
http::Task<void> CreateOperator(const Deps& d, Call& c);
http::Task<void> DeleteOperator(const Deps& d, Call& c);

http::Task<void> WhoAmI(const Deps& d, Call& c);
http::Task<void> Export(const Deps& d, Call& c);

http::Task<void> ListAuditEvents(const Deps& d, Call& c);
http::Task<void> ExportAuditEvents(const Deps& d, Call& c);

}  // namespace scopereg::api::management::internal
