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

double bpm_value(float value) {
  if (!std::isfinite(value) || value <= 0.0F) return 0.0;
  return std::round(static_cast<double>(value) * 100.0) / 100.0;
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

nlohmann::json dsp_event_payload(const AnalysisFrame& frame, bool beat, bool onset) {
  return {{"kick", meter_value(frame.kick)},
          {"snare", meter_value(frame.snare)},
          {"hihat", meter_value(frame.hihat)},
          {"energy", meter_value(frame.energy)},
          {"bpm", bpm_value(frame.bpm)},
          {"beat", beat},
          {"onset", onset},
          {"beatPhase", meter_value(frame.beat_phase)},
          {"bpmConfidence", meter_value(frame.bpm_confidence)}};
}

nlohmann::json beat_payload(const AnalysisFrame& frame) {
  return {{"bpm", bpm_value(frame.bpm)},
          {"phase", meter_value(frame.beat_phase)},
          {"sampleTime", frame.last_beat_time},
          {"count", frame.beat_count}};
}

}  // namespace lumina::net
