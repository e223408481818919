#include "lumina/audio/demo_source.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace lumina {
namespace {

TEST(DemoSource, RendersWholeBarsAtTheRequestedRate) {
  const auto audio = render_demo_pattern(48000, {120.0, 4});
  EXPECT_EQ(audio.size(), 48000U * 8) << "4 bars of 4 beats at 120 BPM = 8 s";
}

TEST(DemoSource, PeaksNearMinus3DbfsWithoutClipping) {
  const auto audio = render_demo_pattern(44100);
  float peak = 0;
  for (float v : audio) peak = std::max(peak, std::fabs(v));
  EXPECT_NEAR(peak, 0.708F, 0.01F);
}

TEST(DemoSource, HasAKickOnEveryBeat) {
  // Energy in the first 50 ms after each beat is far above the 50 ms before it.
  const std::uint32_t sr = 48000;
  const auto audio = render_demo_pattern(sr);
  const std::size_t beat = sr / 2, win = sr / 20;
  auto energy = [&](std::size_t from) {
    double e = 0;
    for (std::size_t i = from; i < from + win; ++i) e += audio[i] * audio[i];
    return e;
  };
  for (std::size_t b = 1; b < 16; ++b) {
    EXPECT_GT(energy(b * beat), 4.0 * energy(b * beat - win)) << "beat " << b;
  }
}

TEST(DemoSource, IsDeterministic) { EXPECT_EQ(render_demo_pattern(48000), render_demo_pattern(48000)); }

}  // namespace
}  // namespace lumina
