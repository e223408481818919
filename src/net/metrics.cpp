#include "metrics.hpp"

#include <spdlog/spdlog.h>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace lumina::net {
namespace {

const char* type_text(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// {a="x",b="y"} with an optional extra label (histogram `le`) last.
std::string label_text(const std::vector<std::pair<std::string, std::string>>& labels, std::string_view extra_name = {},
                       std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return {};
  std::string out = "{";
  bool first = true;
  const auto append = [&](std::string_view name, std::string_view value, bool sanitized) {
    if (!first) out += ',';
    first = false;
    out += sanitized ? std::string(name) : sanitize_metric_name(name, true);
    out += "=\"";
    out += escape_label_value(value);
    out += '"';
  };
  for (const auto& [name, value] : labels) append(name, value, false);
  if (!extra_name.empty()) append(extra_name, extra_value, true);
  out += '}';
  return out;
}

void append_line(std::string& out, std::string_view name, std::string_view suffix, const std::string& labels,
                 double value) {
  out += name;
  out += suffix;
  out += labels;
  out += ' ';
  out += format_value(value);
  out += '\n';
}

void append_sample(std::string& out, const std::string& name, const MetricSample& sample) {
  if (sample.type != MetricType::kHistogram) {
    append_line(out, name, "", label_text(sample.labels), sample.value);
    return;
  }
  std::uint64_t cumulative = 0;
  bool has_inf = false;
  for (const auto& bucket : sample.buckets) {
    cumulative += bucket.count;
    has_inf = std::isinf(bucket.le) && bucket.le > 0;
    append_line(out, name, "_bucket", label_text(sample.labels, "le", format_value(bucket.le)),
                static_cast<double>(cumulative));
  }
  if (!has_inf) {
    append_line(out, name, "_bucket", label_text(sample.labels, "le", "+Inf"), static_cast<double>(cumulative));
  }
  if (!std::isnan(sample.sum)) append_line(out, name, "_sum", label_text(sample.labels), sample.sum);
  append_line(out, name, "_count", label_text(sample.labels), static_cast<double>(cumulative));
}

}  // namespace

std::string sanitize_metric_name(std::string_view text, bool label) {
  std::string out;
  out.reserve(text.size() + 1);
  if (text.empty() || (text.front() >= '0' && text.front() <= '9')) out += '_';
  for (const char c : text) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || (c == ':' && !label);
    out += ok ? c : '_';
  }
  return out;
}

std::string escape_label_value(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  // Counters are integers: print them as such (up to 2^53, where doubles stop being exact).
  if (std::trunc(value) == value && std::fabs(value) < 9007199254740992.0) {
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::int64_t>(value));
    if (ec == std::errc{}) return std::string(buffer, end);
  }
  // %g-style shortest round trip: 0.0001 stays 0.0001, 2.5e-05 is exponential.
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general);
  if (ec != std::errc{}) return "NaN";
  return std::string(buffer, end);
}

std::string format_prometheus(const std::vector<MetricSample>& samples) {
  // Families in order of first appearance; each keeps the indices of its samples.
  struct Family {
    std::string name;
    const MetricSample* first = nullptr;
    std::vector<const MetricSample*> members;
  };
  std::vector<Family> families;
  std::map<std::string, std::size_t, std::less<>> index;
  for (const auto& sample : samples) {
    std::string name = sanitize_metric_name(sample.name, false);
    auto it = index.find(name);
    if (it == index.end()) {
      it = index.emplace(name, families.size()).first;
      families.push_back(Family{std::move(name), &sample, {}});
    }
    Family& family = families[it->second];
    if (sample.type != family.first->type) {
      spdlog::warn("metrics: '{}' given as {} after {}; sample left out", family.name, type_text(sample.type),
                   type_text(family.first->type));
      continue;
    }
    family.members.push_back(&sample);
  }
  std::string out;
  out.reserve(samples.size() * 96);
  for (const auto& family : families) {
    out += "# HELP ";
    out += family.name;
    out += ' ';
    out += escape_help(family.first->help);
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += type_text(family.first->type);
    out += '\n';
    for (const auto* sample : family.members) append_sample(out, family.name, *sample);
  }
  return out;
}

void LabelCounter::add(std::string_view label, std::uint64_t n) {
  auto it = values_.find(label);
  if (it == values_.end()) {
    if (values_.size() >= kMaxLabels) label = "other";
    it = values_.try_emplace(std::string(label), 0).first;
  }
  it->second += n;
}

std::uint64_t LabelCounter::get(std::string_view label) const {
  const auto it = values_.find(label);
  return it == values_.end() ? 0 : it->second;
}

std::uint64_t LabelCounter::total() const {
  std::uint64_t sum = 0;
  for (const auto& [label, value] : values_) sum += value;
  return sum;
}

}  // namespace lumina::net
