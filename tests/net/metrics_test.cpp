#include "net/metrics.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace lumina::net {
namespace {

MetricSample make(std::string name, MetricType type, double value,
                  std::vector<std::pair<std::string, std::string>> labels = {}, std::string help = "h") {
  MetricSample sample;
  sample.name = std::move(name);
  sample.help = std::move(help);
  sample.type = type;
  sample.value = value;
  sample.labels = std::move(labels);
  return sample;
}

TEST(Metrics, CounterAndGauge) {
  const std::string text = format_prometheus({make("lumina_xruns_total", MetricType::kCounter, 3, {}, "Xruns."),
                                              make("lumina_load", MetricType::kGauge, 0.25, {}, "Load.")});
  EXPECT_EQ(text,
            "# HELP lumina_xruns_total Xruns.\n"
            "# TYPE lumina_xruns_total counter\n"
            "lumina_xruns_total 3\n"
            "# HELP lumina_load Load.\n"
            "# TYPE lumina_load gauge\n"
            "lumina_load 0.25\n");
}

TEST(Metrics, SamplesOfOneNameShareOneHeaderInFirstAppearanceOrder) {
  const std::string text = format_prometheus({make("m_total", MetricType::kCounter, 1, {{"type", "a"}}),
                                              make("other", MetricType::kGauge, 2),
                                              make("m_total", MetricType::kCounter, 5, {{"type", "b"}})});
  EXPECT_EQ(text,
            "# HELP m_total h\n# TYPE m_total counter\n"
            "m_total{type=\"a\"} 1\n"
            "m_total{type=\"b\"} 5\n"
            "# HELP other h\n# TYPE other gauge\n"
            "other 2\n");
}

TEST(Metrics, ConflictingTypeIsLeftOut) {
  const std::string text =
      format_prometheus({make("m", MetricType::kCounter, 1), make("m", MetricType::kGauge, 2, {{"x", "y"}})});
  EXPECT_EQ(text, "# HELP m h\n# TYPE m counter\nm 1\n");
}

TEST(Metrics, HistogramIsCumulativeWithInfSumAndCount) {
  MetricSample histogram = make("lumina_callback_seconds", MetricType::kHistogram, 0, {{"backend", "null"}}, "CB.");
  histogram.buckets = {{0.000025, 10}, {0.00005, 5}, {0.0001, 0}};
  histogram.sum = 0.0004;
  EXPECT_EQ(format_prometheus({histogram}),
            "# HELP lumina_callback_seconds CB.\n"
            "# TYPE lumina_callback_seconds histogram\n"
            "lumina_callback_seconds_bucket{backend=\"null\",le=\"2.5e-05\"} 10\n"
            "lumina_callback_seconds_bucket{backend=\"null\",le=\"5e-05\"} 15\n"
            "lumina_callback_seconds_bucket{backend=\"null\",le=\"0.0001\"} 15\n"
            "lumina_callback_seconds_bucket{backend=\"null\",le=\"+Inf\"} 15\n"
            "lumina_callback_seconds_sum{backend=\"null\"} 0.0004\n"
            "lumina_callback_seconds_count{backend=\"null\"} 15\n");
}

TEST(Metrics, HistogramWithExplicitInfBucketAndNoSum) {
  MetricSample histogram = make("h", MetricType::kHistogram, 0);
  histogram.buckets = {{25, 2}, {std::numeric_limits<double>::infinity(), 1}};
  EXPECT_EQ(format_prometheus({histogram}),
            "# HELP h h\n# TYPE h histogram\n"
            "h_bucket{le=\"25\"} 2\n"
            "h_bucket{le=\"+Inf\"} 3\n"
            "h_count 3\n");
}

TEST(Metrics, EscapingRules) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(escape_help("line\\one\nline \"two\""), "line\\\\one\\nline \"two\"");
  const std::string text =
      format_prometheus({make("m", MetricType::kGauge, 1, {{"path", "C:\\x \"y\"\n"}}, "multi\nline")});
  EXPECT_EQ(text, "# HELP m multi\\nline\n# TYPE m gauge\nm{path=\"C:\\\\x \\\"y\\\"\\n\"} 1\n");
}

TEST(Metrics, InvalidNamesAreSanitized) {
  EXPECT_EQ(sanitize_metric_name("lumina.dmx-ticks", false), "lumina_dmx_ticks");
  EXPECT_EQ(sanitize_metric_name("9lives", false), "_9lives");
  EXPECT_EQ(sanitize_metric_name("a:b", false), "a:b");
  EXPECT_EQ(sanitize_metric_name("a:b", true), "a_b");
  EXPECT_EQ(sanitize_metric_name("", false), "_");
  const std::string text = format_prometheus({make("bad name", MetricType::kGauge, 1, {{"bad-label", "v"}})});
  EXPECT_EQ(text, "# HELP bad_name h\n# TYPE bad_name gauge\nbad_name{bad_label=\"v\"} 1\n");
}

TEST(Metrics, SpecialAndLargeValues) {
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(12345678901234.0), "12345678901234");
  EXPECT_EQ(format_value(-1.5), "-1.5");
  EXPECT_EQ(std::stod(format_value(0.1)), 0.1);
}

TEST(Metrics, EmptyInputIsEmptyPage) { EXPECT_EQ(format_prometheus({}), ""); }

TEST(LabelCounter, CountsAndBoundsDistinctLabels) {
  LabelCounter counter;
  counter.add("ack");
  counter.add("ack", 2);
  EXPECT_EQ(counter.get("ack"), 3U);
  for (std::size_t i = 0; i < LabelCounter::kMaxLabels + 50; ++i) counter.add("t" + std::to_string(i));
  EXPECT_LE(counter.values().size(), LabelCounter::kMaxLabels + 1);
  EXPECT_GT(counter.get("other"), 0U);
  EXPECT_EQ(counter.total(), 3U + LabelCounter::kMaxLabels + 50);
}

}  // namespace
}  // namespace lumina::net
