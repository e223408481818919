// Feature windows: their timing, what a few features say about simple
// signals, and the pipeline's handling of dropped blocks.
#include "lumina/classify/features.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

#include "lumina/classify/classifier_pipeline.hpp"

namespace lumina {
namespace {

constexpr std::uint32_t kRate = 48000;

std::vector<float> tone(double seconds, double hz, float amplitude) {
  std::vector<float> x(static_cast<std::size_t>(seconds * kRate));
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = amplitude * static_cast<float>(std::sin(2.0 * std::numbers::pi * hz * static_cast<double>(i) / kRate));
  }
  return x;
}

std::vector<FeatureVector> windows_of(const std::vector<float>& x) {
  FeatureExtractor fx(kRate);
  std::vector<FeatureVector> out;
  fx.push(x.data(), x.size(), [&](const FeatureVector& f) { out.push_back(f); });
  return out;
}

std::size_t index_of(std::string_view name) {
  for (std::size_t i = 0; i < kFeatureCount; ++i) {
    if (feature_name(i) == name) return i;
  }
  ADD_FAILURE() << "no feature " << name;
  return 0;
}

TEST(FeatureExtractor, UnsupportedSampleRateIsRefusedWithTheRate) {
  try {
    FeatureExtractor fx(8000);
    FAIL() << "accepted 8000 Hz";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("8000 Hz"), std::string::npos) << e.what();
  }
}

TEST(FeatureExtractor, OneSecondWindowsEveryHalfSecond) {
  FeatureExtractor fx(kRate);
  EXPECT_NEAR(fx.window_seconds(), 1.0, 0.01);
  EXPECT_NEAR(fx.window_step_seconds(), 0.5, 0.01);
  EXPECT_EQ(windows_of(tone(0.9, 440.0, 0.5)).size(), 0U);
  EXPECT_EQ(windows_of(tone(10.5, 440.0, 0.5)).size(), 19U);  // at ≈ 1.0, 1.5, ..., 10.0 s
}

TEST(FeatureExtractor, LevelFlatnessAndPausesFollowTheSignal) {
  const std::size_t p90 = index_of("levelP90"), flat = index_of("flatMean"), pause = index_of("pauseRatio");
  const FeatureVector loud_tone = windows_of(tone(2.0, 440.0, 0.5)).back();
  const FeatureVector quiet_tone = windows_of(tone(2.0, 440.0, 0.005)).back();
  EXPECT_NEAR(loud_tone[p90] - quiet_tone[p90], 40.0F, 1.0F);  // 100× amplitude = 40 dB
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-0.3F, 0.3F);
  std::vector<float> noise(2 * kRate);
  for (auto& v : noise) v = u(rng);
  const FeatureVector white = windows_of(noise).back();
  EXPECT_GT(white[flat], 0.3F);
  EXPECT_LT(loud_tone[flat], 0.05F);
  // Half a second of tone, half a second of silence: half the frames are pauses.
  std::vector<float> gated = tone(2.0, 440.0, 0.5);
  for (std::size_t i = 0; i < gated.size(); ++i) {
    if ((i / (kRate / 2)) % 2 == 1) gated[i] = 0.0F;
  }
  const FeatureVector g = windows_of(gated).back();
  EXPECT_GT(g[pause], 0.35F);
  EXPECT_LT(loud_tone[pause], 0.01F);
}

TEST(ClassifierPipeline, ADroppedBlockRestartsTheWindow) {
  ClassifierPipeline pipeline(nullptr, {});
  const std::vector<float> x = tone(4.0, 300.0, 0.3);
  SideChainBlock block;
  block.sample_rate = kRate;
  block.frames = SideChainBlock::kFrames;
  std::size_t windows = 0;
  std::uint64_t t = 0;
  const std::size_t blocks = x.size() / SideChainBlock::kFrames;  // 93 blocks ≈ 3.97 s
  for (std::size_t b = 0; b < blocks; ++b, t += SideChainBlock::kFrames) {
    if (b == 40) continue;  // dropped by the queue: the clock jumps
    std::copy_n(x.begin() + static_cast<std::ptrdiff_t>(t), block.frames, block.samples.begin());
    block.sample_time = t;
    pipeline.consume(block, [&](const ClassifiedWindow& w) {
      ++windows;
      EXPECT_NE(w.features, nullptr);
      EXPECT_TRUE(w.probabilities.empty()) << "no model: features only";
    });
  }
  EXPECT_EQ(pipeline.gaps(), 1U);
  // Without the gap: (3.97 s − 1 s) / 0.5 s + 1 = 6 windows. With it, the
  // window starts over at block 41 (≈ 1.79 s): windows at ≈ 2.8, 3.3, 3.8 s
  // plus the ones before the gap (≈ 1.0, 1.5 s).
  EXPECT_EQ(windows, 5U);
}

}  // namespace
}  // namespace lumina
