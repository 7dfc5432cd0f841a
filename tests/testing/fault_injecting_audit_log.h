// An AuditLog decorator that fails or slows Append on request, for testing
// the audit failure policy (docs/adr/0001-audit-failure-policy.md): the
// registry keeps serving, drops are counted, the writer recovers. It can
// also fail Query, for the readers (the audit API's paged export).
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#include "scopereg/audit/audit_log.h"

namespace scopereg::testing {

class FaultInjectingAuditLog final : public audit::AuditLog {
 public:
  explicit FaultInjectingAuditLog(audit::AuditLog& base) : base_(base) {}

  // Every Append fails with kUnavailable while set.
  void SetFailing(bool failing) { failing_.store(failing); }
  // The next `n` Appends fail, then they succeed again.
  void FailNext(int n) { fail_next_.store(n); }
  // Each Append sleeps this long first (a slow disk).
  void SetDelay(std::chrono::milliseconds d) { delay_ms_.store(d.count()); }

  // After `n` more successful Queries, every Query fails with kUnavailable
  // (a store lost in the middle of a paged read); -1 = never.
  void FailQueriesAfter(int n) { queries_left_.store(n); }

  int append_calls() const { return append_calls_.load(); }

  Status Append(std::span<const audit::AuditEvent> events) override {
    append_calls_.fetch_add(1);
    if (auto ms = delay_ms_.load(); ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    if (failing_.load()) return Status::Unavailable("injected audit store failure");
    if (fail_next_.load() > 0 && fail_next_.fetch_sub(1) > 0) {
      return Status::Unavailable("injected audit store failure");
    }
    return base_.Append(events);
  }
  Result<audit::AuditPage> Query(const audit::AuditFilter& filter, std::int64_t after_id,
                                 std::size_t limit) override {
    if (int left = queries_left_.load(); left >= 0) {
      if (left == 0) return Status::Unavailable("injected audit store failure");
      queries_left_.fetch_sub(1);
    }
    return base_.Query(filter, after_id, limit);
  }
  Result<std::size_t> DeleteBefore(Time cutoff, std::size_t max_events) override {
    return base_.DeleteBefore(cutoff, max_events);
  }

 private:
  audit::AuditLog& base_;
  std::atomic<bool> failing_{false};
  std::atomic<int> fail_next_{0};
  std::atomic<std::int64_t> delay_ms_{0};
  std::atomic<int> append_calls_{0};
  std::atomic<int> queries_left_{-1};
};

}  // namespace scopereg::testing
