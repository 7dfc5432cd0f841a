// AuditWriter: gets data-plane audit events (pulls, pushes, logins...) from
// the request path into the AuditLog without ever making a request wait for
// a database write.
//
//   AuditWriter writer(log, sinks, options);   // starts its thread
//   writer.Submit(std::move(event));           // request path: never blocks
//   writer.Stop();                             // writes what was queued, joins
//
// One bounded queue, one writer thread. The thread takes everything queued
// once `max_batch` events are waiting or `max_delay` has passed since the
// first one arrived, copies it to every sink (JSON-lines file, syslog), then
// appends it to the store in transactions of at most `max_batch` events.
// Events reach the store in Submit order.
//
// Failure policy (docs/adr/0001-audit-failure-policy.md): the data plane
// fails open. Submit drops an event when `queue_capacity` events are
// already pending; a batch whose Append still fails after `max_attempts`
// tries (exponential backoff) is dropped. Every drop is counted by reason
// (stats(), exported as scopereg_audit_events_dropped_total), and each drop
// episode is logged: once when it starts, at most every
// `drop_log_interval` while it lasts, and once when it ends, with counts;
// never one line per event. After a batch is given up the store counts as
// down and later batches get one attempt each until one succeeds, so a dead
// store cannot make the backlog (or shutdown) wait for retries.
// Management events are not written through here: they are written in the
// same transaction as the change (fail closed); SubmitToSinks only copies
// them to the sinks.
//
// Thread safety: Submit, SubmitToSinks, Flush and stats() are safe for
// concurrent use. Stop is called once, by the owner, after the request path
// stopped submitting.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "scopereg/audit/audit_event.h"
#include "scopereg/audit/audit_log.h"
#include "scopereg/audit/audit_sink.h"

namespace scopereg::audit {

struct AuditWriterOptions {
  // Events accepted but not yet written (or dropped) at most; Submit drops
  // beyond that. 65536 events is ~40 MiB and a few seconds of a busy
  // registry: enough to ride out a checkpoint or a slow disk.
  std::size_t queue_capacity = 65536;
  // Events per Append transaction, and the queue length that wakes the
  // writer before `max_delay`.
  std::size_t max_batch = 1000;
  // How long the first queued event may wait for others to batch with it.
  std::chrono::milliseconds max_delay{50};
  // Append attempts per batch while the store is healthy, the first retry
  // after `initial_backoff`, doubling up to `max_backoff`.
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
  // Spacing of the "still dropping" log line within one drop episode; an
  // episode ends when this long passes without a drop.
  std::chrono::milliseconds drop_log_interval{10000};
};

struct AuditWriterStats {
  std::uint64_t accepted = 0;              // data-plane events queued by Submit
  std::uint64_t written = 0;               // appended to the store
  std::uint64_t dropped_queue_full = 0;    // refused by Submit: queue at capacity
  std::uint64_t dropped_store_failed = 0;  // in a batch the store refused after retries
  std::uint64_t dropped_stopped = 0;       // submitted after Stop
  std::uint64_t store_failures = 0;        // failed Append calls, retries included
  std::size_t pending = 0;                 // accepted, not yet written or dropped
  // Failed batch writes per sink, in sink order: {name(), count}.
  std::vector<std::pair<std::string, std::uint64_t>> sink_errors;
};

class AuditWriter {
 public:
  // `log` must outlive the writer. The writer owns `sinks`. Starts the
  // writer thread.
  AuditWriter(AuditLog& log, std::vector<std::unique_ptr<AuditSink>> sinks, AuditWriterOptions options = {});
  // Stops (as Stop) if the owner did not.
  ~AuditWriter();
  AuditWriter(const AuditWriter&) = delete;
  AuditWriter& operator=(const AuditWriter&) = delete;

  // Queues a data-plane event for the store and the sinks. Never blocks on
  // I/O: it takes a mutex for a vector push. Returns false if the event was
  // dropped (queue full, or after Stop); it is counted either way.
  bool Submit(AuditEvent event);

  // Queues a copy of an event that is already in the store (a management
  // event written in its change's transaction) for the sinks only. Not
  // bounded by queue_capacity: management changes are rare and made by
  // people. Dropped (silently) after Stop.
  void SubmitToSinks(AuditEvent event);

  // Blocks until every event submitted before the call has been written or
  // dropped. For tests and orderly shutdown paths; not for request threads.
  void Flush();

  // Stops accepting, writes everything already queued (with the usual
  // retries), reports any drops, and joins the thread. Idempotent.
  void Stop();

  AuditWriterStats stats() const;

 private:
  void Loop();
  void Process(std::vector<AuditEvent>& batch, std::vector<AuditEvent>& sink_only);
  void WriteSinks(std::span<const AuditEvent> events);
  bool AppendWithRetry(std::span<const AuditEvent> events);
  void ReportDrops(bool final_report);

  AuditLog& log_;
  const std::vector<std::unique_ptr<AuditSink>> sinks_;
  const AuditWriterOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;       // wakes the writer
  std::condition_variable done_cv_;  // wakes Flush
  std::vector<AuditEvent> queue_;       // REQUIRES: mu_
  std::vector<AuditEvent> sink_queue_;  // REQUIRES: mu_
  std::uint64_t submitted_seq_ = 0;     // REQUIRES: mu_; events queued ever
  std::uint64_t done_seq_ = 0;          // REQUIRES: mu_; events processed ever
  int flush_waiters_ = 0;               // REQUIRES: mu_
  bool stopping_ = false;               // REQUIRES: mu_

  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_queue_full_{0};
  std::atomic<std::uint64_t> dropped_store_failed_{0};
  std::atomic<std::uint64_t> dropped_stopped_{0};
  std::atomic<std::uint64_t> store_failures_{0};
  std::atomic<std::size_t> pending_{0};
  std::unique_ptr<std::atomic<std::uint64_t>[]> sink_errors_;

  // Writer thread only.
  bool store_down_ = false;
  std::vector<bool> sink_failing_;
  std::uint64_t reported_queue_full_ = 0;
  std::uint64_t reported_store_failed_ = 0;
  std::uint64_t episode_dropped_ = 0;
  bool in_drop_episode_ = false;
  std::chrono::steady_clock::time_point last_drop_report_{};
  std::chrono::steady_clock::time_point last_drop_seen_{};

  std::thread thread_;
};

}  // namespace scopereg::audit
