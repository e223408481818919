// Allocation guard: this executable replaces the global allocator and counts
// every allocation or free made while a RealtimeScope is active (i.e. inside
// AudioEngine::process). Driving the callback must leave the count at zero.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "lumina/audio/demo_source.hpp"
#include "lumina/audio/engine.hpp"
#include "lumina/core/realtime.hpp"

namespace {
std::atomic<int> g_realtime_allocations{0};

void* guarded_alloc(std::size_t size) {
  if (lumina::in_realtime_context()) g_realtime_allocations.fetch_add(1);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void guarded_free(void* p) noexcept {
  if (p && lumina::in_realtime_context()) g_realtime_allocations.fetch_add(1);
  std::free(p);
}
}  // namespace

void* operator new(std::size_t size) { return guarded_alloc(size); }
void* operator new[](std::size_t size) { return guarded_alloc(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return guarded_alloc(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { guarded_free(p); }
void operator delete[](void* p) noexcept { guarded_free(p); }
void operator delete(void* p, std::size_t) noexcept { guarded_free(p); }
void operator delete[](void* p, std::size_t) noexcept { guarded_free(p); }

namespace lumina {
namespace {

TEST(AllocationGuard, DetectsAnAllocationInsideARealtimeScope) {
  g_realtime_allocations = 0;
  {
    RealtimeScope scope;
    auto* leak_check = new int(5);
    delete leak_check;
  }
  EXPECT_EQ(g_realtime_allocations.load(), 2) << "the guard itself must work, or the test below proves nothing";
  g_realtime_allocations = 0;
}

TEST(AllocationGuard, CallbackNeverAllocatesForAnySourceOrBlockSize) {
  AudioChunkRing ring(16);  // small: forces the overflow path too
  AudioEngine engine(ring);
  engine.prepare(48000);
  const std::vector<float> demo = render_demo_pattern(48000);
  std::vector<float> input(2 * 4096, 0.3F);
  std::vector<float> output(2 * 4096);
  g_realtime_allocations = 0;

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
  EXPECT_EQ(g_realtime_allocations.load(), 0);
  EXPECT_GT(engine.stats().ring_overflows, 0U) << "the overflow path was exercised";
}

}  // namespace
}  // namespace lumina
