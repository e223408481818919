#pragma once
// Maps analysis bands to FFT bin ranges. Log spacing (the default) gives each
// octave region of music similar weight; linear spacing is available.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace lumina {

struct BinRange {
  std::size_t first = 0;  // inclusive
  std::size_t last = 0;   // exclusive; always > first
  float low_hz = 0.0F;
  float high_hz = 0.0F;
};

enum class BandScale { kLog, kLinear };

inline constexpr float kBandLowHz = 30.0F;      // below this is rumble, not music
inline constexpr float kBandHighHz = 16000.0F;  // capped at 0.95 * Nyquist

// Not RT-safe (allocates). Every band gets at least one bin; with few bins
// neighbouring low bands may share one.
std::vector<BinRange> make_band_layout(std::uint32_t bands, std::size_t fft_size, std::uint32_t sample_rate,
                                       BandScale scale = BandScale::kLog);

}  // namespace lumina
