// The side-chain classifier's costs, each against its budget:
// BM_TapOfferChunk:       the analysis thread's offer point per 256-frame chunk
//                         (copy into the block; every 8th chunk a try_offer
//                         of an 8 KB block), with room in the queue...
// BM_TapOfferChunkFull:   ...and with the queue full (the drop path).
// BM_FeaturesPerBlock:    feature extraction per 2048-sample block (≈ 43 ms of
//                         audio at 48 kHz), including the window statistics
//                         when a window completes (every ≈ 12 blocks).
// BM_Inference:           one model evaluation (68 → 32 → 4 MLP).
// BM_PipelinePerSecond:   everything the worker does for one second of audio.
#include <benchmark/benchmark.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "lumina/audio/demo_source.hpp"
#include "lumina/classify/classifier_pipeline.hpp"
#include "lumina/classify/model.hpp"
#include "lumina/classify/side_chain_block.hpp"

namespace {

constexpr std::uint32_t kRate = 48000;

const std::vector<float>& demo() {
  static const std::vector<float> d = lumina::render_demo_pattern(kRate);
  return d;
}

lumina::ClassifierModel load_model() {
  return lumina::ClassifierModel::load(std::string(LUMINA_SOURCE_DIR) + "/config/models/lumina-content.json");
}

void BM_TapOfferChunk(benchmark::State& state) {
  lumina::SideChainBlockQueue queue(64);
  lumina::SideChainTap tap(queue);
  lumina::AudioChunk chunk;
  chunk.sample_rate = kRate;
  chunk.frames = lumina::AudioChunk::kMaxFrames;
  std::copy_n(demo().begin(), chunk.frames, chunk.samples.begin());
  lumina::SideChainBlock out;
  std::uint64_t t = 0;
  for (auto _ : state) {
    chunk.sample_time = t;
    t += chunk.frames;
    tap.on_chunk(chunk);
    // Make room rarely, so the pause/resume overhead stays out of the figure.
    if (queue.counters().depth + 1 >= queue.counters().capacity) {
      state.PauseTiming();
      while (queue.try_take(out)) {}
      state.ResumeTiming();
    }
  }
  state.counters["dropped"] = static_cast<double>(queue.counters().dropped);
}
BENCHMARK(BM_TapOfferChunk);

void BM_TapOfferChunkFull(benchmark::State& state) {
  lumina::SideChainBlockQueue queue(4);
  lumina::SideChainTap tap(queue);
  lumina::AudioChunk chunk;
  chunk.sample_rate = kRate;
  chunk.frames = lumina::AudioChunk::kMaxFrames;
  std::uint64_t t = 0;
  for (auto _ : state) {
    chunk.sample_time = t;
    t += chunk.frames;
    tap.on_chunk(chunk);
  }
  state.counters["dropped"] = static_cast<double>(queue.counters().dropped);
}
BENCHMARK(BM_TapOfferChunkFull);

void BM_FeaturesPerBlock(benchmark::State& state) {
  lumina::FeatureExtractor fx(kRate);
  const auto& audio = demo();
  std::size_t pos = 0, windows = 0;
  for (auto _ : state) {
    if (pos + lumina::SideChainBlock::kFrames > audio.size()) pos = 0;
    fx.push(audio.data() + pos, lumina::SideChainBlock::kFrames, [&](const lumina::FeatureVector& f) {
      benchmark::DoNotOptimize(f.data());
      ++windows;
    });
    pos += lumina::SideChainBlock::kFrames;
  }
  state.counters["windows"] = static_cast<double>(windows);
  state.counters["cpu_per_audio_second"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * lumina::SideChainBlock::kFrames / kRate,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_FeaturesPerBlock);

void BM_Inference(benchmark::State& state) {
  lumina::ClassifierModel model = load_model();
  lumina::FeatureVector features{};
  std::mt19937 rng(1);
  std::normal_distribution<float> n(0.0F, 1.0F);
  for (auto& f : features) f = n(rng);
  std::vector<float> p(model.label_count());
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.infer(features, p));
  }
}
BENCHMARK(BM_Inference);

void BM_PipelinePerSecond(benchmark::State& state) {
  lumina::ClassifierModel model = load_model();
  lumina::ClassifierPipeline pipeline(&model, {});
  const auto& audio = demo();
  lumina::SideChainBlock block;
  block.sample_rate = kRate;
  block.frames = lumina::SideChainBlock::kFrames;
  std::uint64_t t = 0;
  const std::size_t blocks_per_second = kRate / lumina::SideChainBlock::kFrames;
  for (auto _ : state) {
    for (std::size_t b = 0; b < blocks_per_second; ++b) {
      const std::size_t pos = t % (audio.size() - block.frames);
      std::copy_n(audio.begin() + static_cast<std::ptrdiff_t>(pos), block.frames, block.samples.begin());
      block.sample_time = t;
      t += block.frames;
      pipeline.consume(block, [](const lumina::ClassifiedWindow& w) { benchmark::DoNotOptimize(w.top); });
    }
  }
}
BENCHMARK(BM_PipelinePerSecond)->Unit(benchmark::kMicrosecond);

}  // namespace
