#include "dsp_control.hpp"

#include <algorithm>
#include <bit>
#include <optional>
#include <string>
#include <vector>

#include "lumina/core/config.hpp"
#include "lumina/core/json_integer.hpp"

namespace lumina {
namespace {

using json = nlohmann::json;

std::optional<std::int64_t> integer_field(const json& payload, const char* name, std::int64_t lo, std::int64_t hi,
                                          std::string& error) {
  if (!payload.contains(name)) return std::nullopt;
  const json& v = payload[name];
  // 12.0 counts as 12, as it does for legacy writes.
  const std::optional<std::int64_t> value = json_integer(v);
  if (!value || *value < lo || *value > hi) {
    error = "field '" + std::string(name) + "' must be an integer in " + std::to_string(lo) + ".." +
            std::to_string(hi) + ", got " + v.dump();
    return std::nullopt;
  }
  return value;
}

std::optional<double> number_field(const json& payload, const char* name, double lo, double hi, std::string& error) {
  if (!payload.contains(name)) return std::nullopt;
  const json& v = payload[name];
  if (!v.is_number() || v.get<double>() < lo || v.get<double>() > hi) {
    error = "field '" + std::string(name) + "' must be a number in " + json(lo).dump() + ".." + json(hi).dump() +
            ", got " + v.dump();
  }
  return error.empty() ? std::optional(v.get<double>()) : std::nullopt;
}

std::optional<bool> bool_field(const json& payload, const char* name, std::string& error) {
  if (!payload.contains(name)) return std::nullopt;
  const json& v = payload[name];
  if (!v.is_boolean()) error = "field '" + std::string(name) + "' must be true or false, got " + v.dump();
  return error.empty() ? std::optional(v.get<bool>()) : std::nullopt;
}

}  // namespace

void register_dsp_handlers(ServerHooks& hooks, DspControl control) {
  hooks.handlers["dsp_set_params"] = [control](const json& payload, ControlReply& reply) {
    // Validate everything first; apply only when all of it is valid.
    std::string error;
    auto fail = [&]() {
      reply.error("BAD_PAYLOAD", error);
      return;
    };
    const auto bands = integer_field(payload, "bands", 1, 64, error);
    if (!error.empty()) return fail();
    const auto fft_size = integer_field(payload, "fftSize", 256, 8192, error);
    if (!error.empty()) return fail();
    if (fft_size && !std::has_single_bit(static_cast<std::uint64_t>(*fft_size))) {
      error = "field 'fftSize' must be a power of two in 256..8192, got " + std::to_string(*fft_size);
      return fail();
    }
    // `block` is the analysis block (hop) in frames: the rate of analysis frames.
    const auto block = integer_field(payload, "block", 64, 8192, error);
    if (!error.empty()) return fail();
    const auto fps = integer_field(payload, "fps", Config::Telemetry::kMinFps, Config::Telemetry::kMaxFps, error);
    if (!error.empty()) return fail();
    const auto gain = number_field(payload, "analysisGain", 0.1, 1000.0, error);
    if (!error.empty()) return fail();
    const auto gate = number_field(payload, "gateRms", 0.0, 1.0, error);
    if (!error.empty()) return fail();
    const auto monitor = bool_field(payload, "monitor", error);
    if (!error.empty()) return fail();
    const auto mock = bool_field(payload, "mockEvents", error);
    if (!error.empty()) return fail();
    if (mock && *mock) {
      error = "field 'mockEvents': luminad reports only real analysis; mock events are not supported (send false)";
      return fail();
    }
    std::vector<std::string> ignored;
    for (auto it = payload.begin(); it != payload.end(); ++it) {
      static const std::vector<std::string> kKnown{"bands", "fftSize", "block", "fps", "analysisGain", "gateRms",
                                                   "monitor", "mockEvents"};
      if (std::find(kKnown.begin(), kKnown.end(), it.key()) == kKnown.end()) ignored.push_back(it.key());
    }

    AnalyzerParams params = control.analysis->params();
    if (bands) params.bands = static_cast<std::uint32_t>(*bands);
    if (fft_size) params.fft_size = static_cast<std::uint32_t>(*fft_size);
    if (block) params.hop = static_cast<std::uint32_t>(*block);
    if (gain) params.analysis_gain = *gain;
    if (gate) params.gate_rms = *gate;
    const bool analysis_changed = bands || fft_size || block || gain || gate;
    // The cross-field rule, named by the field the client sent.
    if (params.hop > params.fft_size) {
      error = block ? "field 'block' must be in 64..fftSize (" + std::to_string(params.fft_size) + "), got " +
                          std::to_string(*block)
                    : "field 'fftSize' must be at least the analysis block (block " + std::to_string(params.hop) +
                          "), got " + std::to_string(params.fft_size);
      return fail();
    }
    if (analysis_changed) {
      // The analysis checks every rule again (and names its own fields).
      if (auto invalid = validate_analyzer_params(params)) {
        error = *invalid;
        return fail();
      }
    }
    if (fps && !control.set_telemetry_fps) {
      error = "field 'fps': the telemetry rate cannot be changed at run time";
      return fail();
    }
    // Apply. The analysis builds its new plans off the realtime thread and swaps at a hop boundary.
    if (analysis_changed) {
      if (auto rejected = control.analysis->set_params(params)) {
        error = *rejected;
        return fail();
      }
    }
    // Fails only while the server stops; said rather than acked.
    if (fps && !control.set_telemetry_fps(static_cast<std::uint32_t>(*fps))) {
      error = "field 'fps': the telemetry rate cannot be changed now (the server is stopping)";
      reply.error("UNAVAILABLE", error);
      return;
    }
    if (monitor) control.audio->set_monitor(*monitor);
    json extra = json::object();
    if (!ignored.empty()) extra["ignored"] = ignored;
    reply.ack(extra);
  };
}

}  // namespace lumina
