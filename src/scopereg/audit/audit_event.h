// AuditEvent: one row of the audit trail (access-model.md section 4).
//
// Three kinds, one record type (a query can filter across them):
//   login       a credential check: token endpoint, Basic/Bearer failures,
//               `docker login`. identity, slot, result, reason.
//   repository  pull, push, delete, untag, mount, lock: repository, tag,
//               digest, media type, size, result.
//   management  a change to tokens, scope maps, passwords, the admin user or
//               operators, with who made it (operator id) and a summary of
//               what changed; written in the same transaction as the change.
// Never a password, digest of a password, JWT or Authorization header.
//
// JSON form (AppendAuditEventJson): the one representation used by the
// JSON-lines file, syslog, `GET /api/v1/audit` and `scopereg audit export`.
// camelCase keys, every field always present (stable schema for log
// shippers), time in RFC 3339 UTC (with milliseconds when the instant has
// any, as docs/api.md writes times), "id" only when the store assigned one
// (copies written before the store have none).
//
// Value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "scopereg/core/clock.h"

namespace scopereg::audit {

enum class Category : std::uint8_t { kLogin, kRepository, kManagement };
std::string_view CategoryName(Category c);  // "login", "repository", "management"
std::optional<Category> ParseCategory(std::string_view s);

struct AuditEvent {
  std::int64_t id = 0;  // assigned by the log on append; increases with append order
  Time time{};
  Category category = Category::kRepository;
  // login: "token_endpoint", "refresh_token", "basic", "bearer";
  // repository: "pull", "push", "delete", "untag", "mount", "lock";
  // management: "token.create", "scope_map.update", "token.password.generate"...
  std::string operation;
  std::string identity;       // token name, "admin", "anonymous", or operator id
  std::string identity_kind;  // "token", "admin", "anonymous", "operator", "system"
  std::string slot;           // "password1", "password2", "password", or ""
  bool success = true;
  std::string reason;         // failure reason (login), or the OCI error code
  std::int32_t http_status = 0;
  std::string repository;
  std::string tag;
  std::string digest;
  std::string media_type;
  std::int64_t size = 0;
  std::string target;         // management: the token / scope map / operator name
  std::string detail;         // management: what changed; login: scopes asked for
  std::string client_address;
  std::string user_agent;
  std::string correlation_id;  // also in the request log line
};

// Appends `e` as one JSON object (no trailing newline), e.g.
//   {"id":42,"time":"2026-11-29T16:08:31.123Z","category":"repository",
//    "operation":"pull","identity":"ci-pull","identityKind":"token","slot":"",
//    "success":true,"reason":"","httpStatus":200,"repository":"team/app",
//    "tag":"1.0","digest":"sha256:...","mediaType":"...","size":1234,
//    "target":"","detail":"","clientAddress":"10.0.0.7",
//    "userAgent":"docker/27.0","correlationId":"..."}
// Strings are escaped so the result is valid JSON whatever a client sent.
void AppendAuditEventJson(std::string& out, const AuditEvent& e);

}  // namespace scopereg::audit
