#include "scopereg/core/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace scopereg::metrics {

namespace {

// Misuse of the registration API is a bug in our code, found by the first
// test that starts the server; there is nothing to recover.
[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "metrics: %s\n", what.c_str());
  std::abort();
}

bool ValidName(std::string_view s, bool allow_colon) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

void CheckNames(const std::string& name, const std::vector<std::string>& label_names) {
  if (!ValidName(name, true)) Die("invalid metric name '" + name + "'");
  for (const auto& l : label_names) {
    if (!ValidName(l, false) || l.rfind("__", 0) == 0) Die("invalid label name '" + l + "' in " + name);
  }
}

std::string_view TypeName(Type t) {
  switch (t) {
    case Type::kCounter: return "counter";
    case Type::kGauge: return "gauge";
    case Type::kHistogram: return "histogram";
  }
  return "untyped";
}

// HELP text escapes backslash and line feed (not quotes).
void AppendEscapedHelp(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// {a="x",b="y"} plus an optional extra label (histogram `le`).
void AppendLabels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                  std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    AppendEscapedLabelValue(out, values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void AppendSample(std::string& out, std::string_view name, const std::vector<std::string>& label_names,
                  const std::vector<std::string>& values, double v, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  out += name;
  AppendLabels(out, label_names, values, extra_name, extra_value);
  out += ' ';
  out += FormatValue(v);
  out += '\n';
}

}  // namespace

void AppendEscapedLabelValue(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Counts are integers; print them exactly (up to 2^53) and without an
  // exponent, which is what people grep for.
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
    return std::to_string(static_cast<std::int64_t>(v));
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;  // 64 bytes always hold the shortest round-trip form of a double.
  return std::string(buf, end);
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

// ---- Histogram ----------------------------------------------------------------

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  // First bound >= value: `le` buckets are inclusive.
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.cumulative.resize(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

// ---- Family ----------------------------------------------------------------------

template <>
std::unique_ptr<Counter> Family<Counter>::Make() const {
  return std::make_unique<Counter>();
}
template <>
std::unique_ptr<Gauge> Family<Gauge>::Make() const {
  return std::make_unique<Gauge>();
}
template <>
std::unique_ptr<Histogram> Family<Histogram>::Make() const {
  return std::make_unique<Histogram>(bounds_);
}

template <typename T>
T& Family<T>::WithLabels(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) {
    Die(name_ + ": expected " + std::to_string(label_names_.size()) + " label values, got " +
        std::to_string(values.size()));
  }
  std::lock_guard lock(mu_);
  auto& slot = series_[values];
  if (!slot) slot = Make();
  return *slot;
}

template <typename T>
T& Family<T>::WithLabels(std::initializer_list<std::string_view> values) {
  std::vector<std::string> v;
  v.reserve(values.size());
  for (auto s : values) v.emplace_back(s);
  return WithLabels(v);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- Registry ----------------------------------------------------------------------

struct Registry::Entry {
  std::string name;
  std::string help;
  Type type = Type::kCounter;
  std::vector<std::string> label_names;
  // Exactly one of these is set.
  std::unique_ptr<Family<Counter>> counters;
  std::unique_ptr<Family<Gauge>> gauges;
  std::unique_ptr<Family<Histogram>> histograms;
  std::function<void(std::vector<Sample>&)> collect;

  void Expose(std::string& out) const;
};

void Registry::Entry::Expose(std::string& out) const {
  out += "# HELP ";
  out += name;
  out += ' ';
  AppendEscapedHelp(out, help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += TypeName(type);
  out += '\n';
  if (counters) {
    std::lock_guard lock(counters->mu_);
    for (const auto& [values, c] : counters->series_) {
      AppendSample(out, name, label_names, values, static_cast<double>(c->value()));
    }
  } else if (gauges) {
    std::lock_guard lock(gauges->mu_);
    for (const auto& [values, g] : gauges->series_) {
      AppendSample(out, name, label_names, values, static_cast<double>(g->value()));
    }
  } else if (histograms) {
    std::lock_guard lock(histograms->mu_);
    const std::vector<double>& bounds = histograms->bounds_;
    std::vector<std::string> le;
    for (double b : bounds) le.push_back(FormatValue(b));
    le.emplace_back("+Inf");
    const std::string bucket = name + "_bucket";
    for (const auto& [values, h] : histograms->series_) {
      const Histogram::Snapshot s = h->Read();
      for (std::size_t i = 0; i < le.size(); ++i) {
        AppendSample(out, bucket, label_names, values, static_cast<double>(s.cumulative[i]), "le", le[i]);
      }
      AppendSample(out, name + "_sum", label_names, values, s.sum);
      AppendSample(out, name + "_count", label_names, values, static_cast<double>(s.count));
    }
  } else if (collect) {
    std::vector<Sample> samples;
    collect(samples);
    for (const auto& s : samples) AppendSample(out, name, label_names, s.label_values, s.value);
  }
}

Registry::Registry() = default;
Registry::~Registry() = default;

void Registry::Register(std::unique_ptr<Entry> entry) {
  CheckNames(entry->name, entry->label_names);
  std::lock_guard lock(mu_);
  for (const auto& e : entries_) {
    if (e->name == entry->name) Die("metric '" + entry->name + "' registered twice");
  }
  entries_.push_back(std::move(entry));
}

std::unique_ptr<Registry::Entry> Registry::NewEntry(std::string name, std::string help, Type type,
                                                   std::vector<std::string> label_names) {
  auto e = std::make_unique<Entry>();
  e->name = std::move(name);
  e->help = std::move(help);
  e->type = type;
  e->label_names = std::move(label_names);
  return e;
}

Family<Counter>& Registry::AddCounter(std::string name, std::string help, std::vector<std::string> label_names) {
  auto e = NewEntry(std::move(name), std::move(help), Type::kCounter, std::move(label_names));
  e->counters.reset(new Family<Counter>(e->name, e->label_names));
  Family<Counter>& f = *e->counters;
  Register(std::move(e));
  return f;
}

Family<Gauge>& Registry::AddGauge(std::string name, std::string help, std::vector<std::string> label_names) {
  auto e = NewEntry(std::move(name), std::move(help), Type::kGauge, std::move(label_names));
  e->gauges.reset(new Family<Gauge>(e->name, e->label_names));
  Family<Gauge>& f = *e->gauges;
  Register(std::move(e));
  return f;
}

Family<Histogram>& Registry::AddHistogram(std::string name, std::string help, std::vector<std::string> label_names,
                                          std::vector<double> bounds) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      Die(name + ": histogram bounds must be finite and strictly increasing");
    }
  }
  for (const auto& l : label_names) {
    if (l == "le") Die(name + ": 'le' is reserved for histogram buckets");
  }
  auto e = NewEntry(std::move(name), std::move(help), Type::kHistogram, std::move(label_names));
  e->histograms.reset(new Family<Histogram>(e->name, e->label_names, std::move(bounds)));
  Family<Histogram>& f = *e->histograms;
  Register(std::move(e));
  return f;
}

void Registry::AddCallback(std::string name, std::string help, Type type, std::vector<std::string> label_names,
                           std::function<void(std::vector<Sample>&)> collect) {
  if (type == Type::kHistogram) Die(name + ": callback metrics are counters or gauges");
  auto e = NewEntry(std::move(name), std::move(help), type, std::move(label_names));
  e->collect = std::move(collect);
  Register(std::move(e));
}

void Registry::AddGaugeCallback(std::string name, std::string help, std::function<double()> read) {
  AddCallback(std::move(name), std::move(help), Type::kGauge, {},
              [read = std::move(read)](std::vector<Sample>& out) { out.push_back(Sample{{}, read()}); });
}

std::string Registry::Expose() const {
  std::string out;
  out.reserve(16 * 1024);
  std::lock_guard lock(mu_);
  for (const auto& e : entries_) e->Expose(out);
  return out;
}

}  // namespace scopereg::metrics
