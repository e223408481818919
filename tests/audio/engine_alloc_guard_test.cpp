// Allocation guard (tests/support/alloc_guard.cpp): every allocation or free
// made while a RealtimeScope is active (i.e. inside AudioEngine::process) is
// counted. Driving the callback must leave the count unchanged.
#include <gtest/gtest.h>

#include <sndfile.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "lumina/audio/audio_controller.hpp"
#include "lumina/audio/file_reader.hpp"

#include "lumina/audio/demo_source.hpp"
#include "lumina/audio/engine.hpp"
#include "lumina/core/realtime.hpp"
#include "support/alloc_guard.hpp"

namespace lumina {
namespace {

TEST(AllocationGuard, DetectsAnAllocationInsideARealtimeScope) {
  const auto before = testing::realtime_heap_operations();
  {
    RealtimeScope scope;
    // Through a volatile pointer: the compiler may otherwise elide a new/delete pair.
    static int* volatile probe = nullptr;
    probe = new int(5);
    delete probe;
  }
  EXPECT_EQ(testing::realtime_heap_operations() - before, 2U)
      << "the guard itself must work, or the test below proves nothing";
}

TEST(AllocationGuard, CallbackNeverAllocatesForAnySourceOrBlockSize) {
  AudioChunkRing ring(16);  // small: forces the overflow path too
  AudioEngine engine(ring);
  engine.prepare(48000);
  const std::vector<float> demo = render_demo_pattern(48000);
  std::vector<float> input(2 * 4096, 0.3F);
  std::vector<float> output(2 * 4096);
  const auto before = testing::realtime_heap_operations();

  engine.attach(demo, nullptr);
  for (SourceKind kind : {SourceKind::kDeviceInput, SourceKind::kDemo}) {
    EngineCommand select;
    select.kind = EngineCommand::Kind::kSetSource;
    select.source = kind;
    ASSERT_TRUE(engine.post(select));
    for (std::uint32_t frames : {16U, 64U, 256U, 1000U, 4096U}) {
      for (int block = 0; block < 2000; ++block) {
        engine.process(input.data(), 2, output.data(), 2, frames, block % 97 == 0 ? kStatusInputOverflow : 0);
        AudioChunk c;
        if (block % 3 == 0) {
          while (ring.try_pop(c)) {
          }
        }
      }
    }
  }
  EXPECT_EQ(testing::realtime_heap_operations(), before);
  EXPECT_GT(engine.stats().ring_overflows, 0U) << "the overflow path was exercised";
}

// Every transport action on a file source, with a real reader thread feeding
// the ring: the callback side stays allocation-free throughout.
TEST(AllocationGuard, FileTransportNeverAllocatesInTheCallback) {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "lumina-guard-XXXXXX").string();
  const fs::path dir = ::mkdtemp(tmpl.data());
  const fs::path wav = dir / "tone.wav";
  {
    SF_INFO info{};
    info.samplerate = 44100;  // resampled by the reader: the callback must not care
    info.channels = 2;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE* f = sf_open(wav.c_str(), SFM_WRITE, &info);
    std::vector<float> data(2 * 44100, 0.25F);
    sf_writef_float(f, data.data(), 44100);
    sf_close(f);
  }
  AudioChunkRing ring(64);
  AudioEngine engine(ring);
  engine.prepare(48000);
  FileReader reader(48000);
  engine.attach({}, &reader.ring());
  AudioController controller(engine, reader);
  controller.set_monitor(true);
  controller.select_file(wav);
  std::vector<float> output(2 * 256);
  const auto before = testing::realtime_heap_operations();
  for (int block = 0; block < 6000; ++block) {
    switch (block % 600) {
      case 0: controller.play(); break;
      case 100: controller.pause(); break;
      case 150: controller.play(); break;
      case 250: controller.seek_frames(30000); break;
      case 400: controller.stop_file(); break;
      case 450: controller.stop(); break;
      case 500: controller.start(); break;
      default: break;
    }
    engine.process(nullptr, 0, output.data(), 2, 256, 0);
    AudioChunk c;
    while (ring.try_pop(c)) {
    }
    if (block % 8 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  EXPECT_EQ(testing::realtime_heap_operations(), before);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lumina
