#include "scopereg/core/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace scopereg::metrics {
namespace {

TEST(MetricsTest, CounterExpositionHasHelpTypeAndSortedSeries) {
  Registry reg;
  auto& f = reg.AddCounter("scopereg_test_total", "Things counted.", {"route", "status"});
  f.WithLabels({"manifest", "200"}).Inc(3);
  f.WithLabels({"blob", "404"}).Inc();
  EXPECT_EQ(reg.Expose(),
            "# HELP scopereg_test_total Things counted.\n"
            "# TYPE scopereg_test_total counter\n"
            "scopereg_test_total{route=\"blob\",status=\"404\"} 1\n"
            "scopereg_test_total{route=\"manifest\",status=\"200\"} 3\n");
}

TEST(MetricsTest, WithLabelsReturnsTheSameSeries) {
  Registry reg;
  auto& f = reg.AddCounter("c_total", "c", {"a"});
  Counter& one = f.WithLabels({"x"});
  Counter& two = f.WithLabels({"x"});
  EXPECT_EQ(&one, &two);
  EXPECT_NE(&one, &f.WithLabels({"y"}));
}

TEST(MetricsTest, UnlabelledGaugeAndCallbacks) {
  Registry reg;
  auto& g = reg.AddGauge("queue_depth", "Depth.");
  g.WithLabels({}).Set(7);
  g.WithLabels({}).Sub(2);
  reg.AddGaugeCallback("in_flight", "Now.", [] { return 4.0; });
  reg.AddCallback("dropped_total", "Dropped.", Type::kCounter, {"reason"}, [](std::vector<Sample>& out) {
    out.push_back({{"queue_full"}, 12});
    out.push_back({{"store_failed"}, 0});
  });
  const std::string text = reg.Expose();
  EXPECT_NE(text.find("# TYPE queue_depth gauge\nqueue_depth 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE in_flight gauge\nin_flight 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE dropped_total counter\n"
                      "dropped_total{reason=\"queue_full\"} 12\n"
                      "dropped_total{reason=\"store_failed\"} 0\n"),
            std::string::npos)
      << text;
}

TEST(MetricsTest, LabelValuesAndHelpAreEscaped) {
  Registry reg;
  auto& f = reg.AddCounter("esc_total", "Line one\\two\nthree \"quoted\"", {"v"});
  f.WithLabels({"a\"b\\c\nd"}).Inc();
  const std::string text = reg.Expose();
  // HELP escapes backslash and newline only; label values also the quote.
  EXPECT_NE(text.find("# HELP esc_total Line one\\\\two\\nthree \"quoted\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("esc_total{v=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndInclusive) {
  Registry reg;
  auto& f = reg.AddHistogram("lat_seconds", "Latency.", {"route"}, {0.25, 1, 10});
  Histogram& h = f.WithLabels({"manifest"});
  h.Observe(0.125);
  h.Observe(0.25);  // le is inclusive: counts in the 0.25 bucket
  h.Observe(0.5);
  h.Observe(100);  // only +Inf
  const std::string text = reg.Expose();
  EXPECT_NE(text.find("# TYPE lat_seconds histogram\n"
                      "lat_seconds_bucket{route=\"manifest\",le=\"0.25\"} 2\n"
                      "lat_seconds_bucket{route=\"manifest\",le=\"1\"} 3\n"
                      "lat_seconds_bucket{route=\"manifest\",le=\"10\"} 3\n"
                      "lat_seconds_bucket{route=\"manifest\",le=\"+Inf\"} 4\n"
                      "lat_seconds_sum{route=\"manifest\"} 100.875\n"
                      "lat_seconds_count{route=\"manifest\"} 4\n"),
            std::string::npos)
      << text;
}

TEST(MetricsTest, UnlabelledHistogramHasOnlyLe) {
  Registry reg;
  auto& f = reg.AddHistogram("h", "H.", {}, {1});
  f.WithLabels({}).Observe(2);
  const std::string text = reg.Expose();
  EXPECT_NE(text.find("h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\nh_sum 2\nh_count 1\n"), std::string::npos)
      << text;
}

TEST(MetricsTest, FormatValue) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(12345678901.0), "12345678901");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(FormatValue(0.0 / 0.0), "NaN");
}

TEST(MetricsTest, ConcurrentIncrementsAreNotLost) {
  Registry reg;
  Counter& c = reg.AddCounter("n_total", "n").WithLabels({});
  Histogram& h = reg.AddHistogram("d", "d", {}, DefaultLatencyBuckets()).WithLabels({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100000; ++i) {
        c.Inc();
        h.Observe(0.001);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 400000u);
  EXPECT_EQ(h.Read().count, 400000u);
}

TEST(MetricsDeathTest, MisuseAborts) {
  EXPECT_DEATH(
      {
        Registry reg;
        reg.AddCounter("bad-name", "x");
      },
      "invalid metric name");
  EXPECT_DEATH(
      {
        Registry reg;
        reg.AddCounter("dup", "x");
        reg.AddCounter("dup", "y");
      },
      "registered twice");
  EXPECT_DEATH(
      {
        Registry reg;
        reg.AddCounter("c", "x", {"a", "b"}).WithLabels({"only-one"});
      },
      "expected 2 label values");
}

}  // namespace
}  // namespace scopereg::metrics
