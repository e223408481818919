#include "lumina/dsp/band_layout.hpp"

#include <algorithm>
#include <cmath>

namespace lumina {

std::vector<BinRange> make_band_layout(std::uint32_t bands, std::size_t fft_size, std::uint32_t sample_rate,
                                       BandScale scale) {
  std::vector<BinRange> layout;
  if (bands == 0 || fft_size < 4 || sample_rate == 0) return layout;
  const double bin_hz = static_cast<double>(sample_rate) / static_cast<double>(fft_size);
  const std::size_t bins = fft_size / 2 + 1;
  const double high = std::min<double>(kBandHighHz, 0.95 * sample_rate / 2.0);
  const double low = scale == BandScale::kLog ? std::min<double>(kBandLowHz, high / 2.0) : 0.0;

  auto edge = [&](std::uint32_t k) {
    const double t = static_cast<double>(k) / bands;
    return scale == BandScale::kLog ? low * std::pow(high / low, t) : low + (high - low) * t;
  };
  auto to_bin = [&](double hz) {
    return std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(hz / bin_hz)), 1, bins - 1);
  };

  layout.reserve(bands);
  for (std::uint32_t k = 0; k < bands; ++k) {
    BinRange r;
    r.low_hz = static_cast<float>(edge(k));
    r.high_hz = static_cast<float>(edge(k + 1));
    r.first = to_bin(r.low_hz);
    r.last = std::max(r.first + 1, to_bin(r.high_hz));
    r.last = std::min(r.last, bins);
    if (r.first >= r.last) r.first = r.last - 1;
    layout.push_back(r);
  }
  return layout;
}

}  // namespace lumina
