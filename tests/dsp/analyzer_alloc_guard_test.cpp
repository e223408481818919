// Allocation guard (tests/support/alloc_guard.cpp): the analysis path must
// not touch the heap per hop, nor when it takes over a new Analyzer.
#include <gtest/gtest.h>

#include <vector>

#include "lumina/core/realtime.hpp"
#include "lumina/dsp/analyzer.hpp"
#include "support/alloc_guard.hpp"
#include "test_signals.hpp"

namespace lumina {
namespace {

TEST(AnalyzerAllocationGuard, TheGuardSeesAnAllocation) {
  const auto before = testing::realtime_heap_operations();
  {
    RealtimeScope scope;
    static int* volatile probe = nullptr;  // volatile: keep the new/delete pair
    probe = new int(5);
    delete probe;
  }
  EXPECT_EQ(testing::realtime_heap_operations() - before, 2U) << "otherwise the test below proves nothing";
}

TEST(AnalyzerAllocationGuard, FeedingAndSwappingNeverAllocate) {
  auto x = testing::silence(12.0);
  testing::add_noise(x, 1e-4F);
  testing::add_rock(x, 120.0, 0.25, 11.8);
  std::uint64_t frames = 0, beats = 0, onsets = 0;
  auto sink = [&](const AnalysisFrame& f) {
    ++frames;
    beats = f.beat_count;
    onsets = f.onset_count;
  };
  AnalyzerParams auto_gain;
  auto_gain.auto_gain = true;
  Analyzer first(auto_gain, sink);
  Analyzer second({48000, 1024, 256, 32}, sink);
  const std::size_t half = testing::at(6.0) / 512 * 512;

  const auto before = testing::realtime_heap_operations();
  {
    RealtimeScope scope;
    for (std::size_t i = 0; i < half; i += 256) first.feed(x.data() + i, 256, i, 0);
    second.adopt(first);
    for (std::size_t i = half; i + 256 <= x.size(); i += 256) second.feed(x.data() + i, 256, i, 0);
  }
  EXPECT_EQ(testing::realtime_heap_operations(), before);
  EXPECT_GT(frames, 1000U);
  EXPECT_GT(beats, 10U) << "the beat path ran";
  EXPECT_GT(onsets, 40U) << "the onset path ran";
}

}  // namespace
}  // namespace lumina
