// GET /api/v1/audit and GET /api/v1/audit/export: every filter, paging by
// Link, the JSON-lines export across store pages, read-only methods, and
// store failures before and during an export.
#include <sstream>

#include "management_fixture.h"
#include "scopereg/api/management/json_fields.h"
#include "scopereg/core/encoding.h"

namespace scopereg::api::management::testing {
namespace {

class AuditApiTest : public ManagementApiTest {
 protected:
  void SetUp() override {
    ManagementApiTest::SetUp();
    t0_ = clock_.Now();
    // id 1..6, one second apart.
    Add(audit::Category::kLogin, "token_endpoint", "ci-pull", "", true, "10.0.0.1");
    Add(audit::Category::kRepository, "pull", "ci-pull", "team/app", true, "10.0.0.1");
    Add(audit::Category::kRepository, "push", "ci-push", "team/app", true, "10.0.0.2");
    Add(audit::Category::kRepository, "delete", "ci-push", "team/other", false, "10.0.0.2");
    Add(audit::Category::kLogin, "basic", "ci-push", "", false, "10.0.0.3");
    Add(audit::Category::kManagement, "token.create", "root", "", true, "127.0.0.1");
  }

  void Add(audit::Category category, std::string operation, std::string identity, std::string repository,
           bool success, std::string client) {
    audit::AuditEvent e;
    e.time = clock_.Now();
    e.category = category;
    e.operation = std::move(operation);
    e.identity = std::move(identity);
    e.repository = std::move(repository);
    e.success = success;
    e.client_address = std::move(client);
    e.correlation_id = "corr-" + std::to_string(++added_);
    ASSERT_TRUE(audit_store_.Append({&e, 1}).ok());
    clock_.Advance(std::chrono::seconds(1));
  }

  // The ids of the events a list request returns (one page).
  std::vector<std::int64_t> QueryIds(const std::string& query, const std::string& secret = "") {
    Reply r = Send("GET", "/api/v1/audit" + query, secret.empty() ? auditor_ : secret);
    EXPECT_EQ(r.status, 200) << query << " " << r.raw.body;
    std::vector<std::int64_t> ids;
    if (r.status != 200) return ids;
    for (const Json& e : r.body["value"]) ids.push_back(e["id"].get<std::int64_t>());
    return ids;
  }

  std::string At(int seconds) const { return UrlEncode(FormatRfc3339(t0_ + std::chrono::seconds(seconds))); }

  static std::vector<Json> Lines(const std::string& body) {
    std::vector<Json> out;
    std::istringstream in(body);
    for (std::string line; std::getline(in, line);) {
      Json j = Json::parse(line, nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << line;
      out.push_back(std::move(j));
    }
    return out;
  }

  Time t0_{};
  int added_ = 0;
};

using IdList = std::vector<std::int64_t>;

TEST_F(AuditApiTest, EveryRoleReadsTheLogOldestFirstWithEveryField) {
  for (const std::string* secret : {&auditor_, &token_admin_, &owner_}) {
    EXPECT_EQ(QueryIds("", *secret), (IdList{1, 2, 3, 4, 5, 6}));
  }
  Reply r = Send("GET", "/api/v1/audit?n=1&last=1", auditor_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  const Json& e = r.body["value"][0];
  EXPECT_EQ(e["id"], 2);
  EXPECT_EQ(e["time"], FormatRfc3339(t0_ + std::chrono::seconds(1)));
  EXPECT_EQ(e["category"], "repository");
  EXPECT_EQ(e["operation"], "pull");
  EXPECT_EQ(e["identity"], "ci-pull");
  EXPECT_EQ(e["repository"], "team/app");
  EXPECT_EQ(e["success"], true);
  EXPECT_EQ(e["clientAddress"], "10.0.0.1");
  EXPECT_EQ(e["correlationId"], "corr-2");
  for (const char* key : {"identityKind", "slot", "reason", "httpStatus", "tag", "digest", "mediaType", "size",
                          "target", "detail", "userAgent"}) {
    EXPECT_TRUE(e.contains(key)) << key;
  }
}

TEST_F(AuditApiTest, EachFilterAloneAndCombined) {
  EXPECT_EQ(QueryIds("?from=" + At(2)), (IdList{3, 4, 5, 6}));
  EXPECT_EQ(QueryIds("?to=" + At(2)), (IdList{1, 2}));  // exclusive
  EXPECT_EQ(QueryIds("?from=" + At(1) + "&to=" + At(3)), (IdList{2, 3}));
  EXPECT_EQ(QueryIds("?identity=ci-push"), (IdList{3, 4, 5}));
  EXPECT_EQ(QueryIds("?repository=team%2Fapp"), (IdList{2, 3}));
  EXPECT_EQ(QueryIds("?operation=delete"), (IdList{4}));
  EXPECT_EQ(QueryIds("?result=failure"), (IdList{4, 5}));
  EXPECT_EQ(QueryIds("?result=success"), (IdList{1, 2, 3, 6}));
  EXPECT_EQ(QueryIds("?clientAddress=10.0.0.2"), (IdList{3, 4}));
  EXPECT_EQ(QueryIds("?category=login"), (IdList{1, 5}));
  EXPECT_EQ(QueryIds("?correlationId=corr-6"), (IdList{6}));
  EXPECT_EQ(QueryIds("?identity=ci-push&result=failure&category=repository"), (IdList{4}));
  EXPECT_EQ(QueryIds("?identity=nobody"), IdList{});
}

TEST_F(AuditApiTest, PagesFollowTheLinkAndKeepTheFilters) {
  std::string next = "/api/v1/audit?identity=ci-push&n=2";
  std::vector<IdList> pages;
  while (!next.empty()) {
    Reply r = Send("GET", next, auditor_);
    ASSERT_EQ(r.status, 200) << r.raw.body;
    IdList ids;
    for (const Json& e : r.body["value"]) ids.push_back(e["id"].get<std::int64_t>());
    pages.push_back(ids);
    const std::string link = r.header("Link");
    next.clear();
    if (!link.empty()) {
      ASSERT_TRUE(link.starts_with("</api/v1/audit?")) << link;
      ASSERT_TRUE(link.ends_with(">; rel=\"next\"")) << link;
      next = link.substr(1, link.find('>') - 1);
    }
    ASSERT_LT(pages.size(), 5u);
  }
  EXPECT_EQ(pages, (std::vector<IdList>{{3, 4}, {5}}));
  // The default page size is 100 and n is clamped to 1000.
  for (int i = 0; i < 120; ++i) Add(audit::Category::kRepository, "pull", "bulk", "r", true, "x");
  EXPECT_EQ(QueryIds("?identity=bulk").size(), 100u);
  EXPECT_EQ(QueryIds("?identity=bulk&n=100000").size(), 120u);
}

TEST_F(AuditApiTest, BadParametersAre400NamingTheParameter) {
  for (const char* query : {"?form=x", "?from=yesterday", "?result=ok", "?n=0", "?last=x", "?category=pulls",
                            "?identity=a&identity=b"}) {
    Reply r = Send("GET", std::string("/api/v1/audit") + query, auditor_);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(r.error_code(), "InvalidArgument") << query;
  }
  Reply r = Send("GET", "/api/v1/audit?form=x", auditor_);
  EXPECT_TRUE(r.error_message().starts_with("form: unknown parameter")) << r.error_message();
}

TEST_F(AuditApiTest, NobodyCanWriteOrDeleteEventsThroughTheApi) {
  for (const char* path : {"/api/v1/audit", "/api/v1/audit/export"}) {
    for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
      Reply r = Send(method, path, owner_, method == std::string("DELETE") ? "" : "{}");
      EXPECT_EQ(r.status, 405) << method << " " << path;
      EXPECT_EQ(r.header("Allow"), "GET");
    }
  }
  EXPECT_EQ(Send("DELETE", "/api/v1/audit/1", owner_).status, 404);
  EXPECT_EQ(QueryIds(""), (IdList{1, 2, 3, 4, 5, 6}));
}

TEST_F(AuditApiTest, ExportStreamsEveryMatchingEventAsJsonLinesAcrossStorePages) {
  // More than two store pages (1000 events each).
  for (int i = 0; i < 2500; ++i) {
    Add(audit::Category::kRepository, i % 2 == 0 ? "pull" : "push", "bulk", "r", true, "x");
  }
  Reply r = Send("GET", "/api/v1/audit/export?identity=bulk&operation=pull", auditor_);
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.header("Content-Type"), "application/x-ndjson");
  EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  std::vector<Json> lines = Lines(r.raw.body);
  ASSERT_EQ(lines.size(), 1250u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["operation"], "pull");
    EXPECT_EQ(lines[i]["id"], 7 + 2 * static_cast<std::int64_t>(i));
  }
  // `last` resumes after an id.
  r = Send("GET", "/api/v1/audit/export?category=repository&last=4", auditor_);
  lines = Lines(r.raw.body);
  ASSERT_EQ(lines.size(), 2500u);
  EXPECT_EQ(lines.front()["id"], 7);
  EXPECT_EQ(Send("GET", "/api/v1/audit/export?n=10", auditor_).status, 400);
}

TEST_F(AuditApiTest, ExportEndsAtTheRequestTimeUnlessToIsGiven) {
  const std::string now = management::FormatTime(clock_.Now());
  audit::AuditEvent late;  // at the request's time: not before it
  late.time = clock_.Now();
  late.operation = "pull";
  ASSERT_TRUE(audit_store_.Append({&late, 1}).ok());
  Reply r = Send("GET", "/api/v1/audit/export", auditor_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("X-Audit-Export-To"), now);
  EXPECT_EQ(Lines(r.raw.body).size(), 6u);
  r = Send("GET", "/api/v1/audit/export?to=" + At(3600), auditor_);
  EXPECT_EQ(Lines(r.raw.body).size(), 7u);
  r = Send("GET", "/api/v1/audit/export?identity=nobody", auditor_);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.raw.body.empty());
}

TEST_F(AuditApiTest, AStoreThatIsDownIs503AndOneLostMidExportCutsTheResponseOff) {
  audit_log_.FailQueriesAfter(0);
  Reply r = Send("GET", "/api/v1/audit", auditor_);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("Retry-After"), "1");
  EXPECT_EQ(Send("GET", "/api/v1/audit/export", auditor_).status, 503);

  for (int i = 0; i < 1500; ++i) Add(audit::Category::kRepository, "pull", "bulk", "r", true, "x");
  audit_log_.FailQueriesAfter(1);  // the first page, then the store is gone
  http::HttpClient client;
  http::ClientRequest req{"GET", base_ + "/api/v1/audit/export"};
  req.headers.emplace_back("Authorization", "Bearer " + auditor_);
  auto res = client.Send(req);
  EXPECT_FALSE(res.ok()) << "a cut-off export must not look complete: " << (res.ok() ? res->body.size() : 0);
}

}  // namespace
}  // namespace scopereg::api::management::testing
