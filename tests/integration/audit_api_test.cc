// The audit trail through the whole server: events made by real requests
// (pushes, pulls, a failed login, a management change over /api/v1), read
// back by an auditor over HTTP with each filter of GET /api/v1/audit, paged
// by Link, and exported as JSON lines; and a restart in the middle of
// management and pull traffic that loses no event.
#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "audit_fixture.h"
#include "scopereg/core/encoding.h"

namespace scopereg::testing {
namespace {

using nlohmann::json;

class AuditApiOverHttpTest : public AuditFixture {
 protected:
  void SetUp() override {
    AuditFixture::SetUp();
    auto created = Admin().CreateOperator(auth::Caller::System(), "auditor-1", auth::OperatorRole::kAuditor, "");
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    auditor_ = created->secret_line;
    std::ifstream in(config_.InitialOwnerCredentialFile());
    std::getline(in, owner_);
    ASSERT_FALSE(owner_.empty());
  }

  http::ClientResponse AsOperator(const std::string& secret, const std::string& method, const std::string& path,
                                  std::string body = "") {
    return Send(method, path, std::move(body), {{"Authorization", "Bearer " + secret}});
  }

  // Every event a list query returns, following Link.
  std::vector<json> List(const std::string& query) {
    app_->FlushAuditForTest();
    std::vector<json> out;
    std::string next = "/api/v1/audit" + query;
    while (!next.empty()) {
      auto r = AsOperator(auditor_, "GET", next);
      EXPECT_EQ(r.status, 200) << next << " " << r.body;
      if (r.status != 200) break;
      json page = json::parse(r.body);
      for (json& e : page["value"]) out.push_back(std::move(e));
      const std::string link = r.header("Link");
      next = link.empty() ? "" : link.substr(1, link.find('>') - 1);
    }
    return out;
  }

  std::vector<json> Export(const std::string& query) {
    app_->FlushAuditForTest();
    auto r = AsOperator(auditor_, "GET", "/api/v1/audit/export" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/x-ndjson");
    std::vector<json> out;
    std::istringstream in(r.body);
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
  }

  static std::vector<std::string> Operations(const std::vector<json>& events) {
    std::vector<std::string> ops;
    for (const json& e : events) ops.push_back(e["operation"].get<std::string>());
    return ops;
  }

  std::string auditor_, owner_;
};

using Ops = std::vector<std::string>;

TEST_F(AuditApiOverHttpTest, AnAuditorFindsEachKindOfEventWithEachFilter) {
  const Time t0 = clock_.Now();
  const std::string pusher = CreateToken("pusher-one");
  const std::string puller = CreateToken("puller-one", "_repositories_pull");
  PushImageAs("pusher-one", pusher, "team/app", "v1", "layer");
  clock_.Advance(std::chrono::seconds(10));
  const Time t1 = clock_.Now();
  ASSERT_EQ(As("puller-one", puller, "GET", "/v2/team/app/manifests/v1").status, 200);
  ASSERT_EQ(As("puller-one", puller, "GET", "/v2/team/app/manifests/v2").status, 404);
  ASSERT_EQ(As("puller-one", "wrong", "GET", "/v2/").status, 401);
  clock_.Advance(std::chrono::seconds(10));
  const Time t2 = clock_.Now();
  auto patch = AsOperator(owner_, "PATCH", "/api/v1/tokens/puller-one", R"({"status":"disabled"})");
  ASSERT_EQ(patch.status, 200) << patch.body;

  const auto at = [](Time t) { return UrlEncode(FormatRfc3339(t)); };
  EXPECT_EQ(Operations(List("?identity=puller-one&category=repository")), (Ops{"pull", "pull"}));
  EXPECT_EQ(Operations(List("?operation=push&repository=team%2Fapp")), (Ops{"push", "push", "push"}));
  auto failed_pull = List("?repository=team%2Fapp&result=failure");
  ASSERT_EQ(failed_pull.size(), 1u);
  EXPECT_EQ(failed_pull[0]["tag"], "v2");
  EXPECT_EQ(failed_pull[0]["reason"], "MANIFEST_UNKNOWN");
  auto failed_login = List("?category=login&result=failure");
  ASSERT_EQ(failed_login.size(), 1u);
  EXPECT_EQ(failed_login[0]["identity"], "puller-one");
  EXPECT_EQ(failed_login[0]["reason"], "wrong_password");
  // From t1 (inclusive) to t2 (exclusive): the two pulls and the failed login.
  auto window = List("?from=" + at(t1) + "&to=" + at(t2));
  EXPECT_EQ(window.size(), 3u);
  for (const json& e : window) EXPECT_EQ(e["time"], FormatRfc3339(t1)) << e.dump();
  EXPECT_EQ(Operations(List("?category=repository&to=" + at(t0 + std::chrono::seconds(1)))),
            (Ops{"push", "push", "push"}));
  auto changes = List("?category=management&identity=owner");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0]["operation"], "token.update");
  EXPECT_EQ(changes[0]["target"], "puller-one");
  EXPECT_EQ(changes[0]["identityKind"], "operator");
  EXPECT_EQ(changes[0]["clientAddress"], "127.0.0.1");
  EXPECT_NE(changes[0]["detail"].get<std::string>().find("disabled"), std::string::npos) << changes[0].dump();

  const auto everything = List("");
  std::size_t from_loopback = 0;  // all but the events of Caller::System()
  for (const json& e : everything) from_loopback += e["clientAddress"] == "127.0.0.1" ? 1 : 0;
  EXPECT_EQ(from_loopback, everything.size() - 4);
  EXPECT_EQ(List("?clientAddress=127.0.0.1").size(), from_loopback);
  EXPECT_TRUE(List("?clientAddress=10.9.9.9").empty());
  const std::string corr = failed_pull[0]["correlationId"].get<std::string>();
  auto by_corr = List("?correlationId=" + corr);
  ASSERT_EQ(by_corr.size(), 1u);
  EXPECT_EQ(by_corr[0], failed_pull[0]);
  // Paging by one gives the same events in the same order.
  EXPECT_EQ(List("?n=1"), everything);
  // The export is the list, as JSON lines (once the clock has moved past
  // the last event: an export ends before the instant of its request).
  EXPECT_EQ(Export("").size(), everything.size() - 1);
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(Export(""), everything);
  EXPECT_EQ(Export("?category=repository&identity=puller-one"), List("?category=repository&identity=puller-one"));
  for (const json& e : everything) {
    EXPECT_EQ(e.dump().find(pusher), std::string::npos);
    EXPECT_EQ(e.dump().find(puller), std::string::npos);
  }
}

TEST_F(AuditApiOverHttpTest, TheLogIsReadOnlyAndNeedsAnOperator) {
  CreateToken("someone-one");
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    EXPECT_EQ(AsOperator(owner_, method, "/api/v1/audit", "{}").status, 405) << method;
    EXPECT_EQ(AsOperator(owner_, method, "/api/v1/audit/export", "{}").status, 405) << method;
  }
  EXPECT_EQ(Send("GET", "/api/v1/audit").status, 401);
  // A registry token is not an operator credential.
  const std::string pass = CreateToken("reader-two", "_repositories_pull");
  EXPECT_EQ(As("reader-two", pass, "GET", "/api/v1/audit").status, 401);
  EXPECT_EQ(List("?category=management&operation=token.create").size(), 2u);
}

TEST_F(AuditApiOverHttpTest, ARestartInTheMiddleOfTrafficLosesNoEvent) {
  const std::string pusher = CreateToken("pusher-one");
  PushImageAs("pusher-one", pusher, "team/app", "v1", "layer");
  std::mutex mu;
  std::string base = base_;           // GUARDED_BY(mu)
  std::vector<std::string> created;   // GUARDED_BY(mu): token creates answered 201
  int pulls_ok = 0;                   // GUARDED_BY(mu): pulls answered 200
  std::atomic<bool> stop{false};
  const auto url = [&](const std::string& path) {
    std::lock_guard lock(mu);
    return base + path;
  };
  const auto created_count = [&] {
    std::lock_guard lock(mu);
    return created.size();
  };

  // The owner creates tokens one after another; a puller pulls. Requests
  // made while the server restarts fail with a connection error.
  std::thread management([&] {
    http::HttpClient client;
    for (int i = 0; i < 2000 && !stop.load(); ++i) {
      const std::string name = "restart-token-" + std::to_string(i);
      http::ClientRequest req{"PUT", url("/api/v1/tokens/" + name)};
      req.body = R"({"scopeMap":"_repositories_pull","passwords":[]})";
      req.headers = {{"Authorization", "Bearer " + owner_}, {"Content-Type", "application/json"}};
      auto res = client.Send(req);
      if (res.ok() && res->status == 201) {
        std::lock_guard lock(mu);
        created.push_back(name);
      }
    }
  });
  std::thread pulls([&] {
    http::HttpClient client;
    for (int i = 0; i < 20000 && !stop.load(); ++i) {
      http::ClientRequest req{"GET", url("/v2/team/app/manifests/v1")};
      req.headers = {{"Authorization", Basic("pusher-one", pusher)}};
      auto res = client.Send(req);
      if (res.ok() && res->status == 200) {
        std::lock_guard lock(mu);
        ++pulls_ok;
      }
    }
  });
  const auto wait_for = [&](std::size_t n) {
    for (int i = 0; i < 3000 && created_count() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  wait_for(20);
  // Restart(), with the new address published to the traffic threads.
  app_->Stop();
  app_ = std::make_unique<server::App>(config_, &clock_);
  ASSERT_OK(app_->Start());
  {
    std::lock_guard lock(mu);
    base_ = base = "http://127.0.0.1:" + std::to_string(app_->port());
  }
  const std::size_t before_restart_done = created_count();
  wait_for(before_restart_done + 20);
  stop.store(true);
  management.join();
  pulls.join();
  ASSERT_GE(created.size(), 40u);

  // Every change answered 201 has its event, and every event its change:
  // the set of token.create targets is the set of tokens that exist.
  std::set<std::string> event_targets;
  for (const json& e : List("?category=management&operation=token.create&identity=owner")) {
    event_targets.insert(e["target"].get<std::string>());
  }
  std::set<std::string> existing;
  const json tokens = json::parse(AsOperator(owner_, "GET", "/api/v1/tokens?n=1000").body);
  for (const json& t : tokens["value"]) {
    const std::string name = t["name"].get<std::string>();
    if (name.starts_with("restart-token-")) existing.insert(name);
  }
  EXPECT_EQ(event_targets, existing);
  for (const std::string& name : created) EXPECT_TRUE(event_targets.count(name)) << name;
  // A clean stop also writes every queued data-plane event.
  EXPECT_EQ(static_cast<int>(List("?operation=pull&identity=pusher-one&result=success").size()), pulls_ok);
}

}  // namespace
}  // namespace scopereg::testing
