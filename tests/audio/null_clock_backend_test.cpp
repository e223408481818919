#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "lumina/audio/backend.hpp"
#include "lumina/core/clock.hpp"

namespace lumina {
namespace {

TEST(NullClockBackend, DrivesTheCallbackAtTheSampleRate) {
  AudioChunkRing ring(4096);
  AudioEngine engine(ring);
  auto backend = make_null_clock_backend(engine, 48000, 256, false);
  EXPECT_STREQ(backend->kind(), "null");
  EXPECT_EQ(engine.sample_rate(), 48000U);
  const std::int64_t t0 = monotonic_ns();
  backend->start();
  EXPECT_TRUE(backend->running());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  backend->stop();
  const double elapsed = static_cast<double>(monotonic_ns() - t0) / 1e9;
  const double frames = static_cast<double>(engine.stats().frames);
  // Loose bounds: the machine is shared; this checks pacing, not precision.
  EXPECT_GT(frames, 0.5 * 48000 * elapsed);
  EXPECT_LT(frames, 1.2 * 48000 * elapsed + 256);
  EXPECT_FALSE(backend->running());
  const auto after = engine.stats().frames;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(engine.stats().frames, after) << "stop() really stops the clock";
}

TEST(AudioBackendSelection, NullBackendNeedsNoDevice) {
  AudioChunkRing ring(64);
  AudioEngine engine(ring);
  Config::Audio audio;
  audio.backend = "null";
  audio.sample_rate = 44100;
  std::string reason;
  auto backend = open_audio_backend(audio, engine, reason);
  EXPECT_STREQ(backend->kind(), "null");
  EXPECT_TRUE(reason.empty());
  EXPECT_EQ(backend->sample_rate(), 44100U);
}

TEST(AudioBackendSelection, UnknownDeviceFallsBackToTheNullClockWithAReason) {
  AudioChunkRing ring(64);
  AudioEngine engine(ring);
  Config::Audio audio;
  audio.backend = "portaudio";
  audio.device = "no-such-device-xyz";
  std::string reason;
  auto backend = open_audio_backend(audio, engine, reason);
  EXPECT_STREQ(backend->kind(), "null");
  EXPECT_NE(reason.find("no-such-device-xyz"), std::string::npos) << reason;
}

}  // namespace
}  // namespace lumina
