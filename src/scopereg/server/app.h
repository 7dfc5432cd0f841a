// App: one running registry, wired from a Config. `scopereg serve` runs one;
// integration tests run one in-process on port 0 with a FakeClock.
//
// Start order: data directory (0700) and its lock file (one process per data
// directory), metadata store (migrated), blob store, metrics and the audit
// writer, auth state, registry, HTTP server, background tasks (GC,
// last-used flushing, audit retention). Stop in reverse; Stop lets
// in-flight requests finish (http.shutdown_grace), then writes the audit
// events they queued.
//
// Thread safety: Start/Stop/Wait from one controlling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "scopereg/audit/audit_log.h"
#include "scopereg/auth/access_admin.h"
#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"
#include "scopereg/server/config.h"
#include "scopereg/server/garbage_collector.h"

namespace scopereg::server {

// Wraps the audit store, for fault injection in tests.
using AuditLogDecorator = std::function<std::unique_ptr<audit::AuditLog>(audit::AuditLog& store)>;

class App {
 public:
  // `clock` must outlive the App; nullptr means the system clock.
  explicit App(Config config, const Clock* clock = nullptr);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // kFailedPrecondition if another process holds the data directory;
  // kUnavailable if the port cannot be bound; kInvalidArgument for bad TLS
  // files; store errors as the stores report them.
  Status Start();
  void Stop();
  // Blocks until Stop() is called (e.g. from a signal handler thread).
  void Wait();

  std::uint16_t port() const;
  const Config& config() const;

  // Runs one garbage collection now (the online mode uses the same call).
  Result<GcReport> CollectGarbage(bool dry_run = false);

  // The validated access-management operations (null with auth.mode=none),
  // for tests that set up tokens without the management API.
  auth::AccessAdmin* AccessAdminForTest();
  // Writes coalesced last-used data now (tests; the server does it every 2 s).
  Status FlushUsageForTest();

  // Call before Start: the audit writer, retention and the audit API then
  // use decorator(store) instead of the store.
  void DecorateAuditLogForTest(AuditLogDecorator decorator);
  // The audit log (SQLite, in the metadata database; management changes are
  // in it with their caller), decorated if a decorator was set; null before
  // Start.
  audit::AuditLog* AuditLogForTest();
  // Waits until data-plane events queued so far are written (or dropped).
  void FlushAuditForTest();
  // Applies audit.retention now (the server does it hourly); returns how
  // many events were deleted.
  Result<std::size_t> ApplyAuditRetentionForTest();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Holds an exclusive lock on <data_dir>/.lock for the object's lifetime, so
// two processes never use one data directory (a second `serve`, or an offline
// `gc` while serving). kFailedPrecondition if it is taken.
class DataDirLock {
 public:
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::string& data_dir);
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace scopereg::server
