#include "lumina/lighting/band_show.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace lumina {
namespace {

TEST(MeterToDmx, RoundsAndClamps) {
  EXPECT_EQ(meter_to_dmx(0.0F), 0);
  EXPECT_EQ(meter_to_dmx(1.0F), 255);
  EXPECT_EQ(meter_to_dmx(0.5F), 128);  // 127.5 rounds half away from zero
  EXPECT_EQ(meter_to_dmx(0.25F), 64);  // 63.75
  EXPECT_EQ(meter_to_dmx(1.0F / 255.0F), 1);
  EXPECT_EQ(meter_to_dmx(0.4F / 255.0F), 0);
  EXPECT_EQ(meter_to_dmx(-0.5F), 0);
  EXPECT_EQ(meter_to_dmx(7.0F), 255);
  EXPECT_EQ(meter_to_dmx(std::numeric_limits<float>::infinity()), 255);
  EXPECT_EQ(meter_to_dmx(-std::numeric_limits<float>::infinity()), 0);
  EXPECT_EQ(meter_to_dmx(std::numeric_limits<float>::quiet_NaN()), 0);
}

TEST(BandShow, LaysOutBandsThenEnergyThenPeak) {
  AnalysisFrame frame;
  frame.band_count = 4;
  frame.bands = {0.0F, 0.5F, 1.0F, 0.25F};
  frame.bands[4] = 0.9F;  // beyond band_count: must not appear
  frame.energy = 0.2F;
  frame.peak = 0.8F;
  DmxUniverseData out;
  out.fill(0xAA);  // stale content must be overwritten
  render_band_show(frame, out);
  EXPECT_EQ(out[0], 0);    // channel 1 = band 0
  EXPECT_EQ(out[1], 128);  // channel 2 = band 1
  EXPECT_EQ(out[2], 255);
  EXPECT_EQ(out[3], 64);
  EXPECT_EQ(out[4], 51);   // channel 5 = energy (0.2 * 255 = 51)
  EXPECT_EQ(out[5], 204);  // channel 6 = peak (0.8 * 255 = 204)
  for (std::size_t i = 6; i < kDmxChannels; ++i) EXPECT_EQ(out[i], 0) << "channel " << i + 1;
}

TEST(BandShow, DefaultFrameIsAllZero) {
  DmxUniverseData out;
  out.fill(1);
  render_band_show(AnalysisFrame{}, out);
  for (std::size_t i = 0; i < kDmxChannels; ++i) EXPECT_EQ(out[i], 0) << "channel " << i + 1;
}

TEST(BandShow, NoBandsPutsEnergyAndPeakOnChannelsOneAndTwo) {
  AnalysisFrame frame;
  frame.energy = 1.0F;
  frame.peak = 0.5F;
  DmxUniverseData out{};
  render_band_show(frame, out);
  EXPECT_EQ(out[0], 255);
  EXPECT_EQ(out[1], 128);
  EXPECT_EQ(out[2], 0);
}

TEST(BandShow, BandCountIsClampedToMaxBands) {
  AnalysisFrame frame;
  frame.band_count = 1000;  // corrupt: must not index past the bands array
  frame.bands.fill(1.0F);
  frame.energy = 0.5F;
  frame.peak = 0.25F;
  DmxUniverseData out{};
  render_band_show(frame, out);
  for (std::size_t i = 0; i < AnalysisFrame::kMaxBands; ++i) EXPECT_EQ(out[i], 255) << i;
  EXPECT_EQ(out[AnalysisFrame::kMaxBands], 128);
  EXPECT_EQ(out[AnalysisFrame::kMaxBands + 1], 64);
  EXPECT_EQ(out[AnalysisFrame::kMaxBands + 2], 0);
}

}  // namespace
}  // namespace lumina
