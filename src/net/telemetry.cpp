#include "telemetry.hpp"

#include <algorithm>
#include <cmath>

#include "protocol.hpp"

namespace lumina::net {
namespace {

double meter_value(float value) {
  if (!std::isfinite(value)) return 0.0;
  const double clamped = std::clamp(static_cast<double>(value), 0.0, 1.0);
  return std::round(clamped * 1e5) / 1e5;
}

}  // namespace

nlohmann::json audio_meter_payload(const AnalysisFrame& frame) {
  const auto count = std::min<std::uint32_t>(frame.band_count, AnalysisFrame::kMaxBands);
  nlohmann::json bands = nlohmann::json::array();
  for (std::uint32_t i = 0; i < count; ++i) bands.push_back(meter_value(frame.bands[i]));
  return {{"rms", meter_value(frame.rms)}, {"peak", meter_value(frame.peak)}, {"bands", std::move(bands)}};
}

SharedText encode_push(std::string_view type, const nlohmann::json& payload, double ts) {
  return make_shared_text(encode_message(type, payload, nullptr, ts));
}

SharedText encode_audio_meter(const AnalysisFrame& frame, double ts) {
  return encode_push(kStreamAudioMeter, audio_meter_payload(frame), ts);
}

}  // namespace lumina::net
