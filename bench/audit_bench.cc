// Per-request costs of the audit pipeline and the metrics (Google Benchmark).
//
//   ninja -C <build> audit_bench && <build>/bench/audit_bench
//
// What a manifest GET pays with audit and metrics on: AuditEventSink::
// RecordRepository (build an AuditEvent, queue it) and ServerMetrics::
// OnRequestComplete (a few relaxed atomic adds). The writer thread's side
// (JSON formatting for the sinks, the store append) is measured apart: it
// runs off the request path. The store here discards, so the figures are
// the pipeline's own cost, not SQLite's.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "scopereg/api/audit_event_sink.h"
#include "scopereg/api/metrics_handler.h"
#include "scopereg/audit/audit_writer.h"
#include "scopereg/core/metrics.h"

namespace scopereg {
namespace {

class DiscardAuditLog final : public audit::AuditLog {
 public:
  Status Append(std::span<const audit::AuditEvent>) override { return Status::Ok(); }
  Result<audit::AuditPage> Query(const audit::AuditFilter&, std::int64_t, std::size_t) override {
    return audit::AuditPage{};
  }
  Result<std::size_t> DeleteBefore(Time, std::size_t) override { return std::size_t{0}; }
};

// A request as the manifest handler sees it after authorization.
void FillPullRequest(http::Request& req) {
  req.Reset(http::Method::kGet, "GET", "/v2/team/service-app/manifests/1.4.2");
  req.AddHeader("Host", "registry.example.com");
  req.AddHeader("User-Agent", "docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.1.0 os/linux arch/amd64");
  req.AddHeader("Accept", "application/vnd.oci.image.manifest.v1+json");
  req.set_remote_address("10.20.30.40");
  req.set_correlation_id("4f6c2e0a9b1d4e7f8a2b3c4d5e6f7a8b");
  req.log().route = "manifest";
  req.log().identity = "ci-pull-token";
  req.log().repository = "team/service-app";
}

api::RepositoryEvent PullEvent() {
  return api::RepositoryEvent{"pull",
                              "team/service-app",
                              "1.4.2",
                              "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                              "application/vnd.oci.image.manifest.v1+json",
                              1127,
                              200,
                              ""};
}

// The request-path cost of auditing a pull, single-threaded and with
// several request threads contending for the queue.
void BM_AuditEventSinkRecordPull(benchmark::State& state) {
  static DiscardAuditLog* log = nullptr;
  static audit::AuditWriter* writer = nullptr;
  static api::AuditEventSink* sink = nullptr;
  if (state.thread_index() == 0) {
    log = new DiscardAuditLog();
    audit::AuditWriterOptions o;
    o.queue_capacity = 1 << 22;  // never drop: measure the accepted path
    writer = new audit::AuditWriter(*log, {}, o);
    sink = new api::AuditEventSink(writer, nullptr, SystemClock::Instance(), "registry");
  }
  http::Request req;
  FillPullRequest(req);
  for (auto _ : state) sink->RecordRepository(req, PullEvent());
  if (state.thread_index() == 0) {
    writer->Stop();
    state.counters["dropped"] = static_cast<double>(writer->stats().dropped_queue_full);
    delete sink;
    delete writer;
    delete log;
  }
}
BENCHMARK(BM_AuditEventSinkRecordPull)->Threads(1)->Threads(2)->UseRealTime();

// The part of the above that is only building the RepositoryEvent (what
// the handler pays even with audit off).
void BM_BuildRepositoryEvent(benchmark::State& state) {
  for (auto _ : state) {
    api::RepositoryEvent e = PullEvent();
    benchmark::DoNotOptimize(e);
  }
}
BENCHMARK(BM_BuildRepositoryEvent);

void BM_ServerMetricsOnRequestComplete(benchmark::State& state) {
  static metrics::Registry* registry = nullptr;
  static api::ServerMetrics* m = nullptr;
  if (state.thread_index() == 0) {
    registry = new metrics::Registry();
    m = new api::ServerMetrics(*registry, {});
  }
  http::Request req;
  FillPullRequest(req);
  http::Response res;
  res.set_status(200);
  const http::Completion c{req, res, 0, 1127, std::chrono::microseconds(180), false};
  for (auto _ : state) m->OnRequestComplete(c);
  if (state.thread_index() == 0) {
    delete m;
    delete registry;
  }
}
BENCHMARK(BM_ServerMetricsOnRequestComplete)->Threads(1)->Threads(2)->UseRealTime();

void BM_CounterInc(benchmark::State& state) {
  static metrics::Registry registry;
  static metrics::Counter& c = registry.AddCounter("bench_total", "b").WithLabels({});
  for (auto _ : state) c.Inc();
}
BENCHMARK(BM_CounterInc)->Threads(1)->Threads(2)->UseRealTime();

// Writer-thread cost per event for a file or syslog copy.
void BM_AppendAuditEventJson(benchmark::State& state) {
  audit::AuditEvent e;
  e.time = SystemClock::Instance().Now();
  e.operation = "pull";
  e.identity = "ci-pull-token";
  e.identity_kind = "token";
  e.repository = "team/service-app";
  e.tag = "1.4.2";
  e.digest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  e.media_type = "application/vnd.oci.image.manifest.v1+json";
  e.size = 1127;
  e.http_status = 200;
  e.client_address = "10.20.30.40";
  e.user_agent = "docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.1.0 os/linux arch/amd64";
  e.correlation_id = "4f6c2e0a9b1d4e7f8a2b3c4d5e6f7a8b";
  std::string out;
  for (auto _ : state) {
    out.clear();
    audit::AppendAuditEventJson(out, e);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_AppendAuditEventJson);

void BM_MetricsExpose(benchmark::State& state) {
  metrics::Registry registry;
  api::ServerMetrics m(registry, {});
  http::Request req;
  FillPullRequest(req);
  http::Response res;
  for (int status : {200, 201, 202, 401, 403, 404}) {
    res.set_status(status);
    m.OnRequestComplete(http::Completion{req, res, 0, 1127, std::chrono::microseconds(180), false});
  }
  for (auto _ : state) benchmark::DoNotOptimize(registry.Expose());
}
BENCHMARK(BM_MetricsExpose);

}  // namespace
}  // namespace scopereg

BENCHMARK_MAIN();
