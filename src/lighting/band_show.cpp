#include "lumina/lighting/band_show.hpp"

#include <algorithm>
#include <cmath>

namespace lumina {

static_assert(AnalysisFrame::kMaxBands + 2 <= kDmxChannels, "bands, energy and peak must fit one universe");

// RT-safe: pure arithmetic.
std::uint8_t meter_to_dmx(float value) noexcept {
  // `!(x > 0)` also catches NaN, which would otherwise survive std::clamp.
  if (!(value > 0.0F)) return 0;
  if (value >= 1.0F) return 255;
  return static_cast<std::uint8_t>(std::lround(value * 255.0F));
}

// RT-safe: writes a fixed-size array, no allocation.
void render_band_show(const AnalysisFrame& frame, DmxUniverseData& out) noexcept {
  out.fill(0);
  const std::uint32_t bands = std::min(frame.band_count, AnalysisFrame::kMaxBands);
  for (std::uint32_t i = 0; i < bands; ++i) out[i] = meter_to_dmx(frame.bands[i]);
  // Index `bands` is DMX channel bands+1.
  out[bands] = meter_to_dmx(frame.energy);
  out[bands + 1] = meter_to_dmx(frame.peak);
}

}  // namespace lumina
