// Cost of the realtime callback body per block, reported as a share of the
// block period at 48 kHz (target: p99 ≤ 2 % of the period). The analysis side
// is drained outside the timed region, as the analysis thread would.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "lumina/audio/demo_source.hpp"
#include "lumina/audio/engine.hpp"
#include "lumina/audio/file_reader.hpp"

namespace {

constexpr std::uint32_t kRate = 48000;

// Per-call durations → p50/p99/max as a share of the block period.
void report_shares(benchmark::State& state, std::vector<double>& durations, std::uint32_t frames) {
  std::sort(durations.begin(), durations.end());
  const double period = static_cast<double>(frames) / kRate;
  auto pct = [&](double q) { return durations[static_cast<std::size_t>(q * static_cast<double>(durations.size() - 1))]; };
  state.counters["p50_share_%"] = 100.0 * pct(0.50) / period;
  state.counters["p99_share_%"] = 100.0 * pct(0.99) / period;
  state.counters["max_share_%"] = 100.0 * durations.back() / period;
  state.counters["period_us"] = period * 1e6;
}

void run_callback(benchmark::State& state, lumina::SourceKind kind) {
  const auto frames = static_cast<std::uint32_t>(state.range(0));
  lumina::AudioChunkRing ring(1024);
  lumina::AudioEngine engine(ring);
  engine.prepare(kRate);
  const std::vector<float> demo = lumina::render_demo_pattern(kRate);
  engine.attach(demo, nullptr);
  lumina::EngineCommand select;
  select.kind = lumina::EngineCommand::Kind::kSetSource;
  select.source = kind;
  (void)engine.post(select);
  std::vector<float> input(2 * frames, 0.25F), output(2 * frames);
  std::vector<double> durations;
  durations.reserve(1 << 20);
  lumina::AudioChunk sink;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    engine.process(input.data(), 2, output.data(), 2, frames, 0);
    const auto t1 = std::chrono::steady_clock::now();
    if (durations.size() < durations.capacity()) durations.push_back(std::chrono::duration<double>(t1 - t0).count());
    state.PauseTiming();
    while (ring.try_pop(sink)) benchmark::DoNotOptimize(sink.samples[0]);
    state.ResumeTiming();
  }
  report_shares(state, durations, frames);
}

// File playback: the ring is refilled outside the timed region (as the
// reader thread would), so this measures the callback's share only.
void BM_CallbackFile(benchmark::State& state) {
  const auto frames = static_cast<std::uint32_t>(state.range(0));
  lumina::AudioChunkRing ring(1024);
  lumina::AudioEngine engine(ring);
  engine.prepare(kRate);
  lumina::FileRing file_ring(64);
  engine.attach({}, &file_ring);
  lumina::EngineCommand c;
  c.kind = lumina::EngineCommand::Kind::kSetSource;
  c.source = lumina::SourceKind::kFile;
  c.generation = 1;
  c.total_frames = UINT64_MAX / 2;
  (void)engine.post(c);
  c = {};
  c.kind = lumina::EngineCommand::Kind::kSetMonitor;
  c.flag = true;
  (void)engine.post(c);
  c = {};
  c.kind = lumina::EngineCommand::Kind::kFilePlay;
  (void)engine.post(c);
  std::uint64_t position = 0;
  auto refill = [&] {
    while (lumina::FileChunk* chunk = file_ring.prepare()) {
      chunk->generation = 1;
      chunk->frames = lumina::FileChunk::kMaxFrames;
      chunk->position = position;
      chunk->end_of_file = false;
      chunk->samples.fill(0.25F);
      position += chunk->frames;
      file_ring.push();
    }
  };
  refill();
  std::vector<float> output(2 * frames);
  std::vector<double> durations;
  durations.reserve(1 << 20);
  lumina::AudioChunk sink;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    engine.process(nullptr, 0, output.data(), 2, frames, 0);
    const auto t1 = std::chrono::steady_clock::now();
    if (durations.size() < durations.capacity()) durations.push_back(std::chrono::duration<double>(t1 - t0).count());
    state.PauseTiming();
    while (ring.try_pop(sink)) benchmark::DoNotOptimize(sink.samples[0]);
    refill();
    state.ResumeTiming();
  }
  report_shares(state, durations, frames);
}
BENCHMARK(BM_CallbackFile)->Arg(64)->Arg(256);

void BM_CallbackDeviceInput(benchmark::State& state) { run_callback(state, lumina::SourceKind::kDeviceInput); }
void BM_CallbackDemo(benchmark::State& state) { run_callback(state, lumina::SourceKind::kDemo); }

BENCHMARK(BM_CallbackDeviceInput)->Arg(64)->Arg(256);
BENCHMARK(BM_CallbackDemo)->Arg(64)->Arg(256);

}  // namespace
