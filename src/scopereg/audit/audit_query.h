// The wire form of an audit query: `GET /api/v1/audit?...` parameters to an
// AuditFilter and a page to JSON (docs/api.md, "Audit events"). The
// management API and `scopereg audit list/export` share it, so the CLI and
// the server never disagree on a parameter name.
//
// Parameters (all optional, each at most once):
//   from, to         RFC 3339 times (docs/api.md 1.2 "Times"); from <= time < to
//   category         login | repository | management
//   identity         token name, "admin", "anonymous" or operator id (exact)
//   repository       exact repository name
//   operation        e.g. pull, push, delete, untag, mount, lock,
//                    token_endpoint, basic, token.create (exact)
//   result           success | failure
//   clientAddress    exact client address
//   correlationId    exact correlation id (the request log's)
//   n                page size: default 100, clamped to 1000 (0 or not a
//                    number is an error)
//   last             the id of the last event already seen: the page holds
//                    events after it (the `Link: <...>; rel="next"` URL sets it)
// An unknown parameter is an error, so a typo never widens a query.
// Paging follows the management API's conventions (docs/api.md 1.2): a
// page is {"value":[...]}, and a `Link` header names the next page.
//
// Pure functions; safe for concurrent use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scopereg/audit/audit_log.h"
#include "scopereg/core/status.h"

namespace scopereg::audit {

struct AuditQuery {
  AuditFilter filter;
  std::int64_t after_id = 0;
  std::size_t limit = 100;
};

inline constexpr std::size_t kDefaultAuditPageSize = 100;
inline constexpr std::size_t kMaxAuditPageSize = 1000;

// kList: one page (`n`, `last`). kExport: every matching event after
// `last`; `n` is refused (an export is not paged).
enum class AuditQueryUse : std::uint8_t { kList, kExport };

// Parses a raw (percent-encoded) query string, without the '?'.
// kInvalidArgument naming the parameter: unknown, repeated, badly escaped,
// or a bad value ("from: not an RFC 3339 time: 'yesterday'").
Result<AuditQuery> ParseAuditQuery(std::string_view raw_query, AuditQueryUse use = AuditQueryUse::kList);

// {"value":[<AppendAuditEventJson>...]}.
std::string AuditPageJson(const AuditPage& page);

// The query of the next page: `raw_query` with `last` set to `last_id`
// (other parameters kept as sent). For the Link header.
std::string NextAuditQuery(std::string_view raw_query, std::int64_t last_id);

}  // namespace scopereg::audit
