// The worker behind the side-chain queue: it classifies what the analysis
// thread offers; when slowed down (test hook) the queue overflows and drops,
// counted, while the analysis thread — fed at the audio callback's pace —
// keeps up with every chunk; an exception stops the worker alone.
#include "lumina/classify/classifier_worker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "classify_test_support.hpp"
#include "lumina/audio/demo_source.hpp"
#include "lumina/dsp/analysis_thread.hpp"

namespace lumina {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kRate = 48000;

// Waits (bounded) until `done` holds.
template <typename Pred>
bool wait_for(Pred done, std::chrono::milliseconds limit = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Plays `seconds` of the demo pattern into the chunk ring at the callback's
// pace (one 256-frame chunk per 5.3 ms, slept in batches), as the audio
// callback would: try_push only, counting overflows instead of waiting.
std::uint64_t play_like_the_callback(AudioChunkRing& ring, double seconds, std::uint64_t& pushed) {
  const std::vector<float> demo = render_demo_pattern(kRate);
  std::uint64_t overflows = 0;
  AudioChunk chunk;
  chunk.sample_rate = kRate;
  const auto total = static_cast<std::uint64_t>(seconds * kRate);
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t pos = 0; pos < total; pos += AudioChunk::kMaxFrames) {
    chunk.sample_time = pos;
    chunk.frames = AudioChunk::kMaxFrames;
    for (std::uint32_t i = 0; i < chunk.frames; ++i) chunk.samples[i] = demo[(pos + i) % demo.size()];
    if (ring.try_push(chunk)) ++pushed;
    else ++overflows;
    // Real-time pacing: never run ahead of the audio clock.
    const auto due = start + std::chrono::microseconds((pos + AudioChunk::kMaxFrames) * 1'000'000 / kRate);
    std::this_thread::sleep_until(due);
  }
  return overflows;
}

TEST(ClassifierWorker, ClassifiesWhatTheAnalysisThreadOffers) {
  AudioChunkRing ring(512);
  LatestValue<AnalysisFrame> frames;
  AnalysisThread analysis(AnalyzerParams{}, ring, frames);
  SideChainBlockQueue queue(64);
  SideChainTap tap(queue);
  std::atomic<int> events{0}, music{0};
  ClassifierWorker worker(ClassifierModel::load(testing::shipped_model_path()), queue, {}, [&](const ClassifierEvent& e) {
    ++events;
    if (e.label == "music") ++music;
    EXPECT_EQ(e.model, "lumina-content@1");
    EXPECT_GE(e.confidence, 0.0F);
    EXPECT_LE(e.confidence, 1.0F);
  });
  analysis.set_tap(&tap);
  worker.start();
  analysis.start();
  std::uint64_t pushed = 0;
  EXPECT_EQ(play_like_the_callback(ring, 4.0, pushed), 0U);
  ASSERT_TRUE(wait_for([&] { return analysis.stats().chunks == pushed && queue.counters().depth == 0; }));
  ASSERT_TRUE(wait_for([&] { return worker.stats().blocks == queue.counters().enqueued; }));
  analysis.stop();
  worker.stop();
  const auto c = queue.counters();
  EXPECT_EQ(c.dropped, 0U);
  EXPECT_EQ(c.enqueued, pushed * AudioChunk::kMaxFrames / SideChainBlock::kFrames);
  const auto s = worker.stats();
  EXPECT_GE(s.windows, 5U);  // ≈ 2 per second after the first second
  EXPECT_EQ(events.load(), static_cast<int>(s.windows));
  EXPECT_GT(music.load(), events.load() / 2);
  EXPECT_EQ(s.gaps, 0U);
  EXPECT_GT(s.inference_max_ns, 0);
}

TEST(ClassifierWorker, SlowWorkerDropsWindowsAndAnalysisKeepsUp) {
  AudioChunkRing ring(512);
  LatestValue<AnalysisFrame> frames;
  AnalysisThread analysis(AnalyzerParams{}, ring, frames);
  SideChainBlockQueue queue(8);
  SideChainTap tap(queue);
  ClassifierWorker worker(ClassifierModel::load(testing::shipped_model_path()), queue, {}, nullptr);
  worker.set_block_delay(150ms);  // blocks arrive every ≈ 43 ms: the worker falls far behind
  analysis.set_tap(&tap);
  worker.start();
  analysis.start();
  std::uint64_t pushed = 0;
  const std::uint64_t overflows = play_like_the_callback(ring, 4.0, pushed);
  // The analysis thread consumed every chunk the "callback" produced: the
  // overloaded classifier never held it up.
  ASSERT_TRUE(wait_for([&] { return analysis.stats().chunks == pushed; }));
  EXPECT_EQ(overflows, 0U);
  EXPECT_GT(analysis.stats().frames, 0U);
  analysis.stop();
  worker.stop();
  const auto c = queue.counters();
  EXPECT_EQ(c.offered, pushed * AudioChunk::kMaxFrames / SideChainBlock::kFrames);
  EXPECT_EQ(c.enqueued + c.dropped, c.offered);
  EXPECT_GT(c.dropped, c.offered / 2) << "the slowed worker should have taken well under half the blocks";
  EXPECT_GT(worker.stats().blocks, 0U);
  EXPECT_GT(worker.stats().gaps, 0U) << "dropped blocks restart the window";
}

TEST(ClassifierWorker, AnExceptionStopsOnlyTheWorker) {
  SideChainBlockQueue queue(8);
  SideChainTap tap(queue);
  ClassifierWorker worker(ClassifierModel::load(testing::shipped_model_path()), queue, {},
                          [](const ClassifierEvent&) { throw std::runtime_error("sink exploded"); });
  worker.start();
  const std::vector<float> demo = render_demo_pattern(kRate);
  AudioChunk chunk;
  chunk.sample_rate = kRate;
  // Offer ≈ 3 s of audio, waiting for the worker to drain before each block so
  // it reaches a window (and the throwing sink).
  for (std::uint64_t pos = 0; pos < 3 * kRate; pos += AudioChunk::kMaxFrames) {
    chunk.sample_time = pos;
    chunk.frames = AudioChunk::kMaxFrames;
    std::copy_n(demo.begin() + static_cast<std::ptrdiff_t>(pos), chunk.frames, chunk.samples.begin());
    tap.on_chunk(chunk);
    ASSERT_TRUE(wait_for([&] { return queue.counters().depth == 0 || worker.stats().failed; }, 10s));
  }
  ASSERT_TRUE(wait_for([&] { return worker.stats().failed; }));
  EXPECT_FALSE(worker.stats().running);
  ASSERT_TRUE(worker.failure().has_value());
  EXPECT_NE(worker.failure()->find("sink exploded"), std::string::npos);
  // The producer side still works: offers beyond the queue are dropped and counted.
  const auto before = queue.counters();
  for (std::uint64_t pos = 3 * kRate; pos < 3 * kRate + 20 * SideChainBlock::kFrames; pos += AudioChunk::kMaxFrames) {
    chunk.sample_time = pos;
    tap.on_chunk(chunk);
  }
  const auto after = queue.counters();
  EXPECT_EQ(after.offered - before.offered, 20U);
  EXPECT_GT(after.dropped, before.dropped);
  worker.stop();  // joins cleanly after the failure
}

}  // namespace
}  // namespace lumina
