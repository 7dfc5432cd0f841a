#include "scopereg/audit/audit_writer.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>

#include "scopereg/core/log.h"
#include "testing/fault_injecting_audit_log.h"
#include "testing/memory_audit_log.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::audit {
namespace {

using namespace std::chrono_literals;

AuditEvent Pull(int n) {
  AuditEvent e;
  e.time = FromUnixSeconds(1'800'000'000 + n);
  e.category = Category::kRepository;
  e.operation = "pull";
  e.identity = "ci-pull";
  e.identity_kind = "token";
  e.repository = "team/app";
  e.size = n;  // the sequence number, to check order
  e.http_status = 200;
  return e;
}

// Records the size of every Append, and can hold Append until released.
class RecordingLog final : public AuditLog {
 public:
  Status Append(std::span<const AuditEvent> events) override {
    std::unique_lock lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !gated_; });
    batch_sizes_.push_back(events.size());
    lock.unlock();
    return base_.Append(events);
  }
  Result<AuditPage> Query(const AuditFilter& f, std::int64_t after, std::size_t limit) override {
    return base_.Query(f, after, limit);
  }
  Result<std::size_t> DeleteBefore(Time cutoff, std::size_t max) override { return base_.DeleteBefore(cutoff, max); }

  void Gate() {
    std::lock_guard lock(mu_);
    gated_ = true;
  }
  void Release() {
    std::lock_guard lock(mu_);
    gated_ = false;
    cv_.notify_all();
  }
  void WaitEntered(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return entered_ >= n; });
  }
  std::vector<std::size_t> batch_sizes() {
    std::lock_guard lock(mu_);
    return batch_sizes_;
  }
  std::vector<AuditEvent> All() {
    std::vector<AuditEvent> out;
    std::int64_t after = 0;
    for (;;) {
      auto page = base_.Query({}, after, 10000);
      EXPECT_TRUE(page.ok());
      for (auto& e : page->events) out.push_back(e);
      if (!page->next_after_id) return out;
      after = *page->next_after_id;
    }
  }

 private:
  scopereg::testing::MemoryAuditLog base_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool gated_ = false;
  int entered_ = 0;
  std::vector<std::size_t> batch_sizes_;
};

// A sink that keeps what it was given, or fails on request.
class FakeSink final : public AuditSink {
 public:
  explicit FakeSink(bool fail) : fail_(fail) {}
  std::string_view name() const override { return "fake"; }
  Status Write(std::span<const AuditEvent> events) override {
    std::lock_guard lock(mu);
    if (fail_) return Status::Unavailable("disk full");
    for (const auto& e : events) got.push_back(e);
    return Status::Ok();
  }
  std::mutex mu;
  std::vector<AuditEvent> got;

 private:
  bool fail_;
};

AuditWriterOptions Fast() {
  AuditWriterOptions o;
  o.max_delay = 5ms;
  o.initial_backoff = 1ms;
  o.max_backoff = 4ms;
  o.drop_log_interval = 50ms;
  return o;
}

TEST(AuditWriterTest, BatchesUpToMaxBatchAndKeepsOrder) {
  RecordingLog log;
  AuditWriterOptions o = Fast();
  o.max_batch = 100;
  o.max_delay = 10s;  // only a full batch or Flush wakes the writer
  AuditWriter w(log, {}, o);
  for (int i = 0; i < 250; ++i) ASSERT_TRUE(w.Submit(Pull(i)));
  w.Flush();
  auto sizes = log.batch_sizes();
  std::size_t total = 0;
  for (auto s : sizes) {
    EXPECT_LE(s, 100u);
    total += s;
  }
  EXPECT_EQ(total, 250u);
  EXPECT_GE(sizes.size(), 3u);
  auto all = log.All();
  ASSERT_EQ(all.size(), 250u);
  for (int i = 0; i < 250; ++i) EXPECT_EQ(all[static_cast<std::size_t>(i)].size, i) << "order broken at " << i;
  auto s = w.stats();
  EXPECT_EQ(s.accepted, 250u);
  EXPECT_EQ(s.written, 250u);
  EXPECT_EQ(s.pending, 0u);
}

TEST(AuditWriterTest, SmallBurstsShareOneTransaction) {
  RecordingLog log;
  AuditWriterOptions o = Fast();
  o.max_delay = 300ms;
  AuditWriter w(log, {}, o);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(w.Submit(Pull(i)));
  // No Flush: the writer wakes on the first event and waits max_delay.
  for (int i = 0; i < 200 && w.stats().written < 20; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(w.stats().written, 20u);
  EXPECT_EQ(log.batch_sizes(), std::vector<std::size_t>{20});
}

TEST(AuditWriterTest, DropsAndCountsWhenTheQueueIsFull) {
  RecordingLog log;
  AuditWriterOptions o = Fast();
  o.queue_capacity = 10;
  o.max_delay = 0ms;
  AuditWriter w(log, {}, o);
  log.Gate();
  ASSERT_TRUE(w.Submit(Pull(0)));
  log.WaitEntered(1);  // the writer holds event 0 inside Append
  int accepted = 0;
  for (int i = 1; i <= 30; ++i) accepted += w.Submit(Pull(i)) ? 1 : 0;
  // Capacity counts the event held by the writer: 9 more fit.
  EXPECT_EQ(accepted, 9);
  auto s = w.stats();
  EXPECT_EQ(s.dropped_queue_full, 21u);
  EXPECT_EQ(s.pending, 10u);
  log.Release();
  w.Flush();
  s = w.stats();
  EXPECT_EQ(s.written, 10u);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(log.All().size(), 10u);
  // Room again.
  EXPECT_TRUE(w.Submit(Pull(99)));
}

TEST(AuditWriterTest, RetriesAStoreFailureAndLosesNothing) {
  scopereg::testing::MemoryAuditLog base;
  testing::FaultInjectingAuditLog log(base);
  log.FailNext(2);
  AuditWriterOptions o = Fast();
  o.max_delay = 10s;  // one batch per Flush
  AuditWriter w(log, {}, o);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(w.Submit(Pull(i)));
  w.Flush();
  auto s = w.stats();
  EXPECT_EQ(s.written, 5u);
  EXPECT_EQ(s.store_failures, 2u);
  EXPECT_EQ(s.dropped_store_failed, 0u);
  EXPECT_EQ(base.Events().size(), 5u);
}

TEST(AuditWriterTest, GivesUpOnABatchThenRecoversWhenTheStoreDoes) {
  scopereg::testing::MemoryAuditLog base;
  testing::FaultInjectingAuditLog log(base);
  AuditWriterOptions o = Fast();
  o.max_attempts = 3;
  o.max_delay = 10s;  // one batch per Flush
  AuditWriter w(log, {}, o);
  log.SetFailing(true);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(w.Submit(Pull(i)));
  w.Flush();
  auto s = w.stats();
  EXPECT_EQ(s.dropped_store_failed, 4u);
  EXPECT_EQ(s.store_failures, 3u);
  EXPECT_EQ(s.pending, 0u);
  // While the store is down, a batch gets one attempt (no retry storm).
  ASSERT_TRUE(w.Submit(Pull(4)));
  w.Flush();
  EXPECT_EQ(w.stats().store_failures, 4u);
  EXPECT_EQ(w.stats().dropped_store_failed, 5u);

  log.SetFailing(false);
  for (int i = 5; i < 8; ++i) ASSERT_TRUE(w.Submit(Pull(i)));
  w.Flush();
  s = w.stats();
  EXPECT_EQ(s.written, 3u);
  EXPECT_EQ(base.Events().size(), 3u);
  // Healthy again: a single failure is retried, not dropped.
  log.FailNext(1);
  ASSERT_TRUE(w.Submit(Pull(8)));
  w.Flush();
  EXPECT_EQ(w.stats().written, 4u);
  EXPECT_EQ(w.stats().dropped_store_failed, 5u);
}

TEST(AuditWriterTest, StopWritesEverythingQueuedBeforeIt) {
  RecordingLog log;
  AuditWriterOptions o = Fast();
  o.max_delay = 10s;
  o.max_batch = 1000000;
  AuditWriter w(log, {}, o);
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(w.Submit(Pull(i)));
  w.Stop();
  EXPECT_EQ(log.All().size(), 500u);
  EXPECT_EQ(w.stats().written, 500u);
  // After Stop, events are refused and counted.
  EXPECT_FALSE(w.Submit(Pull(500)));
  EXPECT_EQ(w.stats().dropped_stopped, 1u);
  w.Stop();  // idempotent
}

TEST(AuditWriterTest, SinksGetDataPlaneAndManagementCopies) {
  scopereg::testing::MemoryAuditLog log;
  auto sink = std::make_unique<FakeSink>(false);
  FakeSink* fake = sink.get();
  std::vector<std::unique_ptr<AuditSink>> sinks;
  sinks.push_back(std::move(sink));
  AuditWriter w(log, std::move(sinks), Fast());
  ASSERT_TRUE(w.Submit(Pull(1)));
  AuditEvent mgmt;
  mgmt.category = Category::kManagement;
  mgmt.operation = "token.create";
  w.SubmitToSinks(mgmt);
  w.Flush();
  std::lock_guard lock(fake->mu);
  ASSERT_EQ(fake->got.size(), 2u);
  EXPECT_EQ(log.Events().size(), 1u) << "a management copy must not be written to the store again";
}

TEST(AuditWriterTest, AFailingSinkIsCountedAndTheStoreStillGetsEverything) {
  scopereg::testing::MemoryAuditLog log;
  std::vector<std::unique_ptr<AuditSink>> sinks;
  sinks.push_back(std::make_unique<FakeSink>(true));
  AuditWriter w(log, std::move(sinks), Fast());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(w.Submit(Pull(i)));
  w.Flush();
  auto s = w.stats();
  EXPECT_EQ(s.written, 3u);
  ASSERT_EQ(s.sink_errors.size(), 1u);
  EXPECT_EQ(s.sink_errors[0].first, "fake");
  EXPECT_GE(s.sink_errors[0].second, 1u);
}

TEST(AuditWriterTest, ADropEpisodeIsLoggedOnceNotPerEvent) {
  testing::TempDir dir;
  const std::string log_path = dir.str() + "/log.jsonl";
  log::Init(log_path, log::Level::kInfo);
  {
    RecordingLog log;
    AuditWriterOptions o = Fast();
    o.queue_capacity = 1;
    o.max_delay = 0ms;
    o.drop_log_interval = 10s;
    AuditWriter w(log, {}, o);
    log.Gate();
    ASSERT_TRUE(w.Submit(Pull(0)));
    log.WaitEntered(1);
    for (int i = 1; i <= 1000; ++i) EXPECT_FALSE(w.Submit(Pull(i)));
    log.Release();
    w.Stop();
    EXPECT_EQ(w.stats().dropped_queue_full, 1000u);
  }
  log::Flush();
  log::Init("", log::Level::kInfo);
  std::ifstream in(log_path);
  std::string line;
  int dropped_lines = 0;
  int ended_lines = 0;
  while (std::getline(in, line)) {
    if (line.find("\"audit events dropped\"") != std::string::npos) {
      ++dropped_lines;
      EXPECT_NE(line.find("\"queue_full\":1000"), std::string::npos) << line;
    }
    if (line.find("\"audit event drops ended\"") != std::string::npos) ++ended_lines;
  }
  EXPECT_EQ(dropped_lines, 1);
  EXPECT_EQ(ended_lines, 1);
}

}  // namespace
}  // namespace scopereg::audit
