#include "lumina/audio/engine.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace lumina {
namespace {

std::vector<AudioChunk> drain(AudioChunkRing& ring) {
  std::vector<AudioChunk> out;
  AudioChunk c;
  while (ring.try_pop(c)) out.push_back(c);
  return out;
}

TEST(AudioEngine, MixesInterleavedInputToMonoChunksWithSampleClock) {
  AudioChunkRing ring(64);
  AudioEngine engine(ring);
  engine.prepare(48000);
  std::vector<float> input(2 * 100);
  for (int i = 0; i < 100; ++i) {
    input[2 * i] = 0.5F;
    input[2 * i + 1] = -0.1F;
  }
  engine.process(input.data(), 2, nullptr, 0, 100, 0);
  engine.process(input.data(), 2, nullptr, 0, 100, 0);
  const auto chunks = drain(ring);
  ASSERT_EQ(chunks.size(), 2U);
  EXPECT_EQ(chunks[0].sample_time, 0U);
  EXPECT_EQ(chunks[1].sample_time, 100U);
  EXPECT_EQ(chunks[0].frames, 100U);
  EXPECT_EQ(chunks[0].sample_rate, 48000U);
  EXPECT_FLOAT_EQ(chunks[0].samples[0], 0.2F);
  EXPECT_FLOAT_EQ(chunks[1].samples[99], 0.2F);
  EXPECT_EQ(engine.stats().frames, 200U);
  EXPECT_EQ(engine.stats().blocks, 2U);
}

TEST(AudioEngine, SplitsLargeBlocksIntoChunks) {
  AudioChunkRing ring(64);
  AudioEngine engine(ring);
  std::vector<float> input(1000, 0.25F);
  engine.process(input.data(), 1, nullptr, 0, 1000, 0);
  const auto chunks = drain(ring);
  ASSERT_EQ(chunks.size(), 4U);  // 256 + 256 + 256 + 232
  EXPECT_EQ(chunks[3].frames, 1000U - 3 * AudioChunk::kMaxFrames);
  EXPECT_EQ(chunks[3].sample_time, 3U * AudioChunk::kMaxFrames);
}

TEST(AudioEngine, FullRingDropsAndCountsButKeepsTheClock) {
  AudioChunkRing ring(2);
  AudioEngine engine(ring);
  std::vector<float> input(64, 0.1F);
  for (int i = 0; i < 5; ++i) engine.process(input.data(), 1, nullptr, 0, 64, 0);
  EXPECT_EQ(engine.stats().ring_overflows, 3U);
  drain(ring);
  engine.process(input.data(), 1, nullptr, 0, 64, 0);
  const auto chunks = drain(ring);
  ASSERT_EQ(chunks.size(), 1U);
  EXPECT_EQ(chunks[0].sample_time, 5U * 64) << "dropped audio leaves a gap in the stamps, not a shift";
}

TEST(AudioEngine, DemoSourceLoopsTheBuffer) {
  AudioChunkRing ring(64);
  AudioEngine engine(ring);
  const std::vector<float> demo{1, 2, 3, 4, 5};
  engine.attach(demo, nullptr);
  EngineCommand select;
  select.kind = EngineCommand::Kind::kSetSource;
  select.source = SourceKind::kDemo;
  ASSERT_TRUE(engine.post(select));
  engine.process(nullptr, 0, nullptr, 0, 300, 0);  // the 5 ms fade-in after a source change
  drain(ring);
  engine.process(nullptr, 0, nullptr, 0, 12, 0);
  const auto chunks = drain(ring);
  ASSERT_EQ(chunks.size(), 1U);
  const std::vector<float> got(chunks[0].samples.begin(), chunks[0].samples.begin() + 12);
  // 300 frames in, the loop is at 300 % 5 == 0.
  EXPECT_EQ(got, (std::vector<float>{1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2}));
}

TEST(AudioEngine, NoInputMeansSilenceAndOutputIsAlwaysWritten) {
  AudioChunkRing ring(64);
  AudioEngine engine(ring);
  std::vector<float> output(2 * 32, 9.0F);
  engine.process(nullptr, 0, output.data(), 2, 32, 0);
  for (float v : output) EXPECT_EQ(v, 0.0F);
  const auto chunks = drain(ring);
  ASSERT_EQ(chunks.size(), 1U);
  for (std::uint32_t i = 0; i < 32; ++i) EXPECT_EQ(chunks[0].samples[i], 0.0F);
}

TEST(AudioEngine, CountsBackendXrunsAndTimesEveryCallback) {
  AudioChunkRing ring(64);
  AudioEngine engine(ring);
  engine.process(nullptr, 0, nullptr, 0, 16, kStatusInputOverflow);
  engine.process(nullptr, 0, nullptr, 0, 16, kStatusOutputUnderflow);
  engine.process(nullptr, 0, nullptr, 0, 16, 0);
  const AudioStats s = engine.stats();
  EXPECT_EQ(s.xruns, 2U);
  std::uint64_t counted = 0;
  for (auto c : s.callback_histogram) counted += c;
  EXPECT_EQ(counted, 3U);
  EXPECT_GE(s.max_callback_ns, s.last_callback_ns);
}

}  // namespace
}  // namespace lumina
