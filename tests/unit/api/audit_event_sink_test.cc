#include "scopereg/api/audit_event_sink.h"

#include <gtest/gtest.h>

#include "scopereg/api/metrics_handler.h"
#include "testing/fake_clock.h"
#include "testing/memory_audit_log.h"
#include "testing/status_matchers.h"

namespace scopereg::api {
namespace {

class AuditEventSinkTest : public ::testing::Test {
 protected:
  AuditEventSinkTest() : writer_(log_, {}), metrics_(registry_, {}), sink_(&writer_, &metrics_, clock_, "myreg") {
    req_.Reset(http::Method::kGet, "GET", "/v2/team/app/manifests/v1");
    req_.AddHeader("User-Agent", "docker/27.0");
    req_.set_remote_address("10.0.0.7");
    req_.set_correlation_id("corr-1");
  }
  std::vector<audit::AuditEvent> Events() {
    writer_.Flush();
    auto page = log_.Query({}, 0, 1000);
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->events : std::vector<audit::AuditEvent>{};
  }

  testing::FakeClock clock_;
  scopereg::testing::MemoryAuditLog log_;
  audit::AuditWriter writer_;
  metrics::Registry registry_;
  ServerMetrics metrics_;
  AuditEventSink sink_;
  http::Request req_;
};

TEST_F(AuditEventSinkTest, RepositoryEventTakesWhoAndWhereFromTheRequest) {
  req_.log().identity = "ci-pull";
  sink_.RecordRepository(req_, {"pull", "team/app", "v1", "sha256:abc", "application/x", 12, 200, ""});
  req_.log().identity = "";  // auth.mode=none
  sink_.RecordRepository(req_, {"push", "team/app", "", "sha256:def", "", 0, 404, "BLOB_UNKNOWN"});
  auto events = Events();
  ASSERT_EQ(events.size(), 2u);
  const auto& e = events[0];
  EXPECT_EQ(e.category, audit::Category::kRepository);
  EXPECT_EQ(e.time, clock_.Now());
  EXPECT_EQ(e.identity, "ci-pull");
  EXPECT_EQ(e.identity_kind, "token");
  EXPECT_EQ(e.client_address, "10.0.0.7");
  EXPECT_EQ(e.user_agent, "docker/27.0");
  EXPECT_EQ(e.correlation_id, "corr-1");
  EXPECT_EQ(e.size, 12);
  EXPECT_TRUE(e.success);
  EXPECT_EQ(events[1].identity, "anonymous");
  EXPECT_EQ(events[1].identity_kind, "anonymous");
  EXPECT_FALSE(events[1].success);
  EXPECT_EQ(events[1].reason, "BLOB_UNKNOWN");
  EXPECT_EQ(events[1].http_status, 404);
}

TEST_F(AuditEventSinkTest, LoginIdentityKinds) {
  sink_.RecordLogin(req_, {"ci-pull", "token", "password2", "token_endpoint", true, "", "repository:a:pull", 200});
  sink_.RecordLogin(req_, {"myreg", "", "", "basic", false, "wrong_password", "", 401});  // the admin's username
  sink_.RecordLogin(req_, {"", "", "", "bearer", false, "invalid_token", "", 401});
  sink_.RecordLogin(req_, {"typo-name", "", "", "basic", false, "unknown_token", "", 401});
  sink_.RecordLogin(req_, {"", "anonymous", "", "token_endpoint", true, "", "", 200});
  auto events = Events();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].slot, "password2");
  EXPECT_EQ(events[0].detail, "repository:a:pull");
  EXPECT_EQ(events[0].identity_kind, "token");
  EXPECT_EQ(events[1].identity, "admin");
  EXPECT_EQ(events[1].identity_kind, "admin");
  EXPECT_EQ(events[2].identity, "");
  EXPECT_EQ(events[2].identity_kind, "unknown");
  EXPECT_EQ(events[3].identity, "typo-name");
  EXPECT_EQ(events[3].identity_kind, "token");
  EXPECT_EQ(events[3].reason, "unknown_token");
  EXPECT_EQ(events[4].identity, "anonymous");
  EXPECT_EQ(events[4].identity_kind, "anonymous");
  const std::string text = metrics_.Expose();
  EXPECT_NE(text.find("scopereg_logins_total{method=\"basic\",result=\"failure\",reason=\"wrong_password\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("scopereg_logins_total{method=\"token_endpoint\",result=\"success\",reason=\"none\"} 2"),
            std::string::npos)
      << text;
}

TEST_F(AuditEventSinkTest, UserAgentIsCapped) {
  http::Request req;
  req.Reset(http::Method::kGet, "GET", "/v2/");
  req.AddHeader("User-Agent", std::string(5000, 'u'));
  sink_.RecordRepository(req, {"pull", "a", "", "", "", 0, 200, ""});
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].user_agent.size(), 512u);
}

TEST_F(AuditEventSinkTest, WithoutAWriterOnlyMetricsAreKept) {
  AuditEventSink off(nullptr, &metrics_, clock_, "myreg");
  off.RecordRepository(req_, {"pull", "a", "", "", "", 0, 200, ""});
  off.RecordLogin(req_, {"t", "token", "password1", "basic", true, "", "", 200});
  EXPECT_TRUE(Events().empty());
  EXPECT_NE(metrics_.Expose().find("scopereg_logins_total{method=\"basic\",result=\"success\",reason=\"none\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace scopereg::api
