#pragma once
// GET /metrics: Prometheus text exposition format 0.0.4, and the bounded
// per-label counters the net module keeps for it. io thread only; not RT-safe.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lumina/net/server.hpp"

namespace lumina::net {

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// Formats samples grouped into families by name, in order of first
// appearance: "# HELP", "# TYPE", then one line per sample (histograms:
// cumulative _bucket lines, _sum, _count). A sample whose type differs from
// its family's first sample is left out (Prometheus would reject the page).
std::string format_prometheus(const std::vector<MetricSample>& samples);

// `text` with characters outside [a-zA-Z0-9_:] replaced by '_' and a leading
// digit prefixed with '_' (label names: ':' is replaced too).
std::string sanitize_metric_name(std::string_view text, bool label);
// Label values: backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view text);
// HELP text: backslash and newline escaped.
std::string escape_help(std::string_view text);
// Shortest round-trip text; NaN, +Inf, -Inf as Prometheus spells them.
std::string format_value(double value);

// Counts by label value with a bound on distinct values: the labels come from
// server-chosen names, but a bound keeps a bug from growing /metrics without
// end; values past it count under "other".
class LabelCounter {
 public:
  static constexpr std::size_t kMaxLabels = 128;

  void add(std::string_view label, std::uint64_t n = 1);
  std::uint64_t get(std::string_view label) const;
  std::uint64_t total() const;
  const std::map<std::string, std::uint64_t, std::less<>>& values() const noexcept { return values_; }

 private:
  std::map<std::string, std::uint64_t, std::less<>> values_;
};

}  // namespace lumina::net
