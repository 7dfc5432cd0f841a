// Principal: who a request acts as, and why authentication failed.
//
// A Principal comes from AuthState::Authenticate (Basic credentials) or from
// a verified JWT (token_service.h), which carries the same fields. Either way
// it records the credential epochs it authenticated with (credentials.h), so
// AuthState::Validate can tell on every request whether it is still good.
//
// Failure reasons exist for the audit log only. Clients see one answer for
// every failure: 401 UNAUTHORIZED "authentication required"
// (AuthFailureStatus()).
//
// Thread safety: value types; safe for concurrent use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "scopereg/auth/credentials.h"
#include "scopereg/core/status.h"

namespace scopereg::auth {

enum class PrincipalKind : std::uint8_t { kAnonymous, kToken, kAdmin };
// "anonymous", "token", "admin".
std::string_view PrincipalKindName(PrincipalKind kind);
std::optional<PrincipalKind> ParsePrincipalKind(std::string_view text);

struct Principal {
  PrincipalKind kind = PrincipalKind::kAnonymous;
  // Token name, or the admin username (the registry name); empty for
  // anonymous.
  std::string name;
  // Meaningful for kToken and kAdmin only.
  PasswordSlot slot = PasswordSlot::kPassword1;
  std::uint64_t version = 0;     // token / admin-user version at authentication
  std::uint64_t slot_epoch = 0;  // epoch of `slot` at authentication

  static Principal Anonymous() { return Principal{}; }

  // The identity the audit log records: the token name, "admin" for the
  // admin user (access-model.md: every use is audited as identity admin),
  // "anonymous".
  std::string_view AuditIdentity() const;

  friend bool operator==(const Principal&, const Principal&) = default;
};

// Why a credential was refused. Stable names (AuthFailureName) go to the
// audit log.
enum class AuthFailure : std::uint8_t {
  kUnknownToken,        // no token (or admin user) with that name; or deleted since
  kWrongPassword,       // no slot holds this password
  kPasswordExpired,     // the slot's expiry has passed
  kSlotEmpty,           // the token has no password at all; or the slot used was deleted
  kTokenDisabled,       // status = disabled
  kTokenExpired,        // the token's expiresOn has passed
  kAdminDisabled,       // the admin user is disabled
  kCredentialsChanged,  // a JWT from before a version/slot-epoch change (regenerated,
                        // disabled and re-enabled, expiresOn edited)
};
// "unknown_token", "wrong_password", "password_expired", "slot_empty",
// "token_disabled", "token_expired", "admin_disabled", "credentials_changed".
std::string_view AuthFailureName(AuthFailure failure);

// What every authentication failure looks like to a client:
// kUnauthenticated "authentication required". Deliberately the same for all
// reasons.
Status AuthFailureStatus();

// The result of AuthState::Authenticate: a Principal, or the real reason.
class AuthOutcome {
 public:
  static AuthOutcome Success(Principal p) { return AuthOutcome(std::move(p)); }
  static AuthOutcome Failure(AuthFailure f) { return AuthOutcome(f); }

  bool ok() const { return principal_.has_value(); }
  // REQUIRES: ok().
  const Principal& principal() const& { return *principal_; }
  Principal&& principal() && { return std::move(*principal_); }
  // REQUIRES: !ok().
  AuthFailure failure() const { return failure_; }
  // OK, or AuthFailureStatus() (never the reason).
  Status ToStatus() const { return ok() ? Status::Ok() : AuthFailureStatus(); }

 private:
  explicit AuthOutcome(Principal p) : principal_(std::move(p)) {}
  explicit AuthOutcome(AuthFailure f) : failure_(f) {}
  std::optional<Principal> principal_;
  AuthFailure failure_ = AuthFailure::kUnknownToken;
};

}  // namespace scopereg::auth
