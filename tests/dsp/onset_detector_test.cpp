#include "lumina/dsp/onset_detector.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "test_signals.hpp"

namespace lumina {
namespace {

using testing::add_click;
using testing::kRate;

struct Detections {
  std::vector<double> full;                                // onset times (end of the detecting sub-hop)
  std::array<std::vector<double>, kOnsetBandCount> bands;  // per-band onset times
  std::array<float, kOnsetBandCount> max_intensity{};
};

Detections detect(const std::vector<float>& x, std::uint32_t rate = 48000) {
  OnsetDetector d(rate);
  Detections out;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!d.push(x[i], i + 1)) continue;
    const OnsetResult& r = d.result();
    const double t = static_cast<double>(r.end_time) / rate;
    if (r.onset) out.full.push_back(t);
    for (std::size_t b = 0; b < kOnsetBandCount; ++b) {
      if (r.band_onset[b]) out.bands[b].push_back(t);
      out.max_intensity[b] = std::max(out.max_intensity[b], r.band_intensity[b]);
    }
  }
  return out;
}

TEST(OnsetDetector, WindowAndSubHopFollowTheSampleRate) {
  EXPECT_EQ(OnsetDetector(48000).window(), 1024U);
  EXPECT_EQ(OnsetDetector(48000).hop(), 128U);
  EXPECT_EQ(OnsetDetector(44100).window(), 1024U);
  EXPECT_EQ(OnsetDetector(96000).window(), 2048U);
  EXPECT_EQ(OnsetDetector(16000).window(), 256U);
  EXPECT_NEAR(OnsetDetector(48000).frame_rate(), 375.0, 1e-9);
}

TEST(OnsetDetector, ClickTrainGivesOneOnsetPerClickWithinFifteenMilliseconds) {
  auto x = testing::silence(6.0);
  testing::add_noise(x, 1e-4F);  // a realistic noise floor instead of digital silence
  std::vector<double> clicks;
  for (int i = 0; i < 21; ++i) {
    add_click(x, 0.5 + 0.25 * i);
    clicks.push_back(0.5 + 0.25 * i);
  }
  const Detections d = detect(x);
  ASSERT_EQ(d.full.size(), clicks.size());
  for (std::size_t i = 0; i < clicks.size(); ++i) {
    EXPECT_GE(d.full[i], clicks[i]) << "causal: never before the click";
    EXPECT_LE(d.full[i] - clicks[i], 0.015) << "click " << i;
  }
}

TEST(OnsetDetector, DetectionDoesNotDependOnLevel) {
  for (const float gain : {1.0F, 0.1F, 0.03F}) {  // snare peaks near -4, -24 and -34 dBFS
    std::mt19937 rng(11);
    auto x = testing::silence(4.0);
    testing::add_noise(x, 1e-5F);
    for (int i = 0; i < 12; ++i) testing::add_snare(x, 0.5 + 0.3 * i, rng, 0.6F * gain);
    EXPECT_EQ(detect(x).full.size(), 12U) << "gain " << gain;
  }
}

TEST(OnsetDetector, SilenceAndSteadyToneGiveNoOnsets) {
  EXPECT_TRUE(detect(testing::silence(3.0)).full.empty());
  auto tone = testing::silence(4.0);
  testing::add_sine(tone, 440.0, 0.3F);
  testing::add_sine(tone, 660.0, 0.2F);
  const Detections d = detect(tone);
  // The tone starting is an onset; nothing follows it.
  EXPECT_LE(d.full.size(), 1U);
  for (const double t : d.full) EXPECT_LT(t, 0.1);
}

// A sawtooth bass at 41 Hz and a chord of detuned saw pairs, held under
// kicks: in a 21 ms window several partials share each bin and beat, so
// the bins flutter at the bass's fundamental. Only the kicks are onsets.
// (Against a single past spectrum every upswing of the flutter was flux:
// the detector before the 20 ms reference hold found onsets all through
// the held notes.)
TEST(OnsetDetector, HeldBassAndChordGiveNoOnsetsBetweenTheHits) {
  auto x = testing::silence(9.0);
  testing::add_saw(x, 41.2, 0.15F, 1200.0);
  for (const double f : {164.8, 207.7, 247.0}) {
    testing::add_saw(x, f * 0.9985, 0.03F);
    testing::add_saw(x, f * 1.0015, 0.03F);
  }
  std::vector<double> kicks;
  for (double t = 1.0; t < 8.5; t += 0.5) {
    testing::add_kick(x, t);
    testing::add_click(x, t, 0.3F);  // the beater
    kicks.push_back(t);
  }
  const Detections d = detect(x);
  std::size_t found = 0, stray = 0;
  for (const double t : d.full) {
    if (t < 0.5) continue;  // the held notes starting
    const bool near_kick = std::any_of(kicks.begin(), kicks.end(), [&](double k) { return t >= k && t - k <= 0.03; });
    (near_kick ? found : stray) += 1;
  }
  EXPECT_EQ(found, kicks.size()) << "every kick detected";
  EXPECT_LE(stray, 1U) << "onsets between the kicks, in " << d.full.size() << " detections";
}

// A recorded kick often has no beater click: it rises in the few bands
// under 150 Hz only, so its mean flux over all bands is small (0.03-0.07
// where a clicked kick reaches 0.2). With the full-band threshold's offset
// at 0.08 such kicks under a held chord were lost (recall 0.72 on a GM
// metal arrangement, 0.77 on bossa nova's kick pickups). At this level the
// 0.08 offset found 6 of the 15 kicks; 0.045 finds all 15.
TEST(OnsetDetector, KicksWithoutABeaterClickUnderHeldChordsAreFound) {
  auto x = testing::silence(9.0);
  testing::add_noise(x, 1e-4F);
  for (const double f : {130.8, 164.8, 196.0}) testing::add_saw(x, f, 0.04F, 3000.0);
  std::vector<double> kicks;
  for (double t = 1.0; t < 8.5; t += 0.5) {
    testing::add_kick(x, t, 0.35F);
    kicks.push_back(t);
  }
  const Detections d = detect(x);
  std::size_t found = 0, stray = 0;
  for (const double t : d.full) {
    if (t < 0.5) continue;  // the chord starting
    const bool near_kick = std::any_of(kicks.begin(), kicks.end(), [&](double k) { return t >= k && t - k <= 0.03; });
    (near_kick ? found : stray) += 1;
  }
  EXPECT_EQ(found, kicks.size()) << "every kick detected";
  EXPECT_EQ(stray, 0U) << "onsets between the kicks, in " << d.full.size() << " detections";
}

TEST(OnsetDetector, StationaryNoiseGivesAlmostNoOnsets) {
  auto x = testing::silence(10.0);
  testing::add_noise(x, 0.05F);  // about -23 dBFS white noise
  const Detections d = detect(x);
  const auto late = std::count_if(d.full.begin(), d.full.end(), [](double t) { return t > 0.5; });
  EXPECT_LE(late, 3) << "fewer than one false onset per 3 s of noise";
}

TEST(OnsetDetector, OnsetsCloserThanTheMinimumIntervalMerge) {
  auto x = testing::silence(4.0);
  testing::add_noise(x, 1e-4F);
  for (int i = 0; i < 7; ++i) {
    add_click(x, 0.5 + 0.5 * i);
    add_click(x, 0.52 + 0.5 * i);  // a flam: 20 ms later
  }
  EXPECT_EQ(detect(x).full.size(), 7U);
}

// Fraction of `detected` within 20 ms after one of `truth`.
double precision(const std::vector<double>& detected, const std::vector<double>& truth) {
  if (detected.empty()) return 0.0;
  std::size_t hits = 0;
  for (const double t : detected) {
    hits += std::any_of(truth.begin(), truth.end(), [t](double u) { return t >= u && t - u <= 0.02; });
  }
  return static_cast<double>(hits) / static_cast<double>(detected.size());
}

TEST(OnsetDetector, BandsTellKickSnareAndHatApartInAGroove) {
  // Kick, snare and hat each on their own grid (never together), over a pad.
  std::mt19937 rng(3);
  auto x = testing::silence(8.0);
  testing::add_sine(x, 110.0, 0.05F);
  testing::add_sine(x, 220.0, 0.05F);
  std::vector<double> kicks, snares, hats;
  for (int bar = 0; bar < 7; ++bar) {
    const double t = 0.5 + bar * 1.0;
    testing::add_kick(x, t);
    kicks.push_back(t);
    testing::add_snare(x, t + 0.5, rng);
    snares.push_back(t + 0.5);
    for (const double h : {0.25, 0.75}) {
      testing::add_hat(x, t + h, rng);
      hats.push_back(t + h);
    }
  }
  constexpr auto kLow = static_cast<std::size_t>(OnsetBand::kLow);
  constexpr auto kMid = static_cast<std::size_t>(OnsetBand::kMid);
  constexpr auto kHigh = static_cast<std::size_t>(OnsetBand::kHigh);
  const Detections d = detect(x);
  EXPECT_EQ(d.full.size(), kicks.size() + snares.size() + hats.size());
  EXPECT_GE(d.bands[kLow].size(), kicks.size());
  EXPECT_GE(precision(d.bands[kLow], kicks), 0.9) << "kick band fires on kicks";
  EXPECT_GE(d.bands[kMid].size(), snares.size());
  EXPECT_GE(precision(d.bands[kMid], snares), 0.6) << "snare band fires mostly on snares (kick clicks reach it too)";
  EXPECT_GE(d.bands[kHigh].size(), hats.size());
  EXPECT_GE(precision(d.bands[kHigh], hats), 0.6) << "hat band fires mostly on hats (snares reach it too)";
  EXPECT_GT(d.max_intensity[kLow], 0.5F);
  EXPECT_GT(d.max_intensity[kMid], 0.5F);
  EXPECT_GT(d.max_intensity[kHigh], 0.5F);
}

TEST(OnsetDetector, IntensitiesDecayBetweenHits) {
  auto x = testing::silence(2.0);
  testing::add_kick(x, 0.5);
  OnsetDetector d(48000);
  float at_hit = 0.0F, later = 1.0F;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!d.push(x[i], i + 1)) continue;
    const double t = static_cast<double>(d.result().end_time) / kRate;
    const float kick = d.result().band_intensity[static_cast<std::size_t>(OnsetBand::kLow)];
    if (t < 0.56) at_hit = std::max(at_hit, kick);
    if (t > 1.2 && t < 1.21) later = kick;
  }
  EXPECT_GT(at_hit, 0.5F);
  EXPECT_LT(later, 0.05F) << "released well before the next bar";
}

TEST(OnsetPicker, AdaptiveThresholdFollowsTheBaseline) {
  OnsetPicker picker({});
  int fired = 0;
  // A noisy baseline around 1.0 with peaks of 3.0 every 50 frames.
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> jitter(0.9F, 1.1F);
  for (int i = 0; i < 1000; ++i) {
    const float v = (i % 50 == 25) ? 3.0F : jitter(rng);
    if (picker.update(v)) ++fired;
  }
  EXPECT_EQ(fired, 20);
  EXPECT_NEAR(picker.median(), 1.0F, 0.1F);
  EXPECT_GT(picker.threshold(), 1.4F);
}

}  // namespace
}  // namespace lumina
