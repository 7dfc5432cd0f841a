#include "scopereg/audit/audit_query.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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

}  // namespace
}  // namespace scopereg::audit
