// AuditEventSink: the EventSink (events.h) the server installs. It turns
// what handlers report into audit::AuditEvents, adding who and from where
// (identity from the request log context, client address, User-Agent,
// correlation id, time from the injected Clock), and submits them to the
// AuditWriter, which batches them into the AuditLog off the request path.
// It also counts logins by result and reason for /metrics.
//
// Cost: it runs on every manifest GET. It builds one AuditEvent (a few
// string copies) and pushes it under a mutex; no I/O, no formatting
// (bench/audit_bench.cc measures it).
//
// ManagementAuditForwarder: the AccessChangeObserver that copies management
// changes to the file/syslog sinks, as auth::ManagementAuditEvent (the event
// the store recorded, less its id). It does not write them to the store:
// the metadata backend writes each management event in the same
// transaction as its change (docs/adr/0001-audit-failure-policy.md).
//
// Thread safety: all methods are safe for concurrent use.
#pragma once

#include <string>

#include "scopereg/api/events.h"
#include "scopereg/audit/audit_event.h"
#include "scopereg/audit/audit_writer.h"
#include "scopereg/auth/access_admin.h"
#include "scopereg/core/clock.h"

namespace scopereg::api {

class ServerMetrics;

class AuditEventSink final : public EventSink {
 public:
  // `writer` null: audit.enabled=false (events are only counted).
  // `metrics` null: nothing is counted. `registry_name` is the admin user's
  // name, to recognise failed admin logins (which carry the typed username).
  // Everything passed must outlive the sink.
  AuditEventSink(audit::AuditWriter* writer, ServerMetrics* metrics, const Clock& clock, std::string registry_name);

  void RecordRepository(const http::Request& req, RepositoryEvent event) override;
  void RecordLogin(const http::Request& req, LoginEvent event) override;

 private:
  audit::AuditEvent Base(const http::Request& req, audit::Category category) const;

  audit::AuditWriter* const writer_;
  ServerMetrics* const metrics_;
  const Clock& clock_;
  const std::string registry_name_;
};

class ManagementAuditForwarder final : public auth::AccessChangeObserver {
 public:
  explicit ManagementAuditForwarder(audit::AuditWriter& writer) : writer_(writer) {}
  void OnAccessChange(const auth::AccessChange& change) override;

 private:
  audit::AuditWriter& writer_;
};

}  // namespace scopereg::api
