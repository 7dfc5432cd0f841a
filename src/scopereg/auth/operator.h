// Operator credentials: who may call the management API (tokens, scope
// maps, admin user, audit), as opposed to tokens, which act on repositories.
//
// An operator has an id, a role and a secret stored as a keyed digest (the
// same PasswordHasher as token passwords). The secret is handed out once, as
// one line that is easy to put in a file or an environment variable:
//
//   srop_<id>.<43 characters of base64url>
//
// The "srop_" prefix lets secret scanners recognise it; '.' cannot occur in
// an id nor in base64url, so the line splits unambiguously. The CLI sends it
// as "Authorization: Bearer srop_...".
//
// Roles and what they may do (decided):
//   owner        everything, including operators and the admin user.
//   token-admin  read everything; create/update/delete tokens and scope
//                maps; generate/delete token passwords; read the audit log.
//                NOT the admin user and NOT operators: the admin user is the
//                registry's break-glass account and operators are who may
//                administer; both stay with owners, so a leaked
//                token-admin secret cannot mint another administrator.
//   auditor      read-only: tokens, scope maps (no secrets ever), admin-user
//                status, operator list, last-used data, audit log, export.
//
// Thread safety: value types and pure functions; safe for concurrent use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"

namespace scopereg::auth {

enum class OperatorRole : std::uint8_t { kOwner, kTokenAdmin, kAuditor };
// "owner", "token-admin", "auditor".
std::string_view OperatorRoleName(OperatorRole role);
std::optional<OperatorRole> ParseOperatorRole(std::string_view text);

enum class OperatorPermission : std::uint8_t {
  kRead,               // list/show tokens, scope maps, admin-user status, operators, usage; export
  kReadAudit,          // query the audit log
  kWriteScopeMaps,     // create/update/delete scope maps
  kWriteTokens,        // create/update/delete tokens, generate/delete their passwords
  kManageAdminUser,    // enable/disable the admin user, regenerate its passwords
  kManageOperators,    // create/delete operators
};
std::string_view OperatorPermissionName(OperatorPermission permission);
bool RoleAllows(OperatorRole role, OperatorPermission permission);

inline constexpr std::size_t kMinOperatorIdLength = 3;
inline constexpr std::size_t kMaxOperatorIdLength = 50;
inline constexpr std::string_view kOperatorSecretPrefix = "srop_";

struct OperatorCredential {
  std::string id;  // 3-50 characters of [a-z0-9-]
  OperatorRole role = OperatorRole::kAuditor;
  std::string description;
  std::string secret_digest;  // PasswordHasher::Digest of the secret part
  Time created{};
  std::uint64_t revision = 0;  // store-assigned etag

  friend bool operator==(const OperatorCredential&, const OperatorCredential&) = default;
};

// 3-50 characters of [a-z0-9-] (field "id").
Status ValidateOperatorId(std::string_view id);

// The parts of an operator secret line.
struct OperatorSecret {
  std::string id;
  std::string secret;  // the 43-character random part; digest this
};

// A new secret for operator `id`: returns the full line "srop_<id>.<secret>"
// and the parts. kInvalidArgument for a bad id; kUnavailable if the OS
// random generator fails.
struct GeneratedOperatorSecret {
  std::string line;
  OperatorSecret parts;
};
Result<GeneratedOperatorSecret> GenerateOperatorSecret(std::string_view id);

// Splits a secret line (surrounding whitespace, e.g. a file's trailing
// newline, is ignored). kUnauthenticated (never echoing the input) if it is
// not of the form above.
Result<OperatorSecret> ParseOperatorSecret(std::string_view line);

}  // namespace scopereg::auth
