#include "scopereg/api/token_endpoint.h"

#include <map>

#include "scopereg/api/errors.h"
#include "scopereg/core/encoding.h"
#include "scopereg/core/strings.h"

namespace scopereg::api {

namespace {

using auth::Principal;
using auth::PrincipalKind;

constexpr std::size_t kMaxFormBytes = 64 * 1024;

// application/x-www-form-urlencoded: name -> every value, in order.
using Form = std::multimap<std::string, std::string>;

bool ParseForm(std::string_view body, Form& out) {
  for (auto pair : Split(body, '&')) {
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = UrlDecode(pair.substr(0, eq), true);
    auto value = UrlDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) return false;
    out.emplace(std::move(*key), std::move(*value));
  }
  return true;
}

std::string First(const Form& f, const std::string& key) {
  auto it = f.find(key);
  return it == f.end() ? std::string() : it->second;
}

std::vector<std::string> All(const Form& f, const std::string& key) {
  std::vector<std::string> out;
  auto [b, e] = f.equal_range(key);
  for (auto it = b; it != e; ++it) out.push_back(it->second);
  return out;
}

std::string SlotName(const Principal& p) {
  if (p.kind == PrincipalKind::kToken) return std::string(auth::PasswordSlotName(p.slot));
  if (p.kind == PrincipalKind::kAdmin) return std::string(auth::AdminPasswordSlotName(p.slot));
  return {};
}

void WriteOAuthError(http::Request& req, http::Response& res, int status, std::string_view error,
                     std::string_view description) {
  res.set_status(status);
  res.SetHeader("Content-Type", "application/json");
  res.SetHeader("Cache-Control", "no-store");
  std::string body = "{\"error\":";
  AppendJsonString(body, error);
  body += ",\"error_description\":";
  AppendJsonString(body, description);
  body += "}";
  res.SetBody(std::move(body));
  req.log().error_code = std::string(error);
}

}  // namespace

TokenEndpoint::TokenEndpoint(const auth::AuthState& state, const auth::TokenService& tokens,
                             auth::UsageRecorder& usage, EventSink& events, const Clock& clock)
    : state_(state), tokens_(tokens), usage_(usage), events_(events), clock_(clock) {}

http::Task<void> TokenEndpoint::Handle(http::Request& req, http::Response& res, const RouteMatch&) {
  const Time now = clock_.Now();
  std::vector<std::string> scope_params;
  std::string_view method;
  bool want_refresh = false;
  std::string identity;  // for the login event, also on failure
  auth::AuthOutcome outcome = auth::AuthOutcome::Success(Principal::Anonymous());

  if (req.method() == http::Method::kGet) {
    method = "token_endpoint";
    scope_params = req.QueryParams("scope");
    want_refresh = ToLower(req.QueryParam("offline_token").value_or("")) == "true";
    std::string_view authz = TrimSpace(req.header("Authorization"));
    if (!authz.empty()) {
      std::optional<std::string> decoded;
      if (authz.size() > 6 && http::EqualsIgnoreCase(authz.substr(0, 6), "Basic ")) {
        decoded = Base64Decode(TrimSpace(authz.substr(6)));
      }
      auto colon = decoded ? decoded->find(':') : std::string::npos;
      if (colon == std::string::npos) {
        outcome = auth::AuthOutcome::Failure(auth::AuthFailure::kUnknownToken);
      } else {
        identity = decoded->substr(0, colon);
        outcome = state_.Authenticate(identity, std::string_view(*decoded).substr(colon + 1), now);
      }
    }
  } else if (req.method() == http::Method::kPost) {
    auto body = co_await req.ReadBodyToString(kMaxFormBytes);
    Form form;
    if (!body.ok() || !ParseForm(*body, form)) {
      WriteOAuthError(req, res, 400, "invalid_request", "the request body is not a form");
      co_return;
    }
    for (auto& s : All(form, "scope")) {
      for (auto part : SplitWhitespace(s)) scope_params.emplace_back(part);
    }
    const std::string grant_type = First(form, "grant_type");
    if (grant_type == "password") {
      method = "token_endpoint";
      identity = First(form, "username");
      outcome = state_.Authenticate(identity, First(form, "password"), now);
      want_refresh = true;  // docker and containerd keep it as their identity token
    } else if (grant_type == "refresh_token") {
      method = "refresh_token";
      auto verified = tokens_.Verify(First(form, "refresh_token"), auth::JwtUse::kRefresh, now);
      if (!verified.ok()) {
        outcome = auth::AuthOutcome::Failure(auth::AuthFailure::kCredentialsChanged);
      } else {
        identity = std::string((*verified)->principal.AuditIdentity());
        auto failure = state_.Validate((*verified)->principal, now);
        outcome = failure ? auth::AuthOutcome::Failure(*failure) : auth::AuthOutcome::Success((*verified)->principal);
      }
    } else {
      WriteOAuthError(req, res, 400, "unsupported_grant_type",
                      "grant_type must be password or refresh_token, got '" + grant_type + "'");
      co_return;
    }
    want_refresh = want_refresh || First(form, "access_type") == "offline";
  } else {
    WriteOAuthError(req, res, 405, "invalid_request", "use GET or POST");
    co_return;
  }

  std::string scopes_text;
  for (const auto& s : scope_params) scopes_text += (scopes_text.empty() ? "" : " ") + s;
  if (!outcome.ok()) {
    events_.RecordLogin(req, LoginEvent{identity, "", "", method, false,
                                        std::string(auth::AuthFailureName(outcome.failure())), scopes_text, 401});
    WriteError(req, res, oci::ErrorCode::kUnauthorized);
    res.SetHeader("WWW-Authenticate", "Basic realm=\"scopereg\"");
    co_return;
  }
  Principal principal = std::move(outcome).principal();
  req.log().identity = std::string(principal.AuditIdentity());

  auto scopes = auth::ParseScopes(scope_params);
  if (!scopes.ok()) {
    WriteOAuthError(req, res, 400, "invalid_scope", std::string(scopes.status().message()));
    co_return;
  }
  std::vector<auth::AccessEntry> granted = state_.Grant(principal, *scopes);
  auto access = tokens_.IssueAccessToken(principal, granted, now);
  if (!access.ok()) {
    WriteInternalError(req, res, access.status());
    co_return;
  }
  const bool anonymous = principal.kind == PrincipalKind::kAnonymous;
  std::optional<auth::IssuedToken> refresh;
  if (want_refresh && !anonymous) {
    auto r = tokens_.IssueRefreshToken(principal, now);
    if (!r.ok()) {
      WriteInternalError(req, res, r.status());
      co_return;
    }
    refresh = std::move(r).value();
  }
  if (!anonymous) usage_.Record(principal, now, req.remote_address());
  events_.RecordLogin(req, LoginEvent{std::string(principal.AuditIdentity()), auth::PrincipalKindName(principal.kind),
                                      SlotName(principal), method, true, "", scopes_text, 200});

  std::string body = "{\"token\":";
  AppendJsonString(body, access->token);
  body += ",\"access_token\":";
  AppendJsonString(body, access->token);
  body += ",\"expires_in\":" + std::to_string(access->expires_in) + ",\"issued_at\":";
  AppendJsonString(body, FormatRfc3339(access->issued_at));
  if (refresh) {
    body += ",\"refresh_token\":";
    AppendJsonString(body, refresh->token);
  }
  body += "}";
  res.set_status(200);
  res.SetHeader("Content-Type", "application/json");
  res.SetHeader("Cache-Control", "no-store");
  res.SetBody(std::move(body));
}

}  // namespace scopereg::api
