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
  float rms = 0.0F;      // meter 0..1 (meterFloorDb..0 dBFS, smoothed)
  float peak = 0.0F;     // meter 0..1 (instant attack, decaying release)
  float rms_db = -120.0F;   // unsmoothed dBFS of this hop (full-scale sine = 0 dBFS)
  float peak_db = -120.0F;  // unsmoothed sample peak of this hop in dBFS
  float energy = 0.0F;   // 0..1 loudness for lighting (= smoothed rms meter for now)
  std::array<float, kMaxBands> bands{};  // meters 0..1, band_count entries used
};
static_assert(std::is_trivially_copyable_v<AnalysisFrame>);

}  // namespace lumina
