#pragma once
// The placeholder show, used until the show engine (patch, effects, scenes)
// exists: it lays the analysis out on consecutive DMX channels so a console
// or visualiser shows the lights following the music.
//
// Channel map (1-based DMX channels, N = frame.band_count, at most 64):
//   1..N   band[0..N-1]
//   N+1    energy
//   N+2    peak
//   rest   0
// Each value is a 0..1 meter mapped to 0..255 (rounded, clamped; NaN reads 0).
#include <cstdint>

#include "lumina/dsp/analysis_frame.hpp"
#include "lumina/lighting/dmx_types.hpp"

namespace lumina {

// 0..1 → 0..255, rounded to nearest; out-of-range values clamp, NaN → 0.
// RT-safe: pure arithmetic.
[[nodiscard]] std::uint8_t meter_to_dmx(float value) noexcept;

// Overwrites every channel of `out` per the map above.
// RT-safe: no allocation, no syscalls, bounded loop over 512 channels.
void render_band_show(const AnalysisFrame& frame, DmxUniverseData& out) noexcept;

}  // namespace lumina
