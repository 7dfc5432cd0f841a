// Metrics: counters, gauges and histograms with labels, exposed in the
// Prometheus text format 0.0.4 (what /metrics serves).
//
//   metrics::Registry reg;
//   auto& requests = reg.AddCounter("scopereg_http_requests_total", "Requests served.",
//                                   {"route", "method", "status"});
//   metrics::Counter& c = requests.WithLabels({"manifest", "GET", "200"});  // once; keep the reference
//   c.Inc();                                                                // hot path: one relaxed atomic add
//   std::string text = reg.Expose();
//
// Cost model: a series is a few atomics on their own cache line. Updating a
// series never takes a lock. Looking a series up by its label values
// (WithLabels) takes the family's mutex and allocates on first use, so hot
// paths look each series up once and keep the reference (references stay
// valid for the registry's lifetime; series are never removed).
//
// Label cardinality is the caller's responsibility: every distinct set of
// label values is a series kept forever. Label values that come from users
// (token names) must be capped by the caller (see api/metrics_handler.h).
//
// Names must match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*
// and not start with "__"; a family's name must be unique. Violations are
// programming errors and abort at registration.
//
// Thread safety: everything is safe for concurrent use. Register families
// before serving; Expose may run concurrently with updates (each value is
// read atomically; a scrape is not a consistent snapshot across series).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace scopereg::metrics {

enum class Type : std::uint8_t { kCounter, kGauge, kHistogram };

// A monotonically increasing count.
class Counter {
 public:
  void Inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  alignas(64) std::atomic<std::uint64_t> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void Set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Add(std::int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  void Sub(std::int64_t d) { value_.fetch_sub(d, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  alignas(64) std::atomic<std::int64_t> value_{0};
};

// Observations counted into fixed buckets (upper bounds, inclusive, as
// Prometheus' `le`), plus their sum and count. Buckets are stored
// non-cumulative and summed when exposed, so Observe touches one bucket.
class Histogram {
 public:
  // `bounds` must be sorted ascending, finite, and outlive the histogram
  // (the family owns it).
  explicit Histogram(const std::vector<double>& bounds);

  void Observe(double value);

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot Read() const;

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
  alignas(64) std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 0.5 ms to 60 s: registry requests range from
// sub-millisecond cached manifest GETs to multi-second blob uploads.
std::vector<double> DefaultLatencyBuckets();

// One metric name with its label names and a series per label-value set.
template <typename T>
class Family {
 public:
  // The series for `values` (one per label name, in order), created on
  // first use. Aborts if the number of values differs from the label names.
  T& WithLabels(std::initializer_list<std::string_view> values);
  T& WithLabels(const std::vector<std::string>& values);

 private:
  friend class Registry;
  // `name` and `label_names` are for checking WithLabels calls; the
  // Registry keeps the metadata it exposes.
  Family(std::string name, std::vector<std::string> label_names, std::vector<double> bounds = {})
      : name_(std::move(name)), label_names_(std::move(label_names)), bounds_(std::move(bounds)) {}
  std::unique_ptr<T> Make() const;

  const std::string name_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;  // histograms only
  mutable std::mutex mu_;
  // Ordered, so the exposition is stable.
  std::map<std::vector<std::string>, std::unique_ptr<T>> series_;
};

// A sample produced at scrape time by a callback (values that live
// elsewhere: queue depths, counts kept by another module).
struct Sample {
  std::vector<std::string> label_values;
  double value = 0;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Family<Counter>& AddCounter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Histogram>& AddHistogram(std::string name, std::string help, std::vector<std::string> label_names,
                                  std::vector<double> bounds);

  // A counter or gauge whose samples `collect` appends when scraped. It runs
  // on the scraping thread, must be quick and must not call Expose.
  void AddCallback(std::string name, std::string help, Type type, std::vector<std::string> label_names,
                   std::function<void(std::vector<Sample>&)> collect);
  // Shorthand for an unlabelled gauge read at scrape time.
  void AddGaugeCallback(std::string name, std::string help, std::function<double()> read);

  // Every family in registration order, in the Prometheus text format 0.0.4
  // (Content-Type "text/plain; version=0.0.4; charset=utf-8").
  std::string Expose() const;

 private:
  struct Entry;
  static std::unique_ptr<Entry> NewEntry(std::string name, std::string help, Type type,
                                         std::vector<std::string> label_names);
  void Register(std::unique_ptr<Entry> entry);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

// Appends `v` as a label value: backslash, double quote and line feed
// escaped (exposition format 0.0.4).
void AppendEscapedLabelValue(std::string& out, std::string_view v);
// Formats a sample value: integers without a fraction, "+Inf", "-Inf", "NaN".
std::string FormatValue(double v);

}  // namespace scopereg::metrics
