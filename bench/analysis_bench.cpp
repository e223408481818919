// Analysis cost per hop against the hop's duration (the share of real time
// the analysis thread needs), for the FFT sizes users can choose.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <numbers>
#include <vector>

#include "lumina/dsp/analyzer.hpp"

namespace {

void BM_AnalyzerHop(benchmark::State& state) {
  const auto fft = static_cast<std::uint32_t>(state.range(0));
  const std::uint32_t hop = 512, rate = 48000;
  std::uint64_t frames = 0;
  lumina::Analyzer analyzer({rate, fft, hop, 8}, [&](const lumina::AnalysisFrame& f) {
    benchmark::DoNotOptimize(f.bands[0]);
    ++frames;
  });
  std::vector<float> signal(hop);
  for (std::uint32_t i = 0; i < hop; ++i) signal[i] = static_cast<float>(0.3 * std::sin(2 * std::numbers::pi * 440.0 * i / rate));
  std::uint64_t t = 0;
  const auto started = std::chrono::steady_clock::now();
  for (auto _ : state) {
    analyzer.feed(signal.data(), hop, t, 0);
    t += hop;
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double hop_seconds = static_cast<double>(hop) / rate;
  // Share of each hop's real-time duration spent analysing it (target ≤ 5 %).
  state.counters["hop_share_%"] = 100.0 * elapsed / static_cast<double>(state.iterations()) / hop_seconds;
  state.counters["frames"] = static_cast<double>(frames);
}

BENCHMARK(BM_AnalyzerHop)->Arg(1024)->Arg(2048)->Arg(4096)->Arg(8192);

}  // namespace
