#include "scopereg/auth/principal.h"

namespace scopereg::auth {

std::string_view PrincipalKindName(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kAnonymous:
      return "anonymous";
    case PrincipalKind::kToken:
      return "token";
    case PrincipalKind::kAdmin:
      return "admin";
  }
  return "anonymous";
}

std::optional<PrincipalKind> ParsePrincipalKind(std::string_view text) {
  for (PrincipalKind k : {PrincipalKind::kAnonymous, PrincipalKind::kToken, PrincipalKind::kAdmin}) {
    if (text == PrincipalKindName(k)) return k;
  }
  return std::nullopt;
}

std::string_view Principal::AuditIdentity() const {
  switch (kind) {
    case PrincipalKind::kToken:
      return name;
    case PrincipalKind::kAdmin:
      return "admin";
    case PrincipalKind::kAnonymous:
      break;
  }
  return "anonymous";
}

std::string_view AuthFailureName(AuthFailure failure) {
  switch (failure) {
    case AuthFailure::kUnknownToken:
      return "unknown_token";
    case AuthFailure::kWrongPassword:
      return "wrong_password";
    case AuthFailure::kPasswordExpired:
      return "password_expired";
    case AuthFailure::kSlotEmpty:
      return "slot_empty";
    case AuthFailure::kTokenDisabled:
      return "token_disabled";
    case AuthFailure::kTokenExpired:
      return "token_expired";
    case AuthFailure::kAdminDisabled:
      return "admin_disabled";
    case AuthFailure::kCredentialsChanged:
      return "credentials_changed";
  }
  return "unknown";
}

Status AuthFailureStatus() { return Status::Unauthenticated("authentication required"); }

}  // namespace scopereg::auth
