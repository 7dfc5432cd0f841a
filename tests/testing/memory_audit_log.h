// MemoryAuditLog: an audit::AuditLog in process memory, for tests of code
// that writes or reads the audit trail (the audit pipeline, the management
// API's query endpoint) without a database. It passes
// tests/conformance/audit_log_suite.h like the real backends, so a test
// that works against it works against SQLite.
//
// Extras for tests: Events() (everything appended, in id order) and
// SetAppendFailure() (makes Append fail, to test the paths that lose or
// retry events).
//
// Header-only. Thread safety: all methods are safe for concurrent use.
#pragma once

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "scopereg/audit/audit_log.h"

namespace scopereg::testing {

class MemoryAuditLog final : public audit::AuditLog {
 public:
  static constexpr std::size_t kMaxQueryLimit = 10'000;

  Status Append(std::span<const audit::AuditEvent> events) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!append_failure_.ok()) return append_failure_;
    for (const audit::AuditEvent& e : events) {
      events_.push_back(e);
      events_.back().id = ++last_id_;
    }
    return Status::Ok();
  }

  Result<audit::AuditPage> Query(const audit::AuditFilter& filter, std::int64_t after_id,
                                 std::size_t limit) override {
    if (limit < 1 || limit > kMaxQueryLimit) {
      return Status::InvalidArgument("limit: " + std::to_string(limit) + " is not between 1 and " +
                                     std::to_string(kMaxQueryLimit));
    }
    std::lock_guard<std::mutex> lock(mu_);
    audit::AuditPage page;
    for (const audit::AuditEvent& e : events_) {
      if (e.id <= after_id || !Matches(filter, e)) continue;
      if (page.events.size() == limit) {
        page.next_after_id = page.events.back().id;
        break;
      }
      page.events.push_back(e);
    }
    return page;
  }

  Result<std::size_t> DeleteBefore(Time cutoff, std::size_t max_events) override {
    std::lock_guard<std::mutex> lock(mu_);
    // Oldest by time first, as the SQL backends do.
    std::vector<std::int64_t> doomed;
    for (const audit::AuditEvent& e : events_) {
      if (e.time < cutoff) doomed.push_back(e.id);
    }
    std::stable_sort(doomed.begin(), doomed.end(),
                     [&](std::int64_t a, std::int64_t b) { return TimeOf(a) < TimeOf(b); });
    if (doomed.size() > max_events) doomed.resize(max_events);
    std::sort(doomed.begin(), doomed.end());
    std::erase_if(events_, [&](const audit::AuditEvent& e) {
      return std::binary_search(doomed.begin(), doomed.end(), e.id);
    });
    return doomed.size();
  }

  // Everything appended and not deleted, oldest first.
  std::vector<audit::AuditEvent> Events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

  // While `failure` is not OK, Append fails with it and keeps nothing.
  void SetAppendFailure(Status failure) {
    std::lock_guard<std::mutex> lock(mu_);
    append_failure_ = std::move(failure);
  }

 private:
  static bool Matches(const audit::AuditFilter& f, const audit::AuditEvent& e) {
    auto exact = [](const std::string& want, const std::string& have) {
      return want.empty() || want == have;
    };
    return (!f.since || e.time >= *f.since) && (!f.until || e.time < *f.until) &&
           (!f.category || e.category == *f.category) && exact(f.identity, e.identity) &&
           exact(f.repository, e.repository) && exact(f.operation, e.operation) &&
           (!f.success || e.success == *f.success) && exact(f.client_address, e.client_address) &&
           exact(f.correlation_id, e.correlation_id);
  }

  // REQUIRES: mu_ held; `id` is present.
  Time TimeOf(std::int64_t id) const {
    auto it = std::lower_bound(events_.begin(), events_.end(), id,
                               [](const audit::AuditEvent& e, std::int64_t v) { return e.id < v; });
    return it->time;
  }

  mutable std::mutex mu_;
  std::vector<audit::AuditEvent> events_;  // GUARDED_BY(mu_), in id order
  std::int64_t last_id_ = 0;               // GUARDED_BY(mu_); never reused
  Status append_failure_;                  // GUARDED_BY(mu_)
};

}  // namespace scopereg::testing
