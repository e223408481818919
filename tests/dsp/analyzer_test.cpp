#include "lumina/dsp/analyzer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "test_signals.hpp"

namespace lumina {
namespace {

std::vector<float> sine(double freq, double amplitude, std::size_t n, double sr = 48000) {
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * freq * i / sr));
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

namespace lumina {
namespace {

using testing::kRate;

struct AnalysisRun {
  std::vector<AnalysisFrame> frames;
};

AnalysisRun analyse(const std::vector<float>& x, AnalyzerParams p = {}) {
  AnalysisRun run;
  Analyzer a(p, [&](const AnalysisFrame& f) { run.frames.push_back(f); });
  // Chunks of 256 like the daemon's analysis thread receives.
  for (std::size_t i = 0; i < x.size(); i += 256) a.feed(x.data() + i, std::min<std::size_t>(256, x.size() - i), i, 0);
  return run;
}

TEST(AnalyzerEvents, DrumGrooveGivesTempoBeatsAndOnsets) {
  auto x = testing::silence(14.0);
  testing::add_noise(x, 1e-4F);
  const testing::Pattern truth = testing::add_rock(x, 120.0, 0.25, 13.5);
  const AnalysisRun run = analyse(x);
  const AnalysisFrame& last = run.frames.back();
  EXPECT_NEAR(last.bpm, 120.0F, 0.6F);
  EXPECT_GT(last.bpm_confidence, 0.8F);
  EXPECT_NEAR(static_cast<double>(last.onset_count), static_cast<double>(truth.onsets.size()), 3.0);

  std::uint64_t beats = 0, onsets = 0, previous_beat_count = 0;
  for (const AnalysisFrame& f : run.frames) {
    EXPECT_GE(f.onset_count, onsets) << "counters only increase";
    EXPECT_GE(f.beat_count, previous_beat_count);
    EXPECT_GE(f.beat_phase, 0.0F);
    EXPECT_LT(f.beat_phase, 1.0F);
    if (f.beat) {
      ++beats;
      EXPECT_EQ(f.beat_count, previous_beat_count + 1);
      // The beat falls inside the hop this frame covers.
      EXPECT_LT(f.last_beat_time, f.sample_time);
      EXPECT_GE(f.last_beat_time + 512, f.sample_time);
      const double t = static_cast<double>(f.last_beat_time) / kRate;
      if (t > 3.0 && t < 13.4) {  // after the music stops the flywheel predicts on for a moment
        double best = 1.0;
        for (const double b : truth.beats) best = std::min(best, std::fabs(b - t));
        EXPECT_LT(best, 0.02) << "beat at " << t;
      }
    } else {
      EXPECT_EQ(f.beat_count, previous_beat_count);
    }
    if (f.bpm_confidence > 0.5F && f.next_beat_time != 0) {
      EXPECT_GT(f.next_beat_time, f.sample_time - 512);
    }
    onsets = f.onset_count;
    previous_beat_count = f.beat_count;
  }
  EXPECT_EQ(beats, last.beat_count);
  EXPECT_GE(beats, 22U) << "about two beats a second once locked";
}

TEST(AnalyzerEvents, OnsetsAreReportedWithinFifteenMilliseconds) {
  auto x = testing::silence(6.0);
  testing::add_noise(x, 1e-4F);
  std::vector<double> clicks;
  for (int i = 0; i < 20; ++i) {
    clicks.push_back(0.5 + 0.27 * i);
    testing::add_click(x, clicks.back());
  }
  const AnalysisRun run = analyse(x, {48000, 2048, 256, 8});
  std::vector<double> reported;  // when a consumer of the frames learns of each onset
  std::uint64_t count = 0;
  for (const AnalysisFrame& f : run.frames) {
    if (f.onset_count != count) reported.push_back(static_cast<double>(f.sample_time) / kRate);
    count = f.onset_count;
  }
  ASSERT_EQ(reported.size(), clicks.size());
  std::vector<double> delays;
  for (std::size_t i = 0; i < clicks.size(); ++i) delays.push_back(reported[i] - clicks[i]);
  std::sort(delays.begin(), delays.end());
  EXPECT_GE(delays.front(), 0.0);
  EXPECT_LT(delays[delays.size() / 2], 0.015) << "median delay";
}

TEST(AnalyzerEvents, SilenceAndNoiseHaveNoBeat) {
  for (const float noise : {0.0F, 0.05F}) {
    auto x = testing::silence(10.0);
    testing::add_noise(x, noise);
    const AnalysisRun run = analyse(x);
    const AnalysisFrame& last = run.frames.back();
    EXPECT_EQ(last.beat_count, 0U) << "noise " << noise;
    EXPECT_LT(last.bpm_confidence, 0.2F);
    EXPECT_EQ(last.bpm, 0.0F);
    EXPECT_LE(last.onset_count, 3U);
  }
}

TEST(AnalyzerEvents, KickSnareAndHatIntensitiesFollowTheirInstruments) {
  std::mt19937 rng(9);
  auto x = testing::silence(6.0);
  testing::add_sine(x, 110.0, 0.05F);
  for (int i = 0; i < 10; ++i) testing::add_kick(x, 0.5 + 0.5 * i);
  const AnalysisRun kicks = analyse(x);
  float kick = 0.0F, hihat = 0.0F;
  for (const AnalysisFrame& f : kicks.frames) {
    kick = std::max(kick, f.kick);
    hihat = std::max(hihat, f.hihat);
  }
  EXPECT_GT(kick, 0.5F);
  EXPECT_LT(hihat, 0.2F);
  EXPECT_GE(kicks.frames.back().kick_count, 10U);
  EXPECT_LE(kicks.frames.back().hihat_count, 1U);

  auto y = testing::silence(6.0);
  testing::add_sine(y, 110.0, 0.05F);
  for (int i = 0; i < 10; ++i) testing::add_hat(y, 0.5 + 0.5 * i, rng);
  const AnalysisRun hats = analyse(y);
  kick = hihat = 0.0F;
  for (const AnalysisFrame& f : hats.frames) {
    kick = std::max(kick, f.kick);
    hihat = std::max(hihat, f.hihat);
  }
  EXPECT_GT(hihat, 0.5F);
  EXPECT_LT(kick, 0.2F);
  EXPECT_EQ(hats.frames.back().hihat_count, 10U);
  EXPECT_EQ(hats.frames.back().kick_count, 0U);
}

TEST(AnalyzerAutoGain, OffByDefaultAndEvensOutQuietAndLoudMaterial) {
  auto meter_at_end = [](float amplitude, bool agc) {
    auto x = testing::silence(12.0);
    testing::add_sine(x, 440.0, amplitude);
    AnalyzerParams p;
    p.auto_gain = agc;
    const AnalysisRun run = analyse(x, p);
    return std::pair{run.frames.back().rms, run.frames.back().auto_gain_db};
  };
  const auto [quiet_plain, quiet_plain_gain] = meter_at_end(0.01F, false);  // -40 dBFS
  const auto [loud_plain, loud_plain_gain] = meter_at_end(0.5F, false);     // -6 dBFS
  EXPECT_EQ(quiet_plain_gain, 0.0F);
  EXPECT_EQ(loud_plain_gain, 0.0F);
  EXPECT_GT(loud_plain - quiet_plain, 0.5F);
  const auto [quiet, quiet_gain] = meter_at_end(0.01F, true);
  const auto [loud, loud_gain] = meter_at_end(0.5F, true);
  EXPECT_NEAR(quiet_gain, 20.0F, 0.5F) << "-40 dBFS steered to the -20 dBFS target";
  EXPECT_NEAR(loud_gain, -14.0F, 0.5F);
  EXPECT_NEAR(quiet, loud, 0.02F);
  EXPECT_NEAR(quiet, db_to_meter(-20.0F, -60.0F), 0.02F);
}

TEST(AnalyzerAutoGain, SilenceDoesNotPumpTheGainUp) {
  auto x = testing::silence(4.0);
  testing::add_sine(x, 440.0, 0.1F, 0.0, 2.0);  // -20 dBFS, then 2 s of silence
  AnalyzerParams p;
  p.auto_gain = true;
  const AnalysisRun run = analyse(x, p);
  EXPECT_NEAR(run.frames.back().auto_gain_db, 0.0F, 0.5F);
  EXPECT_LT(run.frames.back().rms, 0.01F);
}

TEST(AnalyzerParamsCheck, ErrorsNameTheFieldAndTheAllowedRange) {
  auto error = [](auto change) {
    AnalyzerParams p;
    change(p);
    return validate_analyzer_params(p).value_or("(valid)");
  };
  EXPECT_EQ(error([](AnalyzerParams&) {}), "(valid)");
  EXPECT_EQ(error([](AnalyzerParams& p) { p.fft_size = 1000; }),
            "fftSize must be a power of two in 256..8192, got 1000");
  EXPECT_EQ(error([](AnalyzerParams& p) { p.fft_size = 16384; }),
            "fftSize must be a power of two in 256..8192, got 16384");
  EXPECT_EQ(error([](AnalyzerParams& p) { p.hop = 4096; }), "hop must be in 64..fftSize (2048), got 4096");
  EXPECT_EQ(error([](AnalyzerParams& p) { p.bands = 0; }), "bands must be in 1..64, got 0");
  EXPECT_EQ(error([](AnalyzerParams& p) { p.sample_rate = 4000; }), "sampleRate must be in 8000..384000, got 4000");
  EXPECT_EQ(error([](AnalyzerParams& p) { p.analysis_gain = std::nan(""); }),
            "analysisGain must be in 0.1..1000, got nan");
  EXPECT_EQ(error([](AnalyzerParams& p) { p.gate_rms = 2; }), "gateRms must be in 0..1, got 2");
  EXPECT_EQ(error([](AnalyzerParams& p) { p.meter_floor_db = 0; }), "meterFloorDb must be in -120..-6, got 0");
  EXPECT_EQ(error([](AnalyzerParams& p) { p.auto_gain_target_db = 3; }), "autoGainTargetDb must be in -60..0, got 3");
  EXPECT_EQ(error([](AnalyzerParams& p) { p.auto_gain_max_db = 90; }), "autoGainMaxDb must be in 0..60, got 90");
}

TEST(AnalyzerAdopt, ANewAnalyzerContinuesMetersCountersAndTheBeat) {
  auto x = testing::silence(16.0);
  testing::add_noise(x, 1e-4F);
  testing::add_rock(x, 120.0, 0.25, 15.8);
  std::vector<AnalysisFrame> frames;
  auto sink = [&](const AnalysisFrame& f) { frames.push_back(f); };
  Analyzer first({48000, 2048, 512, 8}, sink);
  const std::size_t split = testing::at(8.0) / 512 * 512;  // a hop boundary of the first analyzer
  first.feed(x.data(), split, 0, 0);
  ASSERT_EQ(first.samples_to_hop_boundary(), 0U);
  const AnalysisFrame before = frames.back();
  ASSERT_GT(before.beat_count, 5U);
  ASSERT_NEAR(before.bpm, 120.0F, 1.0F);

  Analyzer second({48000, 1024, 256, 16}, sink);
  second.adopt(first);
  const std::size_t mark = frames.size();
  second.feed(x.data() + split, 256, split, 0);
  ASSERT_EQ(frames.size(), mark + 1);
  const AnalysisFrame& after = frames.back();
  EXPECT_EQ(after.band_count, 16U);
  EXPECT_EQ(after.sample_time, split + 256);
  EXPECT_GE(after.onset_count, before.onset_count);
  EXPECT_GE(after.beat_count, before.beat_count);
  EXPECT_NEAR(after.bpm, before.bpm, 0.5F) << "the tempo carries over";
  EXPECT_EQ(second.gaps(), 0U);
  second.feed(x.data() + split + 256, x.size() - split - 256, split + 256, 0);
  // Meters continue: a hop after the swap they read what an analyzer that
  // ran all along reads.
  std::vector<AnalysisFrame> reference;
  Analyzer all_along({48000, 2048, 512, 8}, [&](const AnalysisFrame& f) { reference.push_back(f); });
  all_along.feed(x.data(), x.size(), 0, 0);
  auto at_time = [](const std::vector<AnalysisFrame>& v, std::uint64_t t) {
    return *std::find_if(v.begin(), v.end(), [t](const AnalysisFrame& f) { return f.sample_time == t; });
  };
  EXPECT_NEAR(at_time(frames, split + 512).rms, at_time(reference, split + 512).rms, 0.02F);
  EXPECT_NEAR(at_time(frames, split + 512).peak, at_time(reference, split + 512).peak, 0.02F);
  EXPECT_EQ(at_time(frames, split + 512).onset_count, at_time(reference, split + 512).onset_count);
  EXPECT_NEAR(frames.back().bpm, 120.0F, 0.6F);
  EXPECT_GT(frames.back().beat_count, before.beat_count + 10);
}

}  // namespace
}  // namespace lumina
