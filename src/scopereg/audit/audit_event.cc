#include "scopereg/audit/audit_event.h"

#include "scopereg/core/strings.h"

namespace scopereg::audit {

std::string_view CategoryName(Category c) {
  switch (c) {
    case Category::kLogin: return "login";
    case Category::kRepository: return "repository";
    case Category::kManagement: return "management";
  }
  return "repository";
}

std::optional<Category> ParseCategory(std::string_view s) {
  if (s == "login") return Category::kLogin;
  if (s == "repository") return Category::kRepository;
  if (s == "management") return Category::kManagement;
  return std::nullopt;
}

void AppendAuditEventJson(std::string& out, const AuditEvent& e) {
  auto str = [&out](std::string_view key, std::string_view value) {
    out += ",\"";
    out += key;
    out += "\":";
    AppendJsonString(out, value);
  };
  auto num = [&out](std::string_view key, std::int64_t value) {
    out += ",\"";
    out += key;
    out += "\":";
    out += std::to_string(value);
  };
  out += '{';
  if (e.id != 0) {
    out += "\"id\":";
    out += std::to_string(e.id);
    out += ',';
  }
  out += "\"time\":";
  // Milliseconds only when there are any, as the management API writes times.
  AppendJsonString(out, FormatRfc3339(e.time, /*millis=*/ToUnixMillis(e.time) % 1000 != 0));
  str("category", CategoryName(e.category));
  str("operation", e.operation);
  str("identity", e.identity);
  str("identityKind", e.identity_kind);
  str("slot", e.slot);
  out += ",\"success\":";
  out += e.success ? "true" : "false";
  str("reason", e.reason);
  num("httpStatus", e.http_status);
  str("repository", e.repository);
  str("tag", e.tag);
  str("digest", e.digest);
  str("mediaType", e.media_type);
  num("size", e.size);
  str("target", e.target);
  str("detail", e.detail);
  str("clientAddress", e.client_address);
  str("userAgent", e.user_agent);
  str("correlationId", e.correlation_id);
  out += '}';
}

}  // namespace scopereg::audit
