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
inline constexpr std::string_view kStreamDspEvent = "dsp_event";
inline constexpr std::string_view kStreamBeat = "beat";

// {"rms","peak","bands":[band_count values]}: every value in 0..1 as the
// contract promises (non-finite → 0), rounded to 1e-5 so float noise does not
// bloat every frame.
nlohmann::json audio_meter_payload(const AnalysisFrame& frame);

// A push envelope: reqId null, `ts` float Unix seconds.
SharedText encode_push(std::string_view type, const nlohmann::json& payload, double ts);

SharedText encode_audio_meter(const AnalysisFrame& frame, double ts);

// dsp_event (A.6 + C.1): {kick, snare, hihat, energy, bpm, beat, onset,
// beatPhase, bpmConfidence}. `beat`/`onset`: one occurred since the previous
// dsp_event (the caller compares the frame's counters, since it polls at the
// telemetry rate, not per hop). 0..1 values clamped and rounded like meters;
// bpm ≥ 0 rounded to 0.01 (non-finite → 0).
nlohmann::json dsp_event_payload(const AnalysisFrame& frame, bool beat, bool onset);

// beat (C.1): {bpm, phase, sampleTime, count}; sampleTime is the sample-clock
// index of the latest beat, count the beats since the analysis started.
nlohmann::json beat_payload(const AnalysisFrame& frame);

}  // namespace lumina::net
