#include "scopereg/api/token_access_controller.h"

#include "scopereg/api/errors.h"
#include "scopereg/api/required_access.h"
#include "scopereg/core/encoding.h"
#include "scopereg/core/strings.h"
#include "scopereg/oci/error_code.h"

namespace scopereg::api {

namespace {

using auth::Action;
using auth::ActionSet;
using auth::Principal;
using auth::PrincipalKind;

enum class Scheme { kNone, kBasic, kBearer, kOther };

struct Credentials {
  Scheme scheme = Scheme::kNone;
  std::string_view value;
};

Credentials ParseAuthorization(const http::Request& req) {
  std::string_view h = TrimSpace(req.header("Authorization"));
  if (h.empty()) return {};
  auto space = h.find(' ');
  std::string_view scheme = h.substr(0, space);
  std::string_view value = space == std::string_view::npos ? std::string_view() : TrimSpace(h.substr(space + 1));
  if (http::EqualsIgnoreCase(scheme, "Basic")) return {Scheme::kBasic, value};
  if (http::EqualsIgnoreCase(scheme, "Bearer")) return {Scheme::kBearer, value};
  return {Scheme::kOther, value};
}

std::string SlotName(const Principal& p) {
  if (p.kind == PrincipalKind::kToken) return std::string(auth::PasswordSlotName(p.slot));
  if (p.kind == PrincipalKind::kAdmin) return std::string(auth::AdminPasswordSlotName(p.slot));
  return {};
}

// What the caller holds on a repository right now: the current scope map,
// narrowed to the JWT's access claim for Bearer callers.
class TokenGrant final : public Grant {
 public:
  TokenGrant(const auth::AuthState& state, Principal principal,
             std::shared_ptr<const auth::VerifiedToken> jwt)
      : state_(state), principal_(std::move(principal)), jwt_(std::move(jwt)) {}

  ActionSet Effective(std::string_view repository) const {
    ActionSet held = state_.Allowed(principal_, repository);
    if (jwt_) {
      ActionSet asked = jwt_->ActionsFor(repository);
      // A JWT's `pull` also asks to read metadata (tags list, referrers):
      // Distribution clients (crane, Flux, regclient) list tags with a pull
      // token and do not retry with the challenge's scope. The scope map
      // still decides: without metadata/read there is no listing.
      if (asked.Contains(Action::kContentRead)) asked.Add(Action::kMetadataRead);
      held = held & asked;
    }
    return held;
  }
  bool CanPull(std::string_view repository) const override {
    return Effective(repository).Contains(Action::kContentRead);
  }
  // The catalog scope itself was checked in Authorize; which repositories
  // it shows follows the current scope map (access-model.md: beyond ACR).
  bool CanList(std::string_view repository) const override {
    return state_.Allowed(principal_, repository).Contains(Action::kMetadataRead);
  }

 private:
  const auth::AuthState& state_;
  Principal principal_;
  std::shared_ptr<const auth::VerifiedToken> jwt_;
};

// {"Type":"repository","Name":"x","Action":"pull"} entries, as ACR's 401
// detail lists them.
std::string ChallengeDetail(const std::vector<RequiredAccess>& needed) {
  std::string out = "[";
  bool first = true;
  auto add = [&](std::string_view type, std::string_view name, std::string_view action) {
    if (!first) out += ',';
    first = false;
    out += "{\"Type\":";
    AppendJsonString(out, type);
    out += ",\"Name\":";
    AppendJsonString(out, name);
    out += ",\"Action\":";
    AppendJsonString(out, action);
    out += '}';
  };
  for (const auto& n : needed) {
    if (n.resource == RequiredAccess::Resource::kCatalog) {
      add("registry", "catalog", "*");
    } else {
      for (auto verb : auth::DockerVerbs(n.actions)) add("repository", n.repository, verb);
    }
  }
  out += ']';
  return out;
}

}  // namespace

std::string TokenRealm(const http::Request& req, const std::string& public_url) {
  if (!public_url.empty()) return public_url + "/oauth2/token";
  std::string_view host = req.header("Host");
  if (host.empty() || host.find_first_of(" \"\r\n") != std::string_view::npos) host = "localhost";
  return std::string(req.secure() ? "https://" : "http://") + std::string(host) + "/oauth2/token";
}

TokenAccessController::TokenAccessController(const auth::AuthState& state, const auth::TokenService& tokens,
                                             auth::UsageRecorder& usage, EventSink& events, const Clock& clock,
                                             TokenAuthOptions options)
    : state_(state), tokens_(tokens), usage_(usage), events_(events), clock_(clock), options_(std::move(options)) {}

http::Task<std::unique_ptr<Grant>> TokenAccessController::Authorize(http::Request& req, http::Response& res,
                                                                    const RouteMatch& route) {
  const Time now = clock_.Now();
  const std::vector<RequiredAccess> needed = RequiredAccessFor(route, req.method());

  auto challenge = [&](std::string_view error) {
    auth::BearerChallenge c;
    c.realm = TokenRealm(req, options_.public_url);
    c.service = options_.service;
    for (const auto& n : needed) c.scopes.push_back(ScopeString(n));
    c.error = std::string(error);
    res.SetHeader("WWW-Authenticate", auth::FormatBearerChallenge(c));
  };
  auto unauthorized = [&](std::string_view error) {
    WriteError(req, res, oci::ErrorCode::kUnauthorized, {}, ChallengeDetail(needed));
    challenge(error);
  };
  auto login_failure = [&](std::string identity, std::string_view method, std::string reason) {
    events_.RecordLogin(req, LoginEvent{std::move(identity), "", "", method, false, std::move(reason), "", 401});
  };

  // 1. Who is calling.
  Principal principal = Principal::Anonymous();
  std::shared_ptr<const auth::VerifiedToken> jwt;
  std::string_view method = "anonymous";
  const Credentials creds = ParseAuthorization(req);
  switch (creds.scheme) {
    case Scheme::kNone:
      break;
    case Scheme::kBasic: {
      method = "basic";
      auto decoded = Base64Decode(creds.value);
      auto colon = decoded ? decoded->find(':') : std::string::npos;
      if (!decoded || colon == std::string::npos) {
        login_failure("", method, "malformed_basic_credentials");
        unauthorized("");
        co_return nullptr;
      }
      std::string_view user = std::string_view(*decoded).substr(0, colon);
      std::string_view password = std::string_view(*decoded).substr(colon + 1);
      auth::AuthOutcome outcome = state_.Authenticate(user, password, now);
      if (!outcome.ok()) {
        login_failure(std::string(user), method, std::string(auth::AuthFailureName(outcome.failure())));
        unauthorized("");
        co_return nullptr;
      }
      principal = std::move(outcome).principal();
      break;
    }
    case Scheme::kBearer: {
      method = "bearer";
      auto verified = tokens_.Verify(creds.value, auth::JwtUse::kAccess, now);
      if (!verified.ok()) {
        login_failure("", method, "invalid_token");
        unauthorized("invalid_token");
        co_return nullptr;
      }
      jwt = std::move(verified).value();
      principal = jwt->principal;
      if (auto failure = state_.Validate(principal, now)) {
        login_failure(std::string(principal.AuditIdentity()), method, std::string(auth::AuthFailureName(*failure)));
        unauthorized("invalid_token");
        co_return nullptr;
      }
      break;
    }
    case Scheme::kOther:
      login_failure("", "other", "unsupported_authorization_scheme");
      unauthorized("");
      co_return nullptr;
  }
  req.log().identity = std::string(principal.AuditIdentity());
  const bool authenticated = principal.kind != PrincipalKind::kAnonymous;
  if (authenticated) usage_.Record(principal, now, req.remote_address());

  // 2. What the route needs, against what the caller holds.
  auto grant = std::make_unique<TokenGrant>(state_, principal, jwt);
  bool allowed = needed.empty() ? authenticated : true;
  for (const auto& n : needed) {
    if (n.resource == RequiredAccess::Resource::kCatalog) {
      // Anonymous callers are challenged; an authenticated caller gets the
      // list filtered to what it may see (possibly empty).
      allowed = authenticated && (jwt == nullptr || jwt->HasCatalog());
    } else {
      allowed = grant->Effective(n.repository).ContainsAll(n.actions);
    }
    if (!allowed) break;
  }
  if (allowed) {
    if (route.route == Route::kBase && creds.scheme == Scheme::kBasic) {
      // GET /v2/ with credentials is what `docker login` does: a login event.
      events_.RecordLogin(req, LoginEvent{std::string(principal.AuditIdentity()),
                                          auth::PrincipalKindName(principal.kind), SlotName(principal), method,
                                          true, "", "", 200});
    }
    co_return grant;
  }
  if (!authenticated) {
    unauthorized("");
  } else if (creds.scheme == Scheme::kBearer) {
    unauthorized("insufficient_scope");
  } else {
    WriteError(req, res, oci::ErrorCode::kDenied);
  }
  co_return nullptr;
}

}  // namespace scopereg::api
