// AuditSink: a copy of the audit trail outside the metadata store, for log
// shippers and SIEMs: a JSON-lines file, or syslog(3). The store
// (AuditLog) stays the system of record: a sink never decides whether an
// event is kept, and a failing sink only counts and logs its errors.
//
// Both sinks write AppendAuditEventJson's form (audit_event.h), one event
// per line / per syslog message, so one parser reads either.
//
// Thread safety: a sink is used by one thread at a time (the AuditWriter's
// thread); it need not be thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "scopereg/audit/audit_event.h"
#include "scopereg/core/status.h"

namespace scopereg::audit {

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  // "file" or "syslog": the `sink` label of the error metric and the name in
  // log lines.
  virtual std::string_view name() const = 0;
  // Writes `events` in order. kUnavailable when the copy could not be
  // written (the caller counts it; the events are not retried here).
  virtual Status Write(std::span<const AuditEvent> events) = 0;
};

// Appends one JSON object per line to `path` (created 0600 if absent,
// opened O_APPEND so several writers never interleave inside a line) and
// calls fdatasync(2) after every batch, so an acknowledged batch survives a
// power loss. Before each batch it checks whether `path` still names the
// open file and reopens it if not, so logrotate's rename-and-create works
// without a signal.
// kUnavailable if the file cannot be opened (e.g. its directory is missing).
Result<std::unique_ptr<AuditSink>> OpenJsonLinesFile(const std::string& path);

// Sends each event as one syslog(3) message (LOG_INFO) with `ident` and
// `facility`. syslog(3) reports no errors, so Write always succeeds; the
// local syslog daemon decides what is kept. openlog is process-wide: create
// at most one syslog sink per process.
std::unique_ptr<AuditSink> OpenSyslog(std::string ident, int facility);

// "auth", "authpriv", "daemon", "user", "local0".."local7" -> LOG_* value.
std::optional<int> ParseSyslogFacility(std::string_view name);

}  // namespace scopereg::audit
