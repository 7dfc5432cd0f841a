#include "scopereg/audit/audit_query.h"

#include <algorithm>
#include <set>

#include "scopereg/core/encoding.h"
#include "scopereg/core/strings.h"

namespace scopereg::audit {

namespace {

Status Bad(std::string_view name, std::string_view why, std::string_view value) {
  return Status::InvalidArgument(std::string(name) + ": " + std::string(why) + ": '" + std::string(value) + "'");
}

Status Apply(AuditQuery& q, std::string_view name, const std::string& value) {
  AuditFilter& f = q.filter;
  if (name == "from" || name == "to") {
    auto t = ParseRfc3339(value);
    if (!t) return Bad(name, "not an RFC 3339 time", value);
    (name == "from" ? f.since : f.until) = *t;
  } else if (name == "category") {
    auto c = ParseCategory(value);
    if (!c) return Bad(name, "expected login, repository or management", value);
    f.category = *c;
  } else if (name == "identity") {
    f.identity = value;
  } else if (name == "repository") {
    f.repository = value;
  } else if (name == "operation") {
    f.operation = value;
  } else if (name == "result") {
    if (value != "success" && value != "failure") return Bad(name, "expected success or failure", value);
    f.success = value == "success";
  } else if (name == "clientAddress") {
    f.client_address = value;
  } else if (name == "correlationId") {
    f.correlation_id = value;
  } else if (name == "last") {
    auto n = ParseInt64(value);
    if (!n || *n < 0) return Bad(name, "expected an event id (a non-negative integer)", value);
    q.after_id = *n;
  } else if (name == "n") {
    auto n = ParseUint64(value);
    if (!n || *n < 1) return Bad(name, "expected a positive integer", value);
    q.limit = static_cast<std::size_t>(std::min<std::uint64_t>(*n, kMaxAuditPageSize));
  } else {
    return Status::InvalidArgument(
        std::string(name) +
        ": unknown parameter (valid: from, to, category, identity, repository, operation, result, "
        "clientAddress, correlationId, n, last)");
  }
  return Status::Ok();
}

}  // namespace

Result<AuditQuery> ParseAuditQuery(std::string_view raw_query, AuditQueryUse use) {
  AuditQuery q;
  q.limit = kDefaultAuditPageSize;
  std::set<std::string> seen;
  for (std::string_view pair : Split(raw_query, '&')) {
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = UrlDecode(pair.substr(0, eq), /*plus_as_space=*/true);
    auto value = UrlDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!name || !value) return Status::InvalidArgument("query: bad percent-encoding in '" + std::string(pair) + "'");
    if (!seen.insert(*name).second) return Status::InvalidArgument(*name + ": given more than once");
    if (use == AuditQueryUse::kExport && *name == "n") {
      return Status::InvalidArgument("n: an export is not paged (it returns every matching event; bound it with "
                                     "from, to or last)");
    }
    SCOPEREG_RETURN_IF_ERROR(Apply(q, *name, *value));
  }
  if (q.filter.since && q.filter.until && *q.filter.until <= *q.filter.since) {
    return Status::InvalidArgument("to: must be later than from");
  }
  return q;
}

std::string AuditPageJson(const AuditPage& page) {
  std::string out = "{\"value\":[";
  for (std::size_t i = 0; i < page.events.size(); ++i) {
    if (i > 0) out += ',';
    AppendAuditEventJson(out, page.events[i]);
  }
  out += "]}";
  return out;
}

std::string NextAuditQuery(std::string_view raw_query, std::int64_t last_id) {
  std::string out;
  for (std::string_view pair : Split(raw_query, '&')) {
    if (pair.empty()) continue;
    auto name = UrlDecode(pair.substr(0, pair.find('=')), /*plus_as_space=*/true);
    if (name && *name == "last") continue;
    out.append(pair);
    out += '&';
  }
  out += "last=" + std::to_string(last_id);
  return out;
}

}  // namespace scopereg::audit
