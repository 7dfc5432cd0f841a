// TokenAccessController: Docker token auth on the data plane
// (access-model.md section 3).
//
// For each request it authenticates the caller (no credentials: anonymous;
// Basic token-name/password; Bearer JWT from /oauth2/token), checks that the
// credential is still valid right now (AuthState::Validate: a disabled,
// deleted or expired token, or a regenerated or deleted password slot, stops
// working on the next request even with a JWT issued before), and compares
// what the route needs (required_access.h) with what the caller holds:
//   Basic/anonymous: the current scope map (AuthState::Allowed);
//   Bearer: the JWT's access claim intersected with the current scope map,
//           so a scope-map edit applies at once to earlier JWTs too.
//
// Refusals:
//   no or bad credentials          401 UNAUTHORIZED + Bearer challenge with
//                                  the scope the route needs;
//   Basic, lacking the action      403 DENIED;
//   Bearer, lacking the action     401 + challenge error="insufficient_scope"
//                                  (clients fetch a token with that scope).
// Every failure looks the same to the client ("authentication required"); the
// real reason goes to the login event.
//
// Cost per request: Basic is one keyed SHA-256 and hash lookups; Bearer is a
// cache lookup keyed by the token's SHA-256 (TokenService) plus hash lookups.
// No I/O. Successful authentications update per-slot last-used data through
// the UsageRecorder (memory; flushed in batches by the server).
//
// Thread safety: safe for concurrent use.
#pragma once

#include <memory>
#include <string>

#include "scopereg/api/access_controller.h"
#include "scopereg/api/events.h"
#include "scopereg/auth/auth_state.h"
#include "scopereg/auth/token_service.h"
#include "scopereg/auth/usage_recorder.h"
#include "scopereg/core/clock.h"

namespace scopereg::api {

struct TokenAuthOptions {
  std::string service;     // the registry's service name (JWT audience)
  std::string public_url;  // "https://registry.example"; empty: from the Host header
};

// The realm URL of the token endpoint as this request should see it.
std::string TokenRealm(const http::Request& req, const std::string& public_url);

class TokenAccessController final : public AccessController {
 public:
  // Every argument must outlive the controller.
  TokenAccessController(const auth::AuthState& state, const auth::TokenService& tokens,
                        auth::UsageRecorder& usage, EventSink& events, const Clock& clock, TokenAuthOptions options);

  http::Task<std::unique_ptr<Grant>> Authorize(http::Request& req, http::Response& res,
                                               const RouteMatch& route) override;

 private:
  const auth::AuthState& state_;
  const auth::TokenService& tokens_;
  auth::UsageRecorder& usage_;
  EventSink& events_;
  const Clock& clock_;
  TokenAuthOptions options_;
};

}  // namespace scopereg::api
