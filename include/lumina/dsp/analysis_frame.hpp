#pragma once
// One analysis result per hop, published by the analysis thread through a
// LatestValue<AnalysisFrame> that the DMX and network threads read.
#include <array>
#include <cstdint>
#include <type_traits>

namespace lumina {

struct AnalysisFrame {
  static constexpr std::uint32_t kMaxBands = 64;
  std::uint64_t sample_time = 0;  // sample-clock index just past the hop this frame covers
  std::int64_t captured_ns = 0;   // CLOCK_MONOTONIC when the newest audio of this hop was captured
  std::uint32_t sample_rate = 0;
  std::uint32_t band_count = 0;
  float rms = 0.0F;                      // meter 0..1 (meterFloorDb..0 dBFS, smoothed)
  float peak = 0.0F;                     // meter 0..1 (instant attack, decaying release)
  float rms_db = -120.0F;                // unsmoothed dBFS of this hop (full-scale sine = 0 dBFS)
  float peak_db = -120.0F;               // unsmoothed sample peak of this hop in dBFS
  float energy = 0.0F;                   // 0..1 loudness for lighting (= smoothed rms meter)
  std::array<float, kMaxBands> bands{};  // meters 0..1, band_count entries used

  // Onsets and beats (filled by the onset/tempo/beat analysis). Consumers that
  // poll the latest frame at their own rate detect events by the counters
  // changing, so no event is lost between two polls.
  float kick = 0.0F;                  // 0..1 onset strength, low band
  float snare = 0.0F;                 // 0..1 onset strength, mid band
  float hihat = 0.0F;                 // 0..1 onset strength, high band
  float onset_strength = 0.0F;        // 0..1 full-band onset detection function, normalised
  bool onset = false;                 // an onset was detected in this hop
  bool beat = false;                  // a beat fell in this hop
  float bpm = 0.0F;                   // current tempo estimate, 0 = unknown
  float bpm_confidence = 0.0F;        // 0..1; falls in silence or beatless material
  float beat_phase = 0.0F;            // 0..1 position within the current beat (0 = on the beat)
  std::uint64_t onset_count = 0;      // onsets since start
  std::uint64_t beat_count = 0;       // beats since start
  std::uint64_t last_onset_time = 0;  // sample-clock index of the latest onset
  std::uint64_t last_beat_time = 0;   // sample-clock index of the latest beat

  // Added by the analysis issue.
  std::uint64_t next_beat_time = 0;  // predicted sample-clock index of the next beat, 0 = none
                                     // (lets a consumer schedule ahead of its own latency)
  std::uint64_t kick_count = 0;      // per-band onsets since start (low / mid / high)
  std::uint64_t snare_count = 0;
  std::uint64_t hihat_count = 0;
  float auto_gain_db = 0.0F;  // gain the automatic gain control applies to the meters
};
static_assert(std::is_trivially_copyable_v<AnalysisFrame>);

}  // namespace lumina
