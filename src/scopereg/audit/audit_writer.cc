#include "scopereg/audit/audit_writer.h"

#include <algorithm>

#include "scopereg/core/log.h"

namespace scopereg::audit {

namespace {
constexpr auto kRelaxed = std::memory_order_relaxed;
}  // namespace

AuditWriter::AuditWriter(AuditLog& log, std::vector<std::unique_ptr<AuditSink>> sinks, AuditWriterOptions options)
    : log_(log),
      sinks_(std::move(sinks)),
      options_(options),
      sink_errors_(new std::atomic<std::uint64_t>[sinks_.size()]),
      sink_failing_(sinks_.size(), false) {
  for (std::size_t i = 0; i < sinks_.size(); ++i) sink_errors_[i].store(0, kRelaxed);
  queue_.reserve(options_.max_batch);
  thread_ = std::thread([this] { Loop(); });
}

AuditWriter::~AuditWriter() { Stop(); }

bool AuditWriter::Submit(AuditEvent event) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      dropped_stopped_.fetch_add(1, kRelaxed);
      return false;
    }
    // pending_ counts the batch the writer holds too, so memory stays
    // bounded by the capacity while a slow store holds a batch.
    if (pending_.load(kRelaxed) >= options_.queue_capacity) {
      dropped_queue_full_.fetch_add(1, kRelaxed);
      return false;
    }
    queue_.push_back(std::move(event));
    ++submitted_seq_;
    pending_.fetch_add(1, kRelaxed);
    // Wake the writer only on the first event of a batch (it then waits
    // max_delay for company) and when a full batch is ready: no futex wake
    // per event.
    wake = queue_.size() == 1 || queue_.size() == options_.max_batch;
  }
  accepted_.fetch_add(1, kRelaxed);
  if (wake) cv_.notify_one();
  return true;
}

void AuditWriter::SubmitToSinks(AuditEvent event) {
  if (sinks_.empty()) return;
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    sink_queue_.push_back(std::move(event));
    ++submitted_seq_;
    wake = sink_queue_.size() == 1;
  }
  if (wake) cv_.notify_one();
}

void AuditWriter::Flush() {
  std::unique_lock lock(mu_);
  const std::uint64_t target = submitted_seq_;
  if (done_seq_ >= target) return;
  ++flush_waiters_;
  cv_.notify_one();
  done_cv_.wait(lock, [&] { return done_seq_ >= target; });
  --flush_waiters_;
}

void AuditWriter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

AuditWriterStats AuditWriter::stats() const {
  AuditWriterStats s;
  s.accepted = accepted_.load(kRelaxed);
  s.written = written_.load(kRelaxed);
  s.dropped_queue_full = dropped_queue_full_.load(kRelaxed);
  s.dropped_store_failed = dropped_store_failed_.load(kRelaxed);
  s.dropped_stopped = dropped_stopped_.load(kRelaxed);
  s.store_failures = store_failures_.load(kRelaxed);
  s.pending = pending_.load(kRelaxed);
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    s.sink_errors.emplace_back(std::string(sinks_[i]->name()), sink_errors_[i].load(kRelaxed));
  }
  return s;
}

void AuditWriter::Loop() {
  std::vector<AuditEvent> batch;
  std::vector<AuditEvent> sink_only;
  batch.reserve(options_.max_batch);
  std::unique_lock lock(mu_);
  auto has_work = [&] { return !queue_.empty() || !sink_queue_.empty(); };
  for (;;) {
    if (in_drop_episode_) {
      // Wake up to notice (and log) the end of a drop episode.
      cv_.wait_for(lock, options_.drop_log_interval, [&] { return stopping_ || has_work(); });
    } else {
      cv_.wait(lock, [&] { return stopping_ || has_work(); });
    }
    if (has_work() && !stopping_ && flush_waiters_ == 0 && queue_.size() < options_.max_batch) {
      cv_.wait_for(lock, options_.max_delay,
                   [&] { return stopping_ || flush_waiters_ > 0 || queue_.size() >= options_.max_batch; });
    }
    if (!has_work()) {
      lock.unlock();
      ReportDrops(/*final_report=*/false);
      lock.lock();
      // Stop only once the queue is empty: events queued before Stop are
      // written.
      if (stopping_ && !has_work()) break;
      continue;
    }
    // Swapping keeps the critical section O(1) and hands the drained
    // vector's capacity back to the queue.
    batch.swap(queue_);
    sink_only.swap(sink_queue_);
    lock.unlock();
    const std::uint64_t n = batch.size() + sink_only.size();
    Process(batch, sink_only);
    ReportDrops(/*final_report=*/false);
    lock.lock();
    done_seq_ += n;
    done_cv_.notify_all();
  }
  lock.unlock();
  ReportDrops(/*final_report=*/true);
}

void AuditWriter::Process(std::vector<AuditEvent>& batch, std::vector<AuditEvent>& sink_only) {
  // Sinks first: they are independent of the store, and an operator who
  // configured a file still gets the events while the store is down.
  WriteSinks(batch);
  WriteSinks(sink_only);
  const std::size_t step = std::max<std::size_t>(1, options_.max_batch);
  for (std::size_t off = 0; off < batch.size(); off += step) {
    const auto chunk = std::span<const AuditEvent>(batch).subspan(off, std::min(step, batch.size() - off));
    if (AppendWithRetry(chunk)) {
      written_.fetch_add(chunk.size(), kRelaxed);
    } else {
      dropped_store_failed_.fetch_add(chunk.size(), kRelaxed);
    }
    pending_.fetch_sub(chunk.size(), kRelaxed);
  }
  batch.clear();
  sink_only.clear();
}

void AuditWriter::WriteSinks(std::span<const AuditEvent> events) {
  if (events.empty()) return;
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    Status st = sinks_[i]->Write(events);
    if (st.ok()) {
      if (sink_failing_[i]) {
        log::Info("audit sink writable again", {{"sink", sinks_[i]->name()}});
        sink_failing_[i] = false;
      }
      continue;
    }
    sink_errors_[i].fetch_add(1, kRelaxed);
    // One line per failure episode; the counter has the rest.
    if (!sink_failing_[i]) {
      log::Error("audit sink failing; its copy misses events until it recovers (the store still has them)",
                 {{"sink", sinks_[i]->name()}, {"status", st.ToString()}, {"events", events.size()}});
      sink_failing_[i] = true;
    }
  }
}

bool AuditWriter::AppendWithRetry(std::span<const AuditEvent> events) {
  const int attempts = store_down_ ? 1 : std::max(1, options_.max_attempts);
  auto backoff = options_.initial_backoff;
  Status last;
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) {
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
    last = log_.Append(events);
    if (last.ok()) {
      if (store_down_) {
        log::Info("audit store writable again");
        store_down_ = false;
      }
      return true;
    }
    store_failures_.fetch_add(1, kRelaxed);
  }
  if (!store_down_) {
    log::Error("audit store failing; dropping audit batches until it recovers",
               {{"status", last.ToString()}, {"attempts", attempts}});
    store_down_ = true;
  }
  return false;
}

void AuditWriter::ReportDrops(bool final_report) {
  const auto now = std::chrono::steady_clock::now();
  const std::uint64_t full = dropped_queue_full_.load(kRelaxed);
  const std::uint64_t store = dropped_store_failed_.load(kRelaxed);
  const std::uint64_t new_full = full - reported_queue_full_;
  const std::uint64_t new_store = store - reported_store_failed_;
  if (new_full + new_store > 0) {
    last_drop_seen_ = now;
    if (!in_drop_episode_ || final_report || now - last_drop_report_ >= options_.drop_log_interval) {
      episode_dropped_ += new_full + new_store;
      log::Error(in_drop_episode_ ? "audit events still being dropped" : "audit events dropped",
                 {{"queue_full", new_full},
                  {"store_failed", new_store},
                  {"episode_dropped", episode_dropped_},
                  {"dropped_total", full + store}});
      reported_queue_full_ = full;
      reported_store_failed_ = store;
      last_drop_report_ = now;
      in_drop_episode_ = true;
    }
  }
  const bool all_reported = reported_queue_full_ == full && reported_store_failed_ == store;
  if (in_drop_episode_ && all_reported && (final_report || now - last_drop_seen_ >= options_.drop_log_interval)) {
    log::Warn("audit event drops ended", {{"episode_dropped", episode_dropped_}, {"dropped_total", full + store}});
    in_drop_episode_ = false;
    episode_dropped_ = 0;
  }
}

}  // namespace scopereg::audit
