// TokenEndpoint: /oauth2/token, the Docker token-auth server
// (access-model.md section 3; Distribution's token.md and oauth.md).
//
//   GET  ?service=&scope=...&scope=...&account=&client_id=&offline_token=
//        with Basic credentials, or none (anonymous).
//   POST application/x-www-form-urlencoded (possibly chunked):
//        grant_type=password (username, password) or
//        grant_type=refresh_token (refresh_token); scope is space-separated
//        and may also repeat.
//
// The response is {"token","access_token","expires_in","issued_at"} plus
// "refresh_token" for a password grant, offline_token=true or
// access_type=offline. The access token grants the intersection of what was
// asked and what the scope map allows (asking for more is not an error).
// Every failure is 401 "authentication required", whatever the reason; the
// reason goes to the login event. A refresh token stops working as soon as
// its token is disabled, deleted or its password slot changes
// (AuthState::Validate), like access tokens.
//
// Thread safety: Handle runs concurrently.
#pragma once

#include "scopereg/api/events.h"
#include "scopereg/api/routes.h"
#include "scopereg/auth/auth_state.h"
#include "scopereg/auth/token_service.h"
#include "scopereg/auth/usage_recorder.h"
#include "scopereg/core/clock.h"
#include "scopereg/http/message.h"

namespace scopereg::api {

class TokenEndpoint {
 public:
  // Every argument must outlive the endpoint.
  TokenEndpoint(const auth::AuthState& state, const auth::TokenService& tokens, auth::UsageRecorder& usage,
                EventSink& events, const Clock& clock);

  http::Task<void> Handle(http::Request& req, http::Response& res, const RouteMatch& route);

 private:
  const auth::AuthState& state_;
  const auth::TokenService& tokens_;
  auth::UsageRecorder& usage_;
  EventSink& events_;
  const Clock& clock_;
};

}  // namespace scopereg::api
