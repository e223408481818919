// Allocation guard (tests/support/alloc_guard.cpp): every allocation or free
// made while a RealtimeScope is active (i.e. inside AudioEngine::process) is
// counted. Driving the callback must leave the count unchanged.
#include <gtest/gtest.h>

#include <vector>

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

  for (SourceKind kind : {SourceKind::kDeviceInput, SourceKind::kDemo}) {
    engine.set_source(kind, demo);
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

}  // namespace
}  // namespace lumina
