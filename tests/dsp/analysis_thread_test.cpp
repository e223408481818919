#include "lumina/dsp/analysis_thread.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <numbers>
#include <thread>

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
      chunk.samples[i] = static_cast<float>(0.5 * std::sin(2 * std::numbers::pi * 1000.0 * static_cast<double>(t + i) / 48000));
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
