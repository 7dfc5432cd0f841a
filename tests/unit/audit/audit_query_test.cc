#include "scopereg/audit/audit_query.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "scopereg/audit/memory_audit_log.h"
#include "testing/status_matchers.h"

namespace scopereg::audit {
namespace {

TEST(AuditQueryTest, EmptyQueryIsEverythingFirstPage) {
  ASSERT_OK_AND_ASSIGN(AuditQuery q, ParseAuditQuery(""));
  EXPECT_EQ(q.limit, kDefaultAuditPageSize);
  EXPECT_EQ(q.after_id, 0);
  EXPECT_FALSE(q.filter.since);
  EXPECT_FALSE(q.filter.success);
  EXPECT_TRUE(q.filter.identity.empty());
}

TEST(AuditQueryTest, EveryParameter) {
  ASSERT_OK_AND_ASSIGN(
      AuditQuery q,
      ParseAuditQuery("from=2026-11-01T00:00:00Z&to=2026-11-08T00%3A00%3A00Z&category=repository"
                      "&identity=ci-pull&repository=team%2Fapp&operation=pull&result=failure"
                      "&clientAddress=10.0.0.7&correlationId=abc&last=42&n=500"));
  EXPECT_EQ(q.filter.since, ParseRfc3339("2026-11-01T00:00:00Z"));
  EXPECT_EQ(q.filter.until, ParseRfc3339("2026-11-08T00:00:00Z"));
  EXPECT_EQ(q.filter.category, Category::kRepository);
  EXPECT_EQ(q.filter.identity, "ci-pull");
  EXPECT_EQ(q.filter.repository, "team/app");
  EXPECT_EQ(q.filter.operation, "pull");
  EXPECT_EQ(q.filter.success, false);
  EXPECT_EQ(q.filter.client_address, "10.0.0.7");
  EXPECT_EQ(q.filter.correlation_id, "abc");
  EXPECT_EQ(q.after_id, 42);
  EXPECT_EQ(q.limit, 500u);
  ASSERT_OK_AND_ASSIGN(AuditQuery ok, ParseAuditQuery("result=success&n=5000"));
  EXPECT_EQ(ok.filter.success, true);
  EXPECT_EQ(ok.limit, kMaxAuditPageSize) << "n is clamped, as in the other lists";
}

TEST(AuditQueryTest, ErrorsNameTheParameter) {
  for (const char* bad : {"reposiory=x", "from=yesterday", "to=2026-13-01", "category=pulls", "result=ok",
                          "last=-1", "last=x", "n=0", "n=ten", "identity=a&identity=b",
                          "from=2026-11-08T00:00:00Z&to=2026-11-01T00:00:00Z", "identity=%zz"}) {
    auto r = ParseAuditQuery(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  auto r = ParseAuditQuery("reposiory=x");
  EXPECT_NE(r.status().message().find("reposiory"), std::string::npos) << r.status().ToString();
  auto t = ParseAuditQuery("from=yesterday");
  EXPECT_NE(t.status().message().find("from"), std::string::npos) << t.status().ToString();
}

TEST(AuditQueryTest, AnExportTakesTheFiltersButNoPageSize) {
  ASSERT_OK_AND_ASSIGN(AuditQuery q, ParseAuditQuery("identity=ci&last=7", AuditQueryUse::kExport));
  EXPECT_EQ(q.filter.identity, "ci");
  EXPECT_EQ(q.after_id, 7);
  auto r = ParseAuditQuery("identity=ci&n=10", AuditQueryUse::kExport);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(r.status().message().starts_with("n: ")) << r.status().ToString();
}

TEST(AuditQueryTest, PageJsonAndNextQuery) {
  AuditPage page;
  AuditEvent e;
  e.id = 7;
  e.operation = "push";
  page.events.push_back(e);
  auto j = nlohmann::json::parse(AuditPageJson(page));
  ASSERT_EQ(j["value"].size(), 1u);
  EXPECT_EQ(j["value"][0]["id"], 7);
  EXPECT_EQ(j["value"][0]["operation"], "push");
  EXPECT_EQ(j.size(), 1u);

  EXPECT_EQ(NextAuditQuery("", 7), "last=7");
  EXPECT_EQ(NextAuditQuery("identity=ci&last=3&n=2", 9), "identity=ci&n=2&last=9");
  ASSERT_OK_AND_ASSIGN(AuditQuery q, ParseAuditQuery(NextAuditQuery("repository=team%2Fapp&n=2", 9)));
  EXPECT_EQ(q.after_id, 9);
  EXPECT_EQ(q.filter.repository, "team/app");
  EXPECT_EQ(q.limit, 2u);
}

// The reference semantics of AuditFilter, which MemoryAuditLog implements.
TEST(MemoryAuditLogTest, FiltersPagesAndRetention) {
  MemoryAuditLog log;
  std::vector<AuditEvent> events;
  for (int i = 0; i < 10; ++i) {
    AuditEvent e;
    e.time = FromUnixSeconds(1000 + i);
    e.category = i < 5 ? Category::kRepository : Category::kLogin;
    e.operation = i % 2 == 0 ? "pull" : "push";
    e.identity = "t" + std::to_string(i % 3);
    e.repository = i % 2 == 0 ? "a" : "b";
    e.success = i != 4;
    e.client_address = i == 9 ? "10.0.0.9" : "127.0.0.1";
    e.correlation_id = "c" + std::to_string(i);
    events.push_back(e);
  }
  ASSERT_OK(log.Append(events));

  auto count = [&](const AuditFilter& f) {
    auto page = log.Query(f, 0, 100);
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->events.size() : 0;
  };
  AuditFilter f;
  EXPECT_EQ(count(f), 10u);
  f.since = FromUnixSeconds(1003);
  f.until = FromUnixSeconds(1006);
  EXPECT_EQ(count(f), 3u);
  f = {};
  f.category = Category::kLogin;
  EXPECT_EQ(count(f), 5u);
  f = {};
  f.identity = "t0";
  EXPECT_EQ(count(f), 4u);
  f = {};
  f.repository = "a";
  f.operation = "pull";
  EXPECT_EQ(count(f), 5u);
  f = {};
  f.success = false;
  EXPECT_EQ(count(f), 1u);
  f = {};
  f.client_address = "10.0.0.9";
  EXPECT_EQ(count(f), 1u);
  f = {};
  f.correlation_id = "c3";
  EXPECT_EQ(count(f), 1u);

  // Pagination: ids ascend, next_after_id only when more match.
  ASSERT_OK_AND_ASSIGN(AuditPage p1, log.Query({}, 0, 4));
  ASSERT_EQ(p1.events.size(), 4u);
  ASSERT_TRUE(p1.next_after_id);
  ASSERT_OK_AND_ASSIGN(AuditPage p2, log.Query({}, *p1.next_after_id, 4));
  ASSERT_OK_AND_ASSIGN(AuditPage p3, log.Query({}, *p2.next_after_id, 4));
  EXPECT_EQ(p3.events.size(), 2u);
  EXPECT_FALSE(p3.next_after_id);
  EXPECT_LT(p1.events.back().id, p2.events.front().id);
  EXPECT_FALSE(log.Query({}, 0, 0).ok());

  ASSERT_OK_AND_ASSIGN(std::size_t n, log.DeleteBefore(FromUnixSeconds(1005), 3));
  EXPECT_EQ(n, 3u);
  ASSERT_OK_AND_ASSIGN(n, log.DeleteBefore(FromUnixSeconds(1005), 100));
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(log.size(), 5u);
}

}  // namespace
}  // namespace scopereg::audit
