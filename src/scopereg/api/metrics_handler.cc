#include "scopereg/api/metrics_handler.h"

#include <string>
#include <vector>

#include "scopereg/api/errors.h"

namespace scopereg::api {

namespace {

// The statuses the registry actually sends get a cached series each; any
// other status takes the family's mutex (it is rare by definition).
constexpr int kCachedStatuses[] = {200, 201, 202, 204, 206, 304, 307, 400, 401, 403, 404, 405,
                                   409, 411, 413, 415, 416, 429, 431, 500, 502, 503, 504};

template <typename T, typename MakeLabels>
T& Cached(std::atomic<T*>& slot, metrics::Family<T>& family, MakeLabels&& labels) {
  T* p = slot.load(std::memory_order_acquire);
  if (p != nullptr) return *p;
  // Two threads may race here; WithLabels returns the same series to both.
  p = &family.WithLabels(labels());
  slot.store(p, std::memory_order_release);
  return *p;
}

// 127.0.0.0/8, ::1, and IPv4-mapped 127.x (a dual-stack listener).
bool IsLoopback(std::string_view address) {
  return address.rfind("127.", 0) == 0 || address == "::1" || address.rfind("::ffff:127.", 0) == 0;
}

void PlainText(http::Response& res, int status, std::string body) {
  res.set_status(status);
  res.SetHeader("Content-Type", "text/plain; charset=utf-8");
  res.SetBody(std::move(body));
}

}  // namespace

ServerMetrics::ServerMetrics(metrics::Registry& registry, MetricsOptions options)
    : registry_(registry),
      options_(options),
      requests_(registry.AddCounter("scopereg_http_requests_total", "HTTP requests served, by route, method and status.",
                                    {"route", "method", "status"})),
      latency_(registry.AddHistogram("scopereg_http_request_duration_seconds",
                                     "Time from the request header to the last response byte, by route.", {"route"},
                                     metrics::DefaultLatencyBuckets())),
      bytes_in_(registry.AddCounter("scopereg_http_request_body_bytes_total", "Request body bytes read, by route.",
                                    {"route"})),
      bytes_out_(registry.AddCounter("scopereg_http_response_body_bytes_total",
                                     "Response body bytes written, by route.", {"route"})),
      logins_(registry.AddCounter("scopereg_logins_total",
                                  "Credential checks (token endpoint, Basic/Bearer failures, docker login), by "
                                  "method, result and the real failure reason.",
                                  {"method", "result", "reason"})),
      denials_(registry.AddCounter("scopereg_access_denied_total",
                                   "Requests refused (401/403) to an authenticated caller, by identity; at most "
                                   "metrics.max_token_labels identities, the rest as \"other\".",
                                   {"identity"})),
      uploads_(registry.AddGauge("scopereg_uploads_in_progress",
                                 "Blob upload requests (POST/PATCH/PUT .../blobs/uploads/) being handled now.")
                   .WithLabels({})) {
  registry.AddCallback("scopereg_storage_errors_total",
                       "Requests failed by the blob store or metadata store: kind=unavailable (503, retryable) "
                       "or kind=internal (500).",
                       metrics::Type::kCounter, {"kind"}, [](std::vector<metrics::Sample>& out) {
                         const InternalErrorCounts n = GetInternalErrorCounts();
                         out.push_back({{"unavailable"}, static_cast<double>(n.unavailable)});
                         out.push_back({{"internal"}, static_cast<double>(n.internal)});
                       });
}

std::size_t ServerMetrics::RouteIndex(std::string_view route_name) {
  // ~20 short names, most rejected on the first byte or the length:
  // cheaper than re-matching the path.
  for (std::size_t i = 0; i + 1 < kRoutes; ++i) {
    if (RouteName(static_cast<Route>(i)) == route_name) return i;
  }
  return kRoutes - 1;
}

std::size_t ServerMetrics::StatusIndex(int status) {
  for (std::size_t i = 0; i < std::size(kCachedStatuses); ++i) {
    if (kCachedStatuses[i] == status) return i;
  }
  return kStatuses - 1;
}

void ServerMetrics::OnRequestComplete(const http::Completion& c) {
  const http::Request& req = c.request;
  const std::size_t r = RouteIndex(req.log().route);
  const std::size_t m = static_cast<std::size_t>(req.method());
  const int status = c.response.status();
  const std::size_t s = StatusIndex(status);
  const std::string_view route = r + 1 < kRoutes ? RouteName(static_cast<Route>(r)) : std::string_view("none");
  auto request_labels = [&] {
    return std::vector<std::string>{std::string(route), std::string(http::MethodName(req.method())),
                                    std::to_string(status)};
  };
  auto route_labels = [&] { return std::vector<std::string>{std::string(route)}; };

  if (s + 1 < kStatuses) {
    Cached(request_series_[(r * kMethods + m) * kStatuses + s], requests_, request_labels).Inc();
  } else {
    requests_.WithLabels(request_labels()).Inc();
  }
  Cached(latency_series_[r], latency_, route_labels)
      .Observe(std::chrono::duration<double>(c.duration).count());
  if (c.bytes_in > 0) Cached(bytes_in_series_[r], bytes_in_, route_labels).Inc(c.bytes_in);
  if (c.bytes_out > 0) Cached(bytes_out_series_[r], bytes_out_, route_labels).Inc(c.bytes_out);

  // A failed credential leaves the identity unset; an anonymous 401 is the
  // normal first step of the token dance. What is left is a valid caller
  // refused: missing permission, or a locked tag/manifest.
  if ((status == 401 || status == 403) && !req.log().identity.empty() && req.log().identity != "anonymous") {
    CountDenial(req.log().identity);
  }
}

void ServerMetrics::CountDenial(std::string_view identity) {
  std::lock_guard lock(denial_mu_);
  auto it = denial_series_.find(std::string(identity));
  if (it == denial_series_.end()) {
    // Cap the label set: every name is a series kept forever, and names
    // come from the token list, which operators can grow without bound.
    const bool full = denial_series_.size() >= options_.max_token_labels;
    const std::string key = full ? std::string("other") : std::string(identity);
    it = denial_series_.find(key);
    if (it == denial_series_.end()) it = denial_series_.emplace(key, &denials_.WithLabels({key})).first;
  }
  it->second->Inc();
}

void ServerMetrics::OnLogin(std::string_view method, bool success, std::string_view reason) {
  logins_.WithLabels({method, success ? "success" : "failure", success || reason.empty() ? "none" : reason}).Inc();
}

bool ServerMetrics::IsUploadRequest(const http::Request& req) {
  const http::Method m = req.method();
  if (m != http::Method::kPost && m != http::Method::kPatch && m != http::Method::kPut) return false;
  return req.path().find("/blobs/uploads") != std::string_view::npos;
}

http::Task<void> ServerMetrics::TrackUpload(http::Task<void> task) {
  struct InProgress {
    metrics::Gauge& gauge;
    explicit InProgress(metrics::Gauge& g) : gauge(g) { gauge.Add(1); }
    ~InProgress() { gauge.Sub(1); }
  } in_progress(uploads_);
  co_await std::move(task);
}

void ServerMetrics::AddAuditWriter(const audit::AuditWriter& writer, std::size_t queue_capacity) {
  const audit::AuditWriter* w = &writer;
  registry_.AddGaugeCallback("scopereg_audit_queue_depth",
                             "Data-plane audit events accepted and not yet written or dropped.",
                             [w] { return static_cast<double>(w->stats().pending); });
  registry_.AddGaugeCallback("scopereg_audit_queue_capacity", "audit.queue_capacity.",
                             [queue_capacity] { return static_cast<double>(queue_capacity); });
  registry_.AddCallback("scopereg_audit_events_written_total", "Data-plane audit events written to the store.",
                        metrics::Type::kCounter, {}, [w](std::vector<metrics::Sample>& out) {
                          out.push_back({{}, static_cast<double>(w->stats().written)});
                        });
  registry_.AddCallback(
      "scopereg_audit_events_dropped_total",
      "Data-plane audit events lost: queue_full (the writer fell behind), store_failed (the store refused a batch "
      "after retries), stopped (submitted during shutdown).",
      metrics::Type::kCounter, {"reason"}, [w](std::vector<metrics::Sample>& out) {
        const audit::AuditWriterStats s = w->stats();
        out.push_back({{"queue_full"}, static_cast<double>(s.dropped_queue_full)});
        out.push_back({{"store_failed"}, static_cast<double>(s.dropped_store_failed)});
        out.push_back({{"stopped"}, static_cast<double>(s.dropped_stopped)});
      });
  registry_.AddCallback("scopereg_audit_store_failures_total",
                        "Failed audit store appends, retries included.", metrics::Type::kCounter, {},
                        [w](std::vector<metrics::Sample>& out) {
                          out.push_back({{}, static_cast<double>(w->stats().store_failures)});
                        });
  registry_.AddCallback("scopereg_audit_sink_errors_total",
                        "Failed batch writes to an audit copy (file, syslog), by sink.", metrics::Type::kCounter,
                        {"sink"}, [w](std::vector<metrics::Sample>& out) {
                          for (const auto& [name, n] : w->stats().sink_errors) {
                            out.push_back({{name}, static_cast<double>(n)});
                          }
                        });
}

void ServerMetrics::AddInFlight(std::function<double()> read) {
  registry_.AddGaugeCallback("scopereg_http_requests_in_flight", "Requests being handled now.", std::move(read));
}

RouteHandler ServerMetrics::Handler() {
  return [this](http::Request& req, http::Response& res, const RouteMatch&) -> http::Task<void> {
    if (req.method() != http::Method::kGet && req.method() != http::Method::kHead) {
      PlainText(res, 405, "use GET\n");
      co_return;
    }
    if (!options_.public_access && !IsLoopback(req.remote_address())) {
      // It names tokens; see the decision in the header.
      PlainText(res, 403, "/metrics is served to loopback clients only (set metrics.public=true to change)\n");
      co_return;
    }
    std::string body = registry_.Expose();
    res.set_status(200);
    res.SetHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    if (req.method() == http::Method::kHead) {
      res.SetContentLengthOnly(body.size());
    } else {
      res.SetBody(std::move(body));
    }
  };
}

}  // namespace scopereg::api
