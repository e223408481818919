// Analysis cost per hop against the hop's duration (the share of real time
// the analysis thread needs), for the FFT sizes users can choose.
// BM_AnalyzerHop: meters only see a steady tone (the beat tracker idles).
// BM_AnalyzerHopGroove: a drum groove, so onsets, tempo and the phase-locked
// beat tracker all run: the daemon's real per-hop cost.
// BM_OnsetSubHop / BM_BeatTrackerFrame: the two event stages on their own.
// BM_BeatTrackerAttackSettled: the beat tracker's costliest frame, the one
// that weighs the attack the music started with afresh (once per start).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "lumina/dsp/analyzer.hpp"
#include "lumina/dsp/beat_tracker.hpp"
#include "lumina/dsp/onset_detector.hpp"

namespace {

constexpr std::uint32_t kRate = 48000;

// 16 s of a 120 BPM groove: kick, snare, hats, over a quiet pad.
std::vector<float> groove() {
  std::vector<float> x(16 * kRate);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> noise(-1.0F, 1.0F);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = 0.05F * static_cast<float>(std::sin(2.0 * std::numbers::pi * 110.0 * static_cast<double>(i) / kRate));
  }
  for (int half_beat = 0; half_beat < 64; ++half_beat) {
    const std::size_t at = static_cast<std::size_t>(half_beat) * kRate / 4;
    const bool on_beat = half_beat % 2 == 0, kick = half_beat % 4 == 0;
    for (std::size_t i = 0; i < kRate / 4 && at + i < x.size(); ++i) {
      const double t = static_cast<double>(i) / kRate;
      float v = 0.2F * noise(rng) * static_cast<float>(std::exp(-t / 0.015));  // hat
      if (on_beat && kick)
        v += 0.7F * static_cast<float>(std::exp(-t / 0.12) * std::sin(2.0 * std::numbers::pi * 60.0 * t));
      if (on_beat && !kick) v += 0.5F * noise(rng) * static_cast<float>(std::exp(-t / 0.06));
      x[at + i] += v;
    }
  }
  return x;
}

void report_share(benchmark::State& state, double elapsed, std::uint32_t hop) {
  const double hop_seconds = static_cast<double>(hop) / kRate;
  // Share of each hop's real-time duration spent analysing it (target ≤ 5 %).
  state.counters["hop_share_%"] = 100.0 * elapsed / static_cast<double>(state.iterations()) / hop_seconds;
}

void BM_AnalyzerHop(benchmark::State& state) {
  const auto fft = static_cast<std::uint32_t>(state.range(0));
  const std::uint32_t hop = 512;
  std::uint64_t frames = 0;
  lumina::Analyzer analyzer({kRate, fft, hop, 8}, [&](const lumina::AnalysisFrame& f) {
    benchmark::DoNotOptimize(f.bands[0]);
    ++frames;
  });
  std::vector<float> signal(hop);
  for (std::uint32_t i = 0; i < hop; ++i)
    signal[i] = static_cast<float>(0.3 * std::sin(2 * std::numbers::pi * 440.0 * i / kRate));
  std::uint64_t t = 0;
  const auto started = std::chrono::steady_clock::now();
  for (auto _ : state) {
    analyzer.feed(signal.data(), hop, t, 0);
    t += hop;
  }
  report_share(state, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), hop);
  state.counters["frames"] = static_cast<double>(frames);
}
BENCHMARK(BM_AnalyzerHop)->Arg(1024)->Arg(2048)->Arg(4096)->Arg(8192);

void BM_AnalyzerHopGroove(benchmark::State& state) {
  const auto fft = static_cast<std::uint32_t>(state.range(0));
  const auto hop = static_cast<std::uint32_t>(state.range(1));
  const std::vector<float> x = groove();
  std::uint64_t beats = 0;
  lumina::Analyzer analyzer({kRate, fft, hop, 8}, [&](const lumina::AnalysisFrame& f) { beats = f.beat_count; });
  // Warm up past the first seconds so the tracker is locked and phase-tracking.
  std::size_t pos = 0;
  std::uint64_t t = 0;
  for (; pos + hop <= 4 * kRate; pos += hop, t += hop) analyzer.feed(x.data() + pos, hop, t, 0);
  const auto started = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (pos + hop > x.size()) pos = 4 * kRate;  // loop the locked part (the clock keeps running)
    analyzer.feed(x.data() + pos, hop, t, 0);
    pos += hop;
    t += hop;
  }
  report_share(state, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), hop);
  state.counters["beats"] = static_cast<double>(beats);
}
BENCHMARK(BM_AnalyzerHopGroove)->Args({1024, 256})->Args({2048, 512})->Args({4096, 1024})->Args({8192, 2048});

void BM_OnsetSubHop(benchmark::State& state) {
  const std::vector<float> x = groove();
  lumina::OnsetDetector detector(kRate);
  std::size_t pos = 0;
  std::uint64_t t = 0;
  for (auto _ : state) {
    for (std::uint32_t i = 0; i < detector.hop(); ++i, ++t) {
      if (++pos == x.size()) pos = 0;
      if (detector.push(x[pos], t)) benchmark::DoNotOptimize(detector.result().odf);
    }
  }
}
BENCHMARK(BM_OnsetSubHop);

void BM_BeatTrackerFrame(benchmark::State& state) {
  lumina::BeatTracker tracker(375.0, 128, 3.0);
  std::uint64_t frame = 0;
  for (auto _ : state) {
    // A 120 BPM groove in novelty terms: 187.5 frames per beat, eighths in
    // between, each pulse three frames wide like the onset detector's flux.
    const double phase = std::fmod(static_cast<double>(frame), 187.5);
    lumina::BeatNovelty in;
    if (phase < 3.0) in = {1.0F, 1.0F, 0.2F, phase < 1.0};
    if (phase >= 93.75 && phase < 96.75) in = {0.3F, 0.0F, 0.0F, phase < 94.75};
    benchmark::DoNotOptimize(tracker.update(in, (frame + 1) * 128, true));
    ++frame;
  }
  state.counters["locked"] = tracker.firing() ? 1.0 : 0.0;
}
BENCHMARK(BM_BeatTrackerFrame);

void BM_BeatTrackerAttackSettled(benchmark::State& state) {
  // The music starts at frame 0 with an attack four times any later hit; a
  // beat at the slowest tempo (60 BPM: 375 frames) later the tracker
  // corrects the autocorrelation for it. Only that frame is timed.
  constexpr std::uint64_t kSettleFrame = 376;
  auto novelty = [](std::uint64_t frame) {
    const double phase = std::fmod(static_cast<double>(frame), 187.5);
    lumina::BeatNovelty in;
    if (phase < 3.0) in = {1.0F, 1.0F, 0.2F, phase < 1.0};
    if (phase >= 93.75 && phase < 96.75) in = {0.3F, 0.0F, 0.0F, phase < 94.75};
    if (frame < 3) in = {4.0F, 4.0F, 0.8F, frame == 0};
    return in;
  };
  for (auto _ : state) {
    state.PauseTiming();
    lumina::BeatTracker tracker(375.0, 128, 3.0);
    for (std::uint64_t frame = 0; frame < kSettleFrame; ++frame)
      tracker.update(novelty(frame), (frame + 1) * 128, true);
    state.ResumeTiming();
    benchmark::DoNotOptimize(tracker.update(novelty(kSettleFrame), (kSettleFrame + 1) * 128, true));
  }
}
BENCHMARK(BM_BeatTrackerAttackSettled)->Iterations(200);

}  // namespace
