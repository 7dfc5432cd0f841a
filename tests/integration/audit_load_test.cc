// The audit pipeline under load and under failure, and /metrics:
//   - 8 clients pushing and pulling concurrently: every event is in the log;
//   - the audit store failing, or too slow: the registry keeps serving and
//     /metrics counts every dropped event (docs/adr/0001-audit-failure-policy.md);
//   - request, latency, byte, login and denial metrics over real HTTP.
#include <atomic>
#include <thread>

#include "audit_fixture.h"
#include "testing/fault_injecting_audit_log.h"

namespace scopereg::testing {
namespace {

class AuditLoadTest : public AuditFixture {
 protected:
  // Restarts the app with the audit store wrapped in a fault injector
  // (tokens made before survive it: they are in SQLite).
  void RestartWithFaults() {
    app_->Stop();
    app_.reset();
    app_ = std::make_unique<server::App>(config_, &clock_);
    app_->DecorateAuditLogForTest([this](audit::AuditLog& store) {
      auto f = std::make_unique<FaultInjectingAuditLog>(store);
      faults_ = f.get();
      return f;
    });
    ASSERT_OK(app_->Start());
    base_ = "http://127.0.0.1:" + std::to_string(app_->port());
  }
  FaultInjectingAuditLog* faults_ = nullptr;
};

TEST_F(AuditLoadTest, EveryEventOfConcurrentPushesAndPullsIsRecorded) {
  constexpr int kClients = 8;
  constexpr int kImages = 4;
  constexpr int kPulls = 150;
  std::vector<std::string> passwords;
  for (int c = 0; c < kClients; ++c) passwords.push_back(CreateToken("load-client-" + std::to_string(c)));

  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      http::HttpClient client;
      const std::string user = "load-client-" + std::to_string(c);
      const std::string auth = Basic(user, passwords[static_cast<std::size_t>(c)]);
      auto send = [&](const std::string& method, const std::string& path, std::string body, int want,
                      const std::string& content_type = "application/octet-stream") {
        http::ClientRequest req;
        req.method = method;
        req.url = base_ + path;
        req.body = std::move(body);
        req.headers = {{"Authorization", auth}, {"Content-Type", content_type}};
        auto res = client.Send(req);
        if (!res.ok() || res->status != want) failures.fetch_add(1);
      };
      const std::string repo = "load/r" + std::to_string(c);
      for (int i = 0; i < kImages; ++i) {
        const std::string layer = "layer " + std::to_string(c) + "/" + std::to_string(i);
        const std::string config = "{\"c\":\"" + layer + "\"}";
        for (const std::string& blob : {config, layer}) {
          send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + oci::Digest::Sha256Of(blob).str(), blob, 201);
        }
        const std::string manifest =
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":" +
            DescriptorJson("application/vnd.oci.image.config.v1+json", config) + ",\"layers\":[" +
            DescriptorJson("application/vnd.oci.image.layer.v1.tar+gzip", layer) + "]}";
        send("PUT", "/v2/" + repo + "/manifests/t" + std::to_string(i), manifest, 201,
             "application/vnd.oci.image.manifest.v1+json");
      }
      for (int i = 0; i < kPulls; ++i) send("GET", "/v2/" + repo + "/manifests/t" + std::to_string(i % kImages), "", 200);
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);

  for (int c = 0; c < kClients; ++c) {
    const std::string user = "load-client-" + std::to_string(c);
    auto pushes = EventsOf("push", user);
    auto pulls = EventsOf("pull", user);
    EXPECT_EQ(pushes.size(), static_cast<std::size_t>(kImages * 3)) << user;
    ASSERT_EQ(pulls.size(), static_cast<std::size_t>(kPulls)) << user;
    for (const auto& p : pulls) {
      EXPECT_TRUE(p.success);
      EXPECT_EQ(p.repository, "load/r" + std::to_string(c));
    }
  }
  const double total = kClients * (kImages * 3 + kPulls);
  EXPECT_EQ(Metric("scopereg_audit_events_written_total"), total);
  EXPECT_EQ(Metric("scopereg_audit_events_dropped_total{reason=\"queue_full\"}"), 0);
  EXPECT_EQ(Metric("scopereg_audit_events_dropped_total{reason=\"store_failed\"}"), 0);
  EXPECT_EQ(Metric("scopereg_audit_queue_depth"), 0);
}

TEST_F(AuditLoadTest, AFailingStoreDoesNotStopTheRegistryAndEveryDropIsCounted) {
  RestartWithFaults();
  ASSERT_NE(faults_, nullptr);
  const std::string pass = CreateToken("fault-token");
  faults_->SetFailing(true);
  PushImageAs("fault-token", pass, "team/app", "v1", "data");
  for (int i = 0; i < 20; ++i) ASSERT_EQ(As("fault-token", pass, "GET", "/v2/team/app/manifests/v1").status, 200);
  app_->FlushAuditForTest();
  EXPECT_EQ(Metric("scopereg_audit_events_dropped_total{reason=\"store_failed\"}"), 23);
  EXPECT_GE(Metric("scopereg_audit_store_failures_total").value_or(0), 1);
  EXPECT_EQ(Metric("scopereg_audit_events_written_total"), 0);

  // The store comes back: new events are written again.
  faults_->SetFailing(false);
  ASSERT_EQ(As("fault-token", pass, "GET", "/v2/team/app/manifests/v1").status, 200);
  EXPECT_EQ(EventsOf("pull", "fault-token").size(), 1u);
  EXPECT_EQ(Metric("scopereg_audit_events_dropped_total{reason=\"store_failed\"}"), 23);
}

class AuditSlowStoreTest : public AuditLoadTest {
 protected:
  void ConfigureAudit(server::Config& config) override { config.audit_queue_capacity = 100; }
};

TEST_F(AuditSlowStoreTest, AWriterThatFallsBehindDropsAndCountsInsteadOfBlocking) {
  RestartWithFaults();
  const std::string pass = CreateToken("slow-token");
  PushImageAs("slow-token", pass, "team/app", "v1", "data");
  app_->FlushAuditForTest();
  faults_->SetDelay(std::chrono::milliseconds(500));
  constexpr int kPulls = 400;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kPulls; ++i) ASSERT_EQ(As("slow-token", pass, "GET", "/v2/team/app/manifests/v1").status, 200);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // Requests never wait for the store: 400 pulls take far less than the
  // 400 * 500 ms a synchronous write would.
  EXPECT_LT(elapsed, std::chrono::seconds(20));
  app_->FlushAuditForTest();
  faults_->SetDelay(std::chrono::milliseconds(0));
  const double dropped = Metric("scopereg_audit_events_dropped_total{reason=\"queue_full\"}").value_or(-1);
  const double written = Metric("scopereg_audit_events_written_total").value_or(-1);
  EXPECT_GT(dropped, 0);
  EXPECT_EQ(dropped + written, kPulls + 3);
  EXPECT_EQ(EventsOf("pull").size(), static_cast<std::size_t>(written - 3));
}

class MetricsTest : public AuditFixture {
 protected:
  void ConfigureAudit(server::Config& config) override { config.metrics_max_token_labels = 2; }
};

TEST_F(MetricsTest, RequestsLatencyBytesAndDenialsOverHttp) {
  const std::string pusher = CreateToken("metrics-pusher");
  const std::string manifest = PushImageAs("metrics-pusher", pusher, "team/app", "v1", "abc");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(As("metrics-pusher", pusher, "GET", "/v2/team/app/manifests/v1").status, 200);
  EXPECT_EQ(Metric("scopereg_http_requests_total{route=\"manifest\",method=\"GET\",status=\"200\"}"), 3);
  EXPECT_EQ(Metric("scopereg_http_requests_total{route=\"manifest\",method=\"PUT\",status=\"201\"}"), 1);
  EXPECT_EQ(Metric("scopereg_http_requests_total{route=\"blob_upload_start\",method=\"POST\",status=\"201\"}"), 2);
  EXPECT_EQ(Metric("scopereg_http_request_duration_seconds_count{route=\"manifest\"}"), 4);
  EXPECT_EQ(Metric("scopereg_http_request_duration_seconds_bucket{route=\"manifest\",le=\"+Inf\"}"), 4);
  EXPECT_EQ(Metric("scopereg_http_response_body_bytes_total{route=\"manifest\"}"),
            static_cast<double>(3 * manifest.size()));
  EXPECT_EQ(Metric("scopereg_http_request_body_bytes_total{route=\"manifest\"}"),
            static_cast<double>(manifest.size()));
  EXPECT_EQ(Metric("scopereg_uploads_in_progress"), 0);
  EXPECT_EQ(Metric("scopereg_http_requests_in_flight"), 1);  // the scrape itself
  EXPECT_TRUE(Metric("scopereg_storage_errors_total{kind=\"internal\"}"));

  // Denials by identity, capped at metrics.max_token_labels (2 here).
  for (const char* name : {"reader-aaa", "reader-bbb", "reader-ccc"}) {
    const std::string pass = CreateToken(name, "_repositories_pull");
    ASSERT_EQ(As(name, pass, "DELETE", "/v2/team/app/manifests/v1").status, 403);
  }
  ASSERT_EQ(As("reader-aaa", "wrong", "GET", "/v2/team/app/manifests/v1").status, 401);  // a login failure
  EXPECT_EQ(Metric("scopereg_access_denied_total{identity=\"reader-aaa\"}"), 1);
  EXPECT_EQ(Metric("scopereg_access_denied_total{identity=\"reader-bbb\"}"), 1);
  EXPECT_FALSE(Metric("scopereg_access_denied_total{identity=\"reader-ccc\"}"));
  EXPECT_EQ(Metric("scopereg_access_denied_total{identity=\"other\"}"), 1);
  // Anonymous challenges (the first step of every docker pull) are not denials.
  ASSERT_EQ(Send("GET", "/v2/team/app/manifests/v1").status, 401);
  EXPECT_FALSE(Metric("scopereg_access_denied_total{identity=\"anonymous\"}"));
}

TEST_F(MetricsTest, ExpositionFormatAndMethods) {
  auto res = Send("GET", "/metrics");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(res.body.find("# TYPE scopereg_http_request_duration_seconds histogram\n"), std::string::npos);
  EXPECT_NE(res.body.find("# TYPE scopereg_audit_events_dropped_total counter\n"), std::string::npos);
  EXPECT_NE(res.body.find("scopereg_audit_queue_capacity 65536\n"), std::string::npos);
  // Every non-comment line is "name{labels} value" or "name value".
  std::size_t start = 0;
  while (start < res.body.size()) {
    const std::size_t end = res.body.find('\n', start);
    ASSERT_NE(end, std::string::npos) << "the exposition must end with a newline";
    const std::string line = res.body.substr(start, end - start);
    start = end + 1;
    if (line.rfind("# ", 0) == 0) continue;
    const auto space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    EXPECT_NO_THROW((void)std::stod(line.substr(space + 1))) << line;
  }
  EXPECT_EQ(Send("HEAD", "/metrics").status, 200);
  EXPECT_EQ(Send("POST", "/metrics").status, 405);
}

class MetricsOffTest : public AuditFixture {
 protected:
  void ConfigureAudit(server::Config& config) override { config.metrics_enabled = false; }
};

TEST_F(MetricsOffTest, NoEndpoint) { EXPECT_EQ(Send("GET", "/metrics").status, 404); }

}  // namespace
}  // namespace scopereg::testing
