#include "scopereg/auth/operator.h"

#include "scopereg/auth/credentials.h"
#include "scopereg/auth/validation.h"
#include "scopereg/core/strings.h"

namespace scopereg::auth {

std::string_view OperatorRoleName(OperatorRole role) {
  switch (role) {
    case OperatorRole::kOwner:
      return "owner";
    case OperatorRole::kTokenAdmin:
      return "token-admin";
    case OperatorRole::kAuditor:
      return "auditor";
  }
  return "auditor";
}

std::optional<OperatorRole> ParseOperatorRole(std::string_view text) {
  for (OperatorRole r : {OperatorRole::kOwner, OperatorRole::kTokenAdmin, OperatorRole::kAuditor}) {
    if (text == OperatorRoleName(r)) return r;
  }
  return std::nullopt;
}

std::string_view OperatorPermissionName(OperatorPermission permission) {
  switch (permission) {
    case OperatorPermission::kRead:
      return "read";
    case OperatorPermission::kReadAudit:
      return "read-audit";
    case OperatorPermission::kWriteScopeMaps:
      return "write-scope-maps";
    case OperatorPermission::kWriteTokens:
      return "write-tokens";
    case OperatorPermission::kManageAdminUser:
      return "manage-admin-user";
    case OperatorPermission::kManageOperators:
      return "manage-operators";
  }
  return "unknown";
}

bool RoleAllows(OperatorRole role, OperatorPermission permission) {
  switch (role) {
    case OperatorRole::kOwner:
      return true;
    case OperatorRole::kTokenAdmin:
      return permission == OperatorPermission::kRead || permission == OperatorPermission::kReadAudit ||
             permission == OperatorPermission::kWriteScopeMaps || permission == OperatorPermission::kWriteTokens;
    case OperatorRole::kAuditor:
      return permission == OperatorPermission::kRead || permission == OperatorPermission::kReadAudit;
  }
  return false;  // fail closed on an unknown role value
}

Status ValidateOperatorId(std::string_view id) {
  return internal::CheckName("id", id, kMinOperatorIdLength, kMaxOperatorIdLength,
                             internal::NameCharset::kLowerAlnumHyphen);
}

Result<GeneratedOperatorSecret> GenerateOperatorSecret(std::string_view id) {
  SCOPEREG_RETURN_IF_ERROR(ValidateOperatorId(id));
  SCOPEREG_ASSIGN_OR_RETURN(std::string secret, GeneratePassword());
  GeneratedOperatorSecret out;
  out.line = std::string(kOperatorSecretPrefix) + std::string(id) + "." + secret;
  out.parts = OperatorSecret{std::string(id), std::move(secret)};
  return out;
}

Result<OperatorSecret> ParseOperatorSecret(std::string_view line) {
  // One generic message: the input is a secret and must not be echoed.
  const Status bad = Status::Unauthenticated("malformed operator secret");
  std::string_view s = TrimSpace(line);
  if (!s.starts_with(kOperatorSecretPrefix)) return bad;
  s.remove_prefix(kOperatorSecretPrefix.size());
  const auto dot = s.find('.');
  if (dot == std::string_view::npos) return bad;
  const std::string_view id = s.substr(0, dot);
  const std::string_view secret = s.substr(dot + 1);
  if (!ValidateOperatorId(id).ok() || secret.size() != kPasswordLength) return bad;
  for (char c : secret) {
    const bool b64url = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_';
    if (!b64url) return bad;
  }
  return OperatorSecret{std::string(id), std::string(secret)};
}

}  // namespace scopereg::auth
