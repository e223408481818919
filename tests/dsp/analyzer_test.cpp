#include "lumina/dsp/analyzer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace lumina {
namespace {

std::vector<float> sine(double freq, double amplitude, std::size_t n, double sr = 48000) {
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * freq * i / sr));
  return out;
}

struct Collected {
  std::vector<AnalysisFrame> frames;
  Analyzer::FrameSink sink() {
    return [this](const AnalysisFrame& f) { frames.push_back(f); };
  }
};

TEST(Analyzer, OneFramePerHopStampedWithTheSampleClock) {
  Collected got;
  Analyzer a({48000, 2048, 512, 8}, got.sink());
  const auto x = sine(440, 0.5, 2000);
  a.feed(x.data(), 1000, 10'000, 0);
  a.feed(x.data() + 1000, 1000, 11'000, 0);
  ASSERT_EQ(got.frames.size(), 3U);  // 2000 / 512
  EXPECT_EQ(got.frames[0].sample_time, 10'512U);
  EXPECT_EQ(got.frames[1].sample_time, 11'024U);
  EXPECT_EQ(got.frames[2].sample_time, 11'536U);
  EXPECT_EQ(a.gaps(), 0U);
  a.feed(x.data(), 10, 50'000, 0);
  EXPECT_EQ(a.gaps(), 1U) << "a jump in the clock is a gap";
}

TEST(Analyzer, FullScaleSineReadsZeroDbfsAndAFullMeter) {
  Collected got;
  Analyzer a({48000, 2048, 512, 8}, got.sink());
  const auto x = sine(1000, 1.0, 48000);
  a.feed(x.data(), x.size(), 0, 0);
  const AnalysisFrame& f = got.frames.back();
  EXPECT_NEAR(f.rms_db, 0.0, 0.1);
  EXPECT_NEAR(f.peak_db, 0.0, 0.1);
  EXPECT_NEAR(f.rms, 1.0, 0.01);
  EXPECT_NEAR(f.peak, 1.0, 0.01);
}

TEST(Analyzer, MetersMapDbfsLinearlyOverTheFloor) {
  Collected got;
  AnalyzerParams p{48000, 2048, 512, 8};
  p.meter_floor_db = -60;
  Analyzer a(p, got.sink());
  const auto x = sine(1000, 0.1, 48000);  // -20 dBFS
  a.feed(x.data(), x.size(), 0, 0);
  EXPECT_NEAR(got.frames.back().rms_db, -20.0, 0.2);
  EXPECT_NEAR(got.frames.back().rms, 40.0 / 60.0, 0.01);
  EXPECT_FLOAT_EQ(db_to_meter(-60.0F, -60.0F), 0.0F);
  EXPECT_FLOAT_EQ(db_to_meter(-90.0F, -60.0F), 0.0F);
  EXPECT_FLOAT_EQ(db_to_meter(3.0F, -60.0F), 1.0F);
}

TEST(Analyzer, AnalysisGainScalesTheAnalysisInput) {
  Collected got;
  AnalyzerParams p{48000, 2048, 512, 8};
  p.analysis_gain = 10.0;  // +20 dB
  Analyzer a(p, got.sink());
  const auto x = sine(1000, 0.01, 48000);  // -40 dBFS → -20 after gain
  a.feed(x.data(), x.size(), 0, 0);
  EXPECT_NEAR(got.frames.back().rms_db, -20.0, 0.2);
}

TEST(Analyzer, ToneLightsItsOwnBandMost) {
  Collected got;
  Analyzer a({48000, 2048, 512, 8}, got.sink());
  for (std::uint32_t band = 0; band < 8; ++band) {
    const BinRange& r = a.layout()[band];
    const double centre = std::sqrt(static_cast<double>(r.low_hz) * r.high_hz);
    const auto x = sine(centre, 0.5, 48000);
    got.frames.clear();
    a.feed(x.data(), x.size(), 0, 0);
    const AnalysisFrame& f = got.frames.back();
    std::uint32_t loudest = 0;
    for (std::uint32_t b = 1; b < 8; ++b) {
      if (f.bands[b] > f.bands[loudest]) loudest = b;
    }
    EXPECT_EQ(loudest, band) << "tone at " << centre << " Hz";
    EXPECT_NEAR(f.bands[band], db_to_meter(-6.0F, -60.0F), 0.05) << "a -6 dBFS tone reads about -6 dB in its band";
  }
}

TEST(Analyzer, SilenceDecaysToZeroAndTheGateSilencesNoise) {
  Collected got;
  AnalyzerParams p{48000, 2048, 512, 8};
  p.gate_rms = 0.01;
  Analyzer a(p, got.sink());
  const auto loud = sine(200, 0.5, 24000);
  a.feed(loud.data(), loud.size(), 0, 0);
  EXPECT_GT(got.frames.back().rms, 0.5F);
  const auto quiet = sine(200, 0.001, 192000);  // 4 s below the gate
  a.feed(quiet.data(), quiet.size(), 24000, 0);
  const AnalysisFrame& f = got.frames.back();
  EXPECT_LT(f.rms, 0.01F);
  EXPECT_LT(f.peak, 0.01F);
  for (std::uint32_t b = 0; b < 8; ++b) EXPECT_LT(f.bands[b], 0.01F);
}

TEST(Analyzer, MetersRiseFastAndFallSlowly) {
  Collected got;
  Analyzer a({48000, 2048, 512, 8}, got.sink());
  const auto loud = sine(1000, 1.0, 512);
  a.feed(loud.data(), loud.size(), 0, 0);
  EXPECT_GT(got.frames.back().rms, 0.9F) << "attack within one hop";
  const std::vector<float> silence(512, 0.0F);
  a.feed(silence.data(), silence.size(), 512, 0);
  EXPECT_GT(got.frames.back().rms, 0.8F) << "release is gradual";
  EXPECT_GT(got.frames.back().peak, got.frames.back().rms) << "peak holds longer than RMS";
}

TEST(Analyzer, RejectsInvalidParametersNamingThem) {
  auto message = [](AnalyzerParams p) {
    try {
      Analyzer a(p, nullptr);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(message({48000, 1000, 256, 8}).find("fftSize"), std::string::npos);
  EXPECT_NE(message({48000, 1024, 2048, 8}).find("hop"), std::string::npos);
  EXPECT_NE(message({48000, 1024, 256, 0}).find("bands"), std::string::npos);
  EXPECT_NE(message({48000, 1024, 256, 65}).find("bands"), std::string::npos);
}

}  // namespace
}  // namespace lumina
