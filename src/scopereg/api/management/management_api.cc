// ManagementApi: operator authentication, the endpoint table, body reading,
// and dispatch to the handlers (scope_map_handlers.cc, token_handlers.cc,
// admin_handlers.cc).
#include "scopereg/api/management/management_api.h"

#include <array>

#include "scopereg/api/management/internal.h"
#include "scopereg/core/encoding.h"
#include "scopereg/core/log.h"
#include "scopereg/core/strings.h"

namespace scopereg::api::management {

using internal::Call;
using internal::Deps;
using Permission = auth::OperatorPermission;
using M = http::Method;

namespace {

enum class Body : std::uint8_t {
  kNone,      // not read (GET, DELETE)
  kEmpty,     // may be absent or {}; any field is an error
  kOptional,  // absent means {}
  kRequired,  // a JSON object is required
};

struct Endpoint {
  M method;
  // Path segments after /api/v1/; "*" is a parameter (Call::args), "" ends
  // the pattern.
  std::array<std::string_view, 4> path;
  std::optional<Permission> permission;  // nullopt: any authenticated operator
  Body body;
  internal::Handler handler;
  // Whether the handler honours If-Match. Elsewhere the header is refused:
  // a client that asked for a conditional change must not get an
  // unconditional one.
  bool if_match = false;
};

// Every management endpoint (docs/api.md lists the same table). The role
// check happens here, before any body is read; AccessAdmin checks again.
// clang-format off
const Endpoint kEndpoints[] = {
    {M::kGet, {"scopeMaps"}, Permission::kRead, Body::kNone, &internal::ListScopeMaps},
    {M::kGet, {"scopeMaps", "*"}, Permission::kRead, Body::kNone, &internal::GetScopeMap},
    {M::kPut, {"scopeMaps", "*"}, Permission::kWriteScopeMaps, Body::kRequired, &internal::CreateScopeMap},
    {M::kPatch, {"scopeMaps", "*"}, Permission::kWriteScopeMaps, Body::kRequired, &internal::UpdateScopeMap, true},
    {M::kDelete, {"scopeMaps", "*"}, Permission::kWriteScopeMaps, Body::kNone, &internal::DeleteScopeMap, true},
    {M::kGet, {"scopeMaps", "*", "tokens"}, Permission::kRead, Body::kNone, &internal::ListScopeMapTokens},

    {M::kGet, {"tokens"}, Permission::kRead, Body::kNone, &internal::ListTokens},
    {M::kGet, {"tokens", "*"}, Permission::kRead, Body::kNone, &internal::GetToken},
    {M::kPut, {"tokens", "*"}, Permission::kWriteTokens, Body::kRequired, &internal::CreateToken},
    {M::kPatch, {"tokens", "*"}, Permission::kWriteTokens, Body::kRequired, &internal::UpdateToken, true},
    {M::kDelete, {"tokens", "*"}, Permission::kWriteTokens, Body::kNone, &internal::DeleteToken, true},
    {M::kPost, {"tokens", "*", "generateCredentials"}, Permission::kWriteTokens, Body::kOptional,
     &internal::GenerateCredentials},
    {M::kDelete, {"tokens", "*", "credentials", "*"}, Permission::kWriteTokens, Body::kNone,
     &internal::DeleteCredential},

    {M::kGet, {"adminUser"}, Permission::kRead, Body::kNone, &internal::GetAdminUser},
    {M::kPost, {"adminUser", "enable"}, Permission::kManageAdminUser, Body::kEmpty, &internal::EnableAdminUser},
    {M::kPost, {"adminUser", "disable"}, Permission::kManageAdminUser, Body::kEmpty, &internal::DisableAdminUser},
    {M::kPost, {"adminUser", "regenerateCredential"}, Permission::kManageAdminUser, Body::kRequired,
     &internal::RegenerateAdminCredential},

    {M::kGet, {"operators"}, Permission::kRead, Body::kNone, &internal::ListOperators},
    {M::kGet, {"operators", "*"}, Permission::kRead, Body::kNone, &internal::GetOperator},
    {M::kPost, {"operators"}, Permission::kManageOperators, Body::kRequired, &internal::CreateOperator},
    {M::kDelete, {"operators", "*"}, Permission::kManageOperators, Body::kNone, &internal::DeleteOperator},

    {M::kGet, {"whoami"}, std::nullopt, Body::kNone, &internal::WhoAmI},
    {M::kGet, {"export"}, Permission::kRead, Body::kNone, &internal::Export},

    {M::kGet, {"audit"}, Permission::kReadAudit, Body::kNone, &internal::ListAuditEvents},
    {M::kGet, {"audit", "export"}, Permission::kReadAudit, Body::kNone, &internal::ExportAuditEvents},
};
// clang-format on

// Matches `segments` against the pattern; fills `args` with the "*" parts.
bool MatchPath(const Endpoint& e, const std::vector<std::string>& segments, std::vector<std::string>& args) {
  std::size_t n = 0;
  while (n < e.path.size() && !e.path[n].empty()) ++n;
  if (segments.size() != n) return false;
  args.clear();
  for (std::size_t i = 0; i < n; ++i) {
    if (e.path[i] == "*") {
      if (segments[i].empty()) return false;
      args.push_back(segments[i]);
    } else if (segments[i] != e.path[i]) {
      return false;
    }
  }
  return true;
}

// "tokens/a%2Db/credentials/password1" -> {"tokens","a-b","credentials","password1"}.
// One trailing '/' is ignored. nullopt on a malformed %-escape.
std::optional<std::vector<std::string>> SplitPath(std::string_view rest) {
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::vector<std::string> out;
  for (std::string_view part : Split(rest, '/')) {
    std::optional<std::string> decoded = UrlDecode(part);
    if (!decoded) return std::nullopt;
    out.push_back(std::move(*decoded));
  }
  return out;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && http::EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// The operator secret line the request presents, and for Basic the id it
// claims (which must match the line's). kUnauthenticated if none is usable.
struct Presented {
  std::string line;
  std::string basic_user;  // empty for Bearer
};

Result<Presented> PresentedSecret(const http::Request& req) {
  const Status missing = Status::Unauthenticated("authentication required");
  std::string_view header = TrimSpace(req.header("Authorization"));
  if (StartsWithIgnoreCase(header, "Bearer ")) {
    return Presented{std::string(TrimSpace(header.substr(7))), ""};
  }
  if (!StartsWithIgnoreCase(header, "Basic ")) return missing;
  std::optional<std::string> decoded = Base64Decode(TrimSpace(header.substr(6)));
  if (!decoded) return missing;
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos || colon == 0) return missing;
  std::string user = decoded->substr(0, colon);
  std::string password = decoded->substr(colon + 1);
  // The password is either the secret part or the whole line.
  if (password.starts_with(auth::kOperatorSecretPrefix)) {
    return Presented{std::move(password), std::move(user)};
  }
  return Presented{std::string(auth::kOperatorSecretPrefix) + user + "." + password, std::move(user)};
}

void WriteUnauthorized(http::Request& req, http::Response& res) {
  res.SetHeader("WWW-Authenticate", "Bearer realm=\"scopereg-management\"");
  internal::WriteErrorBody(req, res, 401, "Unauthorized", "authentication required");
}

}  // namespace

struct ManagementApi::State {
  auth::AccessAdmin& admin;
  const Clock& clock;
  const ManagementApiOptions options;
  audit::AuditLog* audit;
  Deps deps{admin, clock, options, audit};

  // The authenticated operator, or nullopt after writing the refusal.
  http::Task<std::optional<auth::Caller>> Authenticate(http::Request& req, http::Response& res);
  // Reads and parses the body as `kind` demands into `body`. Returns false
  // after writing 400/413.
  http::Task<bool> ReadBody(http::Request& req, http::Response& res, Body kind, Json& body);
};

ManagementApi::ManagementApi(auth::AccessAdmin& admin, const Clock& clock, ManagementApiOptions options,
                             audit::AuditLog* audit_log)
    : state_(new State{admin, clock, std::move(options), audit_log}) {}

ManagementApi::~ManagementApi() = default;

http::Task<std::optional<auth::Caller>> ManagementApi::State::Authenticate(http::Request& req,
                                                                           http::Response& res) {
  auto presented = PresentedSecret(req);
  Result<auth::OperatorCredential> op = Status::Unauthenticated("authentication required");
  if (presented.ok()) {
    op = co_await internal::Blocking([&] { return admin.AuthenticateOperator(presented->line); });
    if (op.ok() && !presented->basic_user.empty() && op->id != presented->basic_user) {
      op = Status::Unauthenticated("authentication required");
    }
  }
  if (!op.ok()) {
    if (op.status().code() == StatusCode::kUnauthenticated) {
      // Never the header itself: it may hold a (wrong) secret.
      log::Info("management authentication failed",
                {{"correlation_id", req.correlation_id()},
                 {"remote", req.remote_address()},
                 {"scheme", req.has_header("Authorization") ? "present" : "none"}});
      WriteUnauthorized(req, res);
    } else {
      internal::WriteStatus(req, res, op.status());
    }
    co_return std::nullopt;
  }
  req.log().identity = "operator:" + op->id;
  co_return auth::Caller{op->id, op->role, req.remote_address(), req.correlation_id()};
}

http::Task<bool> ManagementApi::State::ReadBody(http::Request& req, http::Response& res, Body kind,
                                                Json& body) {
  body = Json::object();
  if (kind == Body::kNone) co_return true;
  const auto too_large = [&] {
    internal::WriteErrorBody(req, res, 413, "PayloadTooLarge",
                             "body: larger than " + std::to_string(kMaxJsonBodyBytes) + " bytes");
    // The rest of the body is not read; do not try to drain it.
    res.set_close(true);
  };
  if (auto len = req.content_length(); len && *len > kMaxJsonBodyBytes) {
    too_large();
    co_return false;
  }
  auto text = co_await req.ReadBodyToString(kMaxJsonBodyBytes);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kResourceExhausted) {
      too_large();
    } else {
      internal::WriteErrorBody(req, res, 400, "InvalidArgument", "body: could not be read");
      res.set_close(true);
    }
    co_return false;
  }
  auto parsed = ParseObject(*text, /*empty_ok=*/kind != Body::kRequired);
  Status st = parsed.status();
  if (parsed.ok() && kind == Body::kEmpty) st = CheckKnownFields(*parsed, {});
  if (!st.ok()) {
    internal::WriteStatus(req, res, st);
    co_return false;
  }
  body = std::move(parsed).value();
  co_return true;
}

http::Task<void> ManagementApi::Handle(http::Request& req, http::Response& res, const RouteMatch& route) {
  State& s = *state_;
  // Management data is sensitive and some responses carry secrets: nothing
  // here may be cached by a proxy or a browser.
  res.SetHeader("Cache-Control", "no-store");

  std::optional<auth::Caller> caller = co_await s.Authenticate(req, res);
  if (!caller) co_return;

  std::optional<std::vector<std::string>> segments = SplitPath(route.reference);
  if (!segments) {
    internal::WriteErrorBody(req, res, 400, "InvalidArgument", "path: malformed percent-encoding");
    co_return;
  }
  const Endpoint* endpoint = nullptr;
  std::vector<std::string> args;
  std::string allow;
  for (const Endpoint& e : kEndpoints) {
    std::vector<std::string> a;
    if (!MatchPath(e, *segments, a)) continue;
    allow += (allow.empty() ? "" : ", ") + std::string(http::MethodName(e.method));
    if (e.method == req.method()) {
      endpoint = &e;
      args = std::move(a);
    }
  }
  if (endpoint == nullptr) {
    if (allow.empty()) {
      internal::WriteErrorBody(req, res, 404, "NotFound", "no such endpoint: /api/v1/" + route.reference);
    } else {
      res.SetHeader("Allow", allow);
      internal::WriteErrorBody(
          req, res, 405, "MethodNotAllowed",
          std::string(req.method_string()) + " is not allowed here (allowed: " + allow + ")");
    }
    co_return;
  }
  if (endpoint->permission && !auth::RoleAllows(caller->role, *endpoint->permission)) {
    internal::WriteErrorBody(req, res, 403, "Forbidden",
                             "operator '" + caller->id + "' (role " +
                                 std::string(auth::OperatorRoleName(caller->role)) + ") may not " +
                                 std::string(auth::OperatorPermissionName(*endpoint->permission)));
    co_return;
  }
  if (!endpoint->if_match && req.has_header("If-Match")) {
    internal::WriteErrorBody(req, res, 400, "InvalidArgument", "If-Match: not supported on this endpoint");
    co_return;
  }
  Call call{req, res, std::move(*caller), std::move(args), Json::object()};
  if (!co_await s.ReadBody(req, res, endpoint->body, call.body)) co_return;
  co_await endpoint->handler(s.deps, call);
}

}  // namespace scopereg::api::management
