// ServerMetrics: the registry's Prometheus metrics and the /metrics handler
// (docs/metrics.md lists every metric).
//
//   ServerMetrics m(registry, options);
//   server completion callback -> m.OnRequestComplete(c);   // requests, latency, bytes, denials
//   AuditEventSink              -> m.OnLogin(...);          // logins by result and reason
//   upload requests             -> m.TrackUpload(task);     // uploads in progress
//   Registry::SetRouteHandler(Route::kMetrics, m.Handler());
//
// Hot path cost: OnRequestComplete maps the route name and status to small
// indexes and updates cached series (relaxed atomic adds); the family
// mutex is taken only the first time a route/method/status combination is
// seen. Denials (401/403 to an authenticated caller) take a mutex, which is
// fine: they are rare and cost a client a round trip anyway.
//
// Who may read /metrics (decided, docs/metrics.md): it names tokens (the
// denial counter), so by default only clients connecting from a loopback
// address get it (a Prometheus agent on the same host, or a sidecar);
// everyone else gets 403. `metrics.public=true` opens it to any client
// (for a scraper on a private network). Token labels are capped at
// `max_token_labels` distinct names; further tokens count as "other".
//
// Thread safety: all methods are safe for concurrent use.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "scopereg/api/registry.h"
#include "scopereg/api/routes.h"
#include "scopereg/audit/audit_writer.h"
#include "scopereg/core/metrics.h"
#include "scopereg/http/message.h"
#include "scopereg/http/server.h"

namespace scopereg::api {

struct MetricsOptions {
  bool public_access = false;         // metrics.public
  std::size_t max_token_labels = 100;  // metrics.max_token_labels
};

class ServerMetrics {
 public:
  // `registry` must outlive this object; the families are registered now.
  ServerMetrics(metrics::Registry& registry, MetricsOptions options);

  // Requests by route/method/status, latency by route, bytes in/out by
  // route, and denials by identity. From the server's completion callback.
  void OnRequestComplete(const http::Completion& c);

  // A credential check (events.h LoginEvent): by method, result, reason.
  void OnLogin(std::string_view method, bool success, std::string_view reason);

  // Runs `task` counted in scopereg_uploads_in_progress (a request that
  // uploads blob data: POST/PATCH/PUT on .../blobs/uploads/).
  http::Task<void> TrackUpload(http::Task<void> task);
  static bool IsUploadRequest(const http::Request& req);

  // Exposes the audit writer's counters (queue depth, written, drops, sink
  // errors). `writer` must outlive the metrics registry's scrapes.
  void AddAuditWriter(const audit::AuditWriter& writer, std::size_t queue_capacity);
  // Exposes a gauge of the server's in-flight requests.
  void AddInFlight(std::function<double()> read);

  // The Route::kMetrics handler (GET/HEAD /metrics).
  RouteHandler Handler();

  // The exposition text (what /metrics returns).
  std::string Expose() const { return registry_.Expose(); }

 private:
  static constexpr std::size_t kRoutes = static_cast<std::size_t>(Route::kAcrManifest) + 2;  // + "unknown"
  static constexpr std::size_t kMethods = static_cast<std::size_t>(http::Method::kOther) + 1;
  static constexpr std::size_t kStatuses = 24;  // the codes the registry sends, + one "other" slot

  static std::size_t RouteIndex(std::string_view route_name);
  static std::size_t StatusIndex(int status);
  void CountDenial(std::string_view identity);

  metrics::Registry& registry_;
  const MetricsOptions options_;

  metrics::Family<metrics::Counter>& requests_;
  metrics::Family<metrics::Histogram>& latency_;
  metrics::Family<metrics::Counter>& bytes_in_;
  metrics::Family<metrics::Counter>& bytes_out_;
  metrics::Family<metrics::Counter>& logins_;
  metrics::Family<metrics::Counter>& denials_;
  metrics::Gauge& uploads_;

  // Series looked up once and cached (null until first use).
  std::array<std::atomic<metrics::Counter*>, kRoutes * kMethods * kStatuses> request_series_{};
  std::array<std::atomic<metrics::Histogram*>, kRoutes> latency_series_{};
  std::array<std::atomic<metrics::Counter*>, kRoutes> bytes_in_series_{};
  std::array<std::atomic<metrics::Counter*>, kRoutes> bytes_out_series_{};

  std::mutex denial_mu_;
  std::unordered_map<std::string, metrics::Counter*> denial_series_;  // REQUIRES: denial_mu_
};

}  // namespace scopereg::api
