#include "lumina/dsp/analysis_thread.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <numbers>
#include <thread>
#include <vector>

#include "test_signals.hpp"

namespace lumina {
namespace {

TEST(AnalysisThread, ConsumesChunksAndPublishesFrames) {
  AudioChunkRing ring(256);
  LatestValue<AnalysisFrame> frames;
  AnalysisThread thread({48000, 1024, 256, 8}, ring, frames);
  thread.start();
  std::uint64_t t = 0;
  for (int c = 0; c < 40; ++c) {
    AudioChunk chunk;
    chunk.sample_time = t;
    chunk.frames = AudioChunk::kMaxFrames;
    chunk.sample_rate = 48000;
    chunk.captured_ns = 12345;
    for (std::uint32_t i = 0; i < chunk.frames; ++i) {
      chunk.samples[i] =
          static_cast<float>(0.5 * std::sin(2 * std::numbers::pi * 1000.0 * static_cast<double>(t + i) / 48000));
    }
    t += chunk.frames;
    while (!ring.try_push(chunk)) std::this_thread::yield();
  }
  AnalysisFrame f;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (thread.stats().chunks < 40 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  thread.stop();
  const AnalysisStats s = thread.stats();
  EXPECT_EQ(s.chunks, 40U);
  EXPECT_EQ(s.frames, 40U) << "one frame per 256-frame hop";
  EXPECT_EQ(s.gaps, 0U);
  ASSERT_TRUE(frames.load(f));
  EXPECT_EQ(f.sample_time, t);
  EXPECT_EQ(f.captured_ns, 12345);
  EXPECT_NEAR(f.rms_db, -6.0, 0.2);
}

}  // namespace
}  // namespace lumina

namespace lumina {
namespace {

// Pushes `seconds` of a drum groove into the ring at faster than real time.
class Producer {
 public:
  Producer(AudioChunkRing& ring, double seconds) : ring_(ring) {
    signal_ = testing::silence(seconds);
    testing::add_noise(signal_, 1e-4F);
    testing::add_rock(signal_, 120.0, 0.25, seconds - 0.2);
  }
  // Pushes up to `frames` more samples; false when the signal is used up.
  bool push(std::size_t frames) {
    const std::size_t end = std::min(signal_.size(), position_ + frames);
    while (position_ < end) {
      AudioChunk chunk;
      chunk.sample_time = position_;
      chunk.sample_rate = 48000;
      chunk.frames = static_cast<std::uint32_t>(std::min<std::size_t>(AudioChunk::kMaxFrames, end - position_));
      std::copy_n(signal_.data() + position_, chunk.frames, chunk.samples.data());
      while (!ring_.try_push(chunk)) std::this_thread::yield();
      position_ += chunk.frames;
    }
    return position_ < signal_.size();
  }
  std::size_t position() const { return position_; }

 private:
  AudioChunkRing& ring_;
  std::vector<float> signal_;
  std::size_t position_ = 0;
};

void wait_for_chunks(const AnalysisThread& thread, std::uint64_t chunks) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (thread.stats().chunks < chunks && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

TEST(AnalysisThreadParams, InvalidParametersAreRejectedNamingTheField) {
  AudioChunkRing ring(16);
  LatestValue<AnalysisFrame> frames;
  AnalysisThread thread({}, ring, frames);
  AnalyzerParams p;
  p.fft_size = 1000;
  EXPECT_EQ(thread.set_params(p).value_or(""), "fftSize must be a power of two in 256..8192, got 1000");
  p = {};
  p.bands = 65;
  EXPECT_EQ(thread.set_params(p).value_or(""), "bands must be in 1..64, got 65");
  EXPECT_EQ(thread.params().bands, 8U) << "a rejected change leaves the parameters alone";
  EXPECT_EQ(thread.stats().param_swaps, 0U);
}

TEST(AnalysisThreadParams, ChangeBeforeStartAppliesAtOnce) {
  AudioChunkRing ring(16);
  LatestValue<AnalysisFrame> frames;
  AnalysisThread thread({}, ring, frames);
  AnalyzerParams p;
  p.bands = 12;
  EXPECT_FALSE(thread.set_params(p).has_value());
  EXPECT_EQ(thread.stats().param_swaps, 1U);
  EXPECT_EQ(thread.params().bands, 12U);
}

TEST(AnalysisThreadParams, SwapWhileRunningKeepsFramesCountersAndTempoGoing) {
  AudioChunkRing ring(512);
  LatestValue<AnalysisFrame> frames;
  AnalysisThread thread({48000, 2048, 512, 8}, ring, frames);
  Producer producer(ring, 16.0);
  thread.start();
  producer.push(testing::at(8.0));
  wait_for_chunks(thread, producer.position() / AudioChunk::kMaxFrames);
  AnalysisFrame before;
  ASSERT_TRUE(frames.load(before));
  ASSERT_NEAR(before.bpm, 120.0F, 1.0F);

  AnalyzerParams next{48000, 1024, 256, 16};
  ASSERT_FALSE(thread.set_params(next).has_value());
  // Watch every published frame across the swap from this (control) thread.
  std::uint64_t last_onsets = before.onset_count, last_beats = before.beat_count, last_time = before.sample_time;
  bool saw_new_layout = false;
  while (producer.push(2048)) {
    AnalysisFrame f;
    if (frames.load(f)) {
      EXPECT_GE(f.onset_count, last_onsets);
      EXPECT_GE(f.beat_count, last_beats);
      EXPECT_GE(f.sample_time, last_time);
      saw_new_layout = saw_new_layout || f.band_count == 16;
      last_onsets = f.onset_count;
      last_beats = f.beat_count;
      last_time = f.sample_time;
    }
  }
  wait_for_chunks(thread, (producer.position() + AudioChunk::kMaxFrames - 1) / AudioChunk::kMaxFrames);
  thread.stop();
  AnalysisFrame after;
  ASSERT_TRUE(frames.load(after));
  EXPECT_TRUE(saw_new_layout || after.band_count == 16);
  EXPECT_EQ(after.band_count, 16U);
  EXPECT_EQ(thread.stats().param_swaps, 1U);
  EXPECT_EQ(thread.stats().gaps, 0U);
  EXPECT_EQ(after.sample_time % 256, 0U) << "frames on the new hop grid";
  EXPECT_NEAR(after.bpm, 120.0F, 1.0F) << "tempo carried across the swap";
  EXPECT_GT(after.beat_count, before.beat_count + 10);
  EXPECT_EQ(thread.params().fft_size, 1024U);
  thread.reclaim();
}

TEST(AnalysisThreadParams, ManyChangesUnderLoadAreSafe) {
  // For ThreadSanitizer: the control thread changes parameters as fast as
  // it can while the analysis thread works through a stream.
  AudioChunkRing ring(512);
  LatestValue<AnalysisFrame> frames;
  AnalysisThread thread({}, ring, frames);
  thread.start();
  std::atomic<bool> done{false};
  std::thread producer_thread([&] {
    Producer producer(ring, 6.0);
    while (producer.push(4096)) {
    }
    done = true;
  });
  int changes = 0;
  const std::array<std::uint32_t, 4> sizes{512, 1024, 2048, 4096};
  while (!done.load()) {
    AnalyzerParams p;
    p.fft_size = sizes[static_cast<std::size_t>(changes) % sizes.size()];
    p.hop = p.fft_size / 4;
    p.bands = 4 + static_cast<std::uint32_t>(changes % 8);
    ASSERT_FALSE(thread.set_params(p).has_value());
    ++changes;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  producer_thread.join();
  wait_for_chunks(thread, testing::at(6.0) / AudioChunk::kMaxFrames);
  thread.stop();
  EXPECT_GT(changes, 2);
  EXPECT_GE(thread.stats().param_swaps, 1U);
  EXPECT_LE(thread.stats().param_swaps, static_cast<std::uint64_t>(changes));
  EXPECT_EQ(thread.stats().gaps, 0U);
  AnalysisFrame last;
  ASSERT_TRUE(frames.load(last));
  EXPECT_GT(last.onset_count, 0U);
}

}  // namespace
}  // namespace lumina
