#include "lumina/dsp/band_layout.hpp"

#include <gtest/gtest.h>

namespace lumina {
namespace {

TEST(BandLayout, LogBandsCoverThe30HzTo16kHzRangeInOrder) {
  const auto layout = make_band_layout(8, 2048, 48000);
  ASSERT_EQ(layout.size(), 8U);
  EXPECT_NEAR(layout.front().low_hz, 30.0F, 0.01F);
  EXPECT_NEAR(layout.back().high_hz, 16000.0F, 0.5F);
  for (std::size_t i = 0; i < layout.size(); ++i) {
    EXPECT_LT(layout[i].first, layout[i].last) << "every band has at least one bin";
    if (i > 0) {
      EXPECT_NEAR(layout[i].low_hz, layout[i - 1].high_hz, 0.01F);
      EXPECT_GE(layout[i].first, layout[i - 1].first);
      // Equal ratios: each band spans the same number of octaves.
      EXPECT_NEAR(layout[i].high_hz / layout[i].low_hz, layout[0].high_hz / layout[0].low_hz, 1e-3);
    }
  }
}

TEST(BandLayout, LinearBandsHaveEqualWidth) {
  const auto layout = make_band_layout(4, 1024, 48000, BandScale::kLinear);
  ASSERT_EQ(layout.size(), 4U);
  EXPECT_NEAR(layout[0].high_hz - layout[0].low_hz, layout[3].high_hz - layout[3].low_hz, 0.01);
}

TEST(BandLayout, ManyBandsOnASmallFftStillGetABinEach) {
  const auto layout = make_band_layout(64, 256, 48000);
  ASSERT_EQ(layout.size(), 64U);
  for (const auto& r : layout) {
    EXPECT_LT(r.first, r.last);
    EXPECT_LE(r.last, 129U);
  }
}

TEST(BandLayout, LowSampleRatesCapTheTopBelowNyquist) {
  const auto layout = make_band_layout(8, 1024, 16000);
  EXPECT_LE(layout.back().high_hz, 0.95F * 8000.0F + 0.01F);
}

}  // namespace
}  // namespace lumina
