// Conformance suite for audit::AuditLog (src/scopereg/audit/audit_log.h).
// Every backend runs it, and so does the in-memory fake
// (tests/testing/memory_audit_log.h), so that tests written against the fake
// hold for the real thing. Hooking one up:
//
//   #include "conformance/audit_log_suite.h"
//   INSTANTIATE_TEST_SUITE_P(Sqlite, AuditLogSuite, ::testing::Values(AuditLogSuiteParam{"Sqlite", [] {
//     AuditLogBackend b;
//     b.log = ...;
//     return b;
//   }}), AuditLogSuiteName);
//
// Include it in exactly one source per test binary (it defines the TEST_P
// bodies). Times in the suite are whole milliseconds: that is what the SQL
// backends keep.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "scopereg/audit/audit_log.h"
#include "testing/status_matchers.h"

namespace scopereg::audit {

struct AuditLogBackend {
  std::shared_ptr<void> resources;  // kept alive until after `log` is destroyed
  std::unique_ptr<AuditLog> log;
};

struct AuditLogSuiteParam {
  std::string name;  // the instantiation's test-name suffix, e.g. "Sqlite"
  std::function<AuditLogBackend()> make_backend;
};

// The backend's name where gtest shows the parameter and in test names.
inline void PrintTo(const AuditLogSuiteParam& param, std::ostream* os) { *os << param.name; }
inline std::string AuditLogSuiteName(const ::testing::TestParamInfo<AuditLogSuiteParam>& info) {
  return info.param.name;
}

class AuditLogSuite : public ::testing::TestWithParam<AuditLogSuiteParam> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make_backend();
    log_ = backend_.log.get();
  }

  // An event with every field set; `n` varies the time and the strings.
  static AuditEvent Event(int n, Category category = Category::kRepository) {
    AuditEvent e;
    e.time = FromUnixMillis(1'800'000'000'000 + n * 1000 + 7);
    e.category = category;
    e.operation = "pull";
    e.identity = "ci-token";
    e.identity_kind = "token";
    e.slot = "password1";
    e.success = true;
    e.reason = "";
    e.http_status = 200;
    e.repository = "team/app";
    e.tag = "v" + std::to_string(n);
    e.digest = "sha256:" + std::string(64, 'a');
    e.media_type = "application/vnd.oci.image.manifest.v1+json";
    e.size = 1234567890123;
    e.target = "";
    e.detail = "event " + std::to_string(n);
    e.client_address = "192.0.2.1";
    e.user_agent = "docker/27.0";
    e.correlation_id = "corr-" + std::to_string(n);
    return e;
  }

  // Every event matching `filter`, following the cursor page by page.
  std::vector<AuditEvent> QueryAll(const AuditFilter& filter, std::size_t page_size = 10'000) {
    std::vector<AuditEvent> out;
    std::int64_t after = 0;
    for (int pages = 0; pages < 10'000; ++pages) {
      Result<AuditPage> page = log_->Query(filter, after, page_size);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      out.insert(out.end(), page->events.begin(), page->events.end());
      if (!page->next_after_id) break;
      after = *page->next_after_id;
    }
    return out;
  }

  static std::vector<std::string> Details(const std::vector<AuditEvent>& events) {
    std::vector<std::string> out;
    for (const AuditEvent& e : events) out.push_back(e.detail);
    return out;
  }

  AuditLogBackend backend_;
  AuditLog* log_ = nullptr;
};

TEST_P(AuditLogSuite, AppendKeepsEveryFieldAndAssignsIncreasingIds) {
  std::vector<AuditEvent> batch = {Event(1), Event(2, Category::kLogin), Event(3, Category::kManagement)};
  batch[1].success = false;
  batch[1].reason = "wrong_password";
  batch[1].http_status = 401;
  batch[2].identity_kind = "operator";
  batch[2].target = "ci-token";
  batch[2].size = -1;
  batch[0].id = 999;  // ignored: the log assigns ids
  ASSERT_OK(log_->Append(batch));
  std::vector<AuditEvent> got = QueryAll({});
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    AuditEvent want = batch[i];
    want.id = got[i].id;
    EXPECT_GT(got[i].id, 0);
    if (i > 0) {
      EXPECT_GT(got[i].id, got[i - 1].id);
    }
    EXPECT_EQ(got[i].time, want.time);
    EXPECT_EQ(got[i].category, want.category);
    EXPECT_EQ(got[i].operation, want.operation);
    EXPECT_EQ(got[i].identity, want.identity);
    EXPECT_EQ(got[i].identity_kind, want.identity_kind);
    EXPECT_EQ(got[i].slot, want.slot);
    EXPECT_EQ(got[i].success, want.success);
    EXPECT_EQ(got[i].reason, want.reason);
    EXPECT_EQ(got[i].http_status, want.http_status);
    EXPECT_EQ(got[i].repository, want.repository);
    EXPECT_EQ(got[i].tag, want.tag);
    EXPECT_EQ(got[i].digest, want.digest);
    EXPECT_EQ(got[i].media_type, want.media_type);
    EXPECT_EQ(got[i].size, want.size);
    EXPECT_EQ(got[i].target, want.target);
    EXPECT_EQ(got[i].detail, want.detail);
    EXPECT_EQ(got[i].client_address, want.client_address);
    EXPECT_EQ(got[i].user_agent, want.user_agent);
    EXPECT_EQ(got[i].correlation_id, want.correlation_id);
  }
  ASSERT_OK(log_->Append(std::vector<AuditEvent>{Event(4)}));
  std::vector<AuditEvent> more = QueryAll({});
  ASSERT_EQ(more.size(), 4u);
  EXPECT_GT(more[3].id, more[2].id);
}

TEST_P(AuditLogSuite, AnEmptyAppendWritesNothing) {
  ASSERT_OK(log_->Append({}));
  EXPECT_TRUE(QueryAll({}).empty());
}

TEST_P(AuditLogSuite, EachFilterSelectsExactlyItsEvents) {
  // Twelve events; event i differs from the base in a way each filter can
  // tell apart.
  std::vector<AuditEvent> events;
  for (int i = 0; i < 12; ++i) {
    AuditEvent e = Event(i);
    e.detail = "e" + std::to_string(i);
    e.category = i % 3 == 0 ? Category::kLogin : i % 3 == 1 ? Category::kRepository : Category::kManagement;
    e.identity = i % 2 == 0 ? "alice" : "bob";
    e.repository = i < 6 ? "team/app" : "team/other";
    e.operation = i % 4 == 0 ? "push" : "pull";
    e.success = i % 5 != 0;
    e.client_address = i == 7 ? "198.51.100.9" : "192.0.2.1";
    e.correlation_id = i == 8 || i == 9 ? "shared-corr" : "corr-" + std::to_string(i);
    events.push_back(e);
  }
  ASSERT_OK(log_->Append(events));

  auto expect = [&](const AuditFilter& filter, std::vector<std::string> want, const char* what) {
    EXPECT_EQ(Details(QueryAll(filter)), want) << what;
  };
  AuditFilter f;
  f.since = events[3].time;
  expect(f, {"e3", "e4", "e5", "e6", "e7", "e8", "e9", "e10", "e11"}, "since is inclusive");
  f = {};
  f.until = events[3].time;
  expect(f, {"e0", "e1", "e2"}, "until is exclusive");
  f.since = events[1].time;
  expect(f, {"e1", "e2"}, "since and until");
  f = {};
  f.category = Category::kManagement;
  expect(f, {"e2", "e5", "e8", "e11"}, "category");
  f = {};
  f.identity = "bob";
  expect(f, {"e1", "e3", "e5", "e7", "e9", "e11"}, "identity");
  f = {};
  f.repository = "team/other";
  expect(f, {"e6", "e7", "e8", "e9", "e10", "e11"}, "repository");
  f = {};
  f.operation = "push";
  expect(f, {"e0", "e4", "e8"}, "operation");
  f = {};
  f.success = false;
  expect(f, {"e0", "e5", "e10"}, "failures");
  f.success = true;
  EXPECT_EQ(QueryAll(f).size(), 9u) << "successes";
  f = {};
  f.client_address = "198.51.100.9";
  expect(f, {"e7"}, "client address");
  f = {};
  f.correlation_id = "shared-corr";
  expect(f, {"e8", "e9"}, "correlation id");
  f = {};
  f.identity = "alice";
  f.repository = "team/app";
  f.operation = "pull";
  expect(f, {"e2"}, "filters combine with AND");
  f = {};
  f.identity = "nobody";
  expect(f, {}, "no match");
  expect({}, Details(events), "no filter");
}

TEST_P(AuditLogSuite, PagesFollowTheIdCursorOldestFirst) {
  std::vector<AuditEvent> events;
  for (int i = 0; i < 25; ++i) events.push_back(Event(i));
  ASSERT_OK(log_->Append(events));
  ASSERT_OK_AND_ASSIGN(AuditPage first, log_->Query({}, 0, 10));
  ASSERT_EQ(first.events.size(), 10u);
  ASSERT_TRUE(first.next_after_id.has_value());
  EXPECT_EQ(*first.next_after_id, first.events.back().id);
  EXPECT_EQ(first.events.front().detail, "event 0");
  ASSERT_OK_AND_ASSIGN(AuditPage second, log_->Query({}, *first.next_after_id, 10));
  ASSERT_EQ(second.events.size(), 10u);
  EXPECT_EQ(second.events.front().detail, "event 10");
  ASSERT_OK_AND_ASSIGN(AuditPage last, log_->Query({}, *second.next_after_id, 10));
  EXPECT_EQ(last.events.size(), 5u);
  EXPECT_FALSE(last.next_after_id.has_value());

  // A page that ends exactly at the last event says there is no more.
  ASSERT_OK_AND_ASSIGN(AuditPage exact, log_->Query({}, second.events.back().id, 5));
  EXPECT_EQ(exact.events.size(), 5u);
  EXPECT_FALSE(exact.next_after_id.has_value());
  // Paging a filtered query skips what does not match.
  AuditFilter odd;
  odd.correlation_id = "corr-13";
  ASSERT_OK_AND_ASSIGN(AuditPage one, log_->Query(odd, first.events.back().id, 1));
  ASSERT_EQ(one.events.size(), 1u);
  EXPECT_EQ(one.events[0].detail, "event 13");
  EXPECT_FALSE(one.next_after_id.has_value());
  EXPECT_EQ(QueryAll({}, 7).size(), 25u);
}

TEST_P(AuditLogSuite, QueryLimitMustBeBetweenOneAndTenThousand) {
  EXPECT_STATUS(log_->Query({}, 0, 0), StatusCode::kInvalidArgument);
  EXPECT_STATUS(log_->Query({}, 0, 10'001), StatusCode::kInvalidArgument);
  EXPECT_OK(log_->Query({}, 0, 1));
  EXPECT_OK(log_->Query({}, 0, 10'000));
}

TEST_P(AuditLogSuite, DeleteBeforeIsBoundedOldestFirstAndIdsAreNeverReused) {
  std::vector<AuditEvent> events;
  for (int i = 0; i < 10; ++i) events.push_back(Event(i));
  std::swap(events[0], events[1]);  // append order is not time order
  ASSERT_OK(log_->Append(events));
  const std::int64_t max_id = QueryAll({}).back().id;

  ASSERT_OK_AND_ASSIGN(std::size_t deleted, log_->DeleteBefore(Event(5).time, 3));
  EXPECT_EQ(deleted, 3u);
  EXPECT_EQ(Details(QueryAll({})), (std::vector<std::string>{"event 3", "event 4", "event 5", "event 6",
                                                             "event 7", "event 8", "event 9"}));
  ASSERT_OK_AND_ASSIGN(deleted, log_->DeleteBefore(Event(5).time, 100));
  EXPECT_EQ(deleted, 2u);  // event 5 itself is not before the cutoff
  ASSERT_OK_AND_ASSIGN(deleted, log_->DeleteBefore(Event(5).time, 100));
  EXPECT_EQ(deleted, 0u);
  ASSERT_OK_AND_ASSIGN(deleted, log_->DeleteBefore(Event(100).time, 0));
  EXPECT_EQ(deleted, 0u);

  // Delete everything, then append: the new id is still above every id
  // handed out before (a reader's cursor must not skip it).
  ASSERT_OK_AND_ASSIGN(deleted, log_->DeleteBefore(Event(100).time, 1000));
  EXPECT_EQ(deleted, 5u);
  ASSERT_OK(log_->Append(std::vector<AuditEvent>{Event(50)}));
  ASSERT_OK_AND_ASSIGN(AuditPage page, log_->Query({}, max_id, 10));
  ASSERT_EQ(page.events.size(), 1u);
  EXPECT_GT(page.events[0].id, max_id);
}

TEST_P(AuditLogSuite, ConcurrentAppendsKeepEachBatchTogetherAndInOrder) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 20;
  constexpr int kBatchSize = 5;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::vector<Status> failures;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<AuditEvent> batch;
        for (int i = 0; i < kBatchSize; ++i) {
          AuditEvent e = Event(i);
          e.correlation_id = std::to_string(t) + "-" + std::to_string(b);
          e.detail = std::to_string(i);
          batch.push_back(e);
        }
        if (Status s = log_->Append(batch); !s.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          failures.push_back(s);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(failures.empty()) << failures.front().ToString();
  const std::vector<AuditEvent> all = QueryAll({});
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kBatches * kBatchSize));
  for (std::size_t i = 0; i < all.size(); i += kBatchSize) {
    for (std::size_t j = 0; j < static_cast<std::size_t>(kBatchSize); ++j) {
      EXPECT_EQ(all[i + j].correlation_id, all[i].correlation_id) << "a batch was interleaved at " << i + j;
      EXPECT_EQ(all[i + j].detail, std::to_string(j));
    }
  }
}

}  // namespace scopereg::audit
