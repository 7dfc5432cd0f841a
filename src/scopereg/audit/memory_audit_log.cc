#include "scopereg/audit/memory_audit_log.h"

#include <algorithm>

namespace scopereg::audit {

bool Matches(const AuditFilter& f, const AuditEvent& e) {
  if (f.since && e.time < *f.since) return false;
  if (f.until && e.time >= *f.until) return false;
  if (f.category && e.category != *f.category) return false;
  if (!f.identity.empty() && e.identity != f.identity) return false;
  if (!f.repository.empty() && e.repository != f.repository) return false;
  if (!f.operation.empty() && e.operation != f.operation) return false;
  if (f.success && e.success != *f.success) return false;
  if (!f.client_address.empty() && e.client_address != f.client_address) return false;
  if (!f.correlation_id.empty() && e.correlation_id != f.correlation_id) return false;
  return true;
}

Status MemoryAuditLog::Append(std::span<const AuditEvent> events) {
  std::lock_guard lock(mu_);
  for (const auto& e : events) {
    events_.push_back(e);
    events_.back().id = next_id_++;
  }
  return Status::Ok();
}

Result<AuditPage> MemoryAuditLog::Query(const AuditFilter& filter, std::int64_t after_id, std::size_t limit) {
  if (limit < 1 || limit > 10000) return Status::InvalidArgument("limit: must be in [1, 10000]");
  std::lock_guard lock(mu_);
  AuditPage page;
  auto it = std::upper_bound(events_.begin(), events_.end(), after_id,
                             [](std::int64_t id, const AuditEvent& e) { return id < e.id; });
  for (; it != events_.end(); ++it) {
    if (!Matches(filter, *it)) continue;
    if (page.events.size() == limit) {
      page.next_after_id = page.events.back().id;
      break;
    }
    page.events.push_back(*it);
  }
  return page;
}

Result<std::size_t> MemoryAuditLog::DeleteBefore(Time cutoff, std::size_t max_events) {
  std::lock_guard lock(mu_);
  std::size_t deleted = 0;
  auto out = events_.begin();
  for (auto it = events_.begin(); it != events_.end(); ++it) {
    if (deleted < max_events && it->time < cutoff) {
      ++deleted;
      continue;
    }
    if (out != it) *out = std::move(*it);
    ++out;
  }
  events_.erase(out, events_.end());
  return deleted;
}

std::size_t MemoryAuditLog::size() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

}  // namespace scopereg::audit
