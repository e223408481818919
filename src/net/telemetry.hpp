#pragma once
// Encoding of server pushes (A.6, C.4). Each push is encoded once into an
// immutable shared buffer that every subscribed session sends as is.
// Not RT-safe (allocates); io thread only.
#include <string_view>

#include <nlohmann/json.hpp>

#include "lumina/dsp/analysis_frame.hpp"
#include "shared_text.hpp"

namespace lumina::net {

// Stream names equal the pushed message's `type` (A.3).
inline constexpr std::string_view kStreamAudioMeter = "audio_meter";
inline constexpr std::string_view kStreamEngineStatus = "engine_status";

// {"rms","peak","bands":[band_count values]}: every value in 0..1 as the
// contract promises (non-finite → 0), rounded to 1e-5 so float noise does not
// bloat every frame.
nlohmann::json audio_meter_payload(const AnalysisFrame& frame);

// A push envelope: reqId null, `ts` float Unix seconds.
SharedText encode_push(std::string_view type, const nlohmann::json& payload, double ts);

SharedText encode_audio_meter(const AnalysisFrame& frame, double ts);

}  // namespace lumina::net
