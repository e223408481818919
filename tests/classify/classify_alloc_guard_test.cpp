// Allocation guard (tests/support/alloc_guard.cpp): the offer point on the
// analysis thread, feature extraction and inference never touch the heap
// once built.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "classify_test_support.hpp"
#include "lumina/classify/features.hpp"
#include "lumina/classify/model.hpp"
#include "lumina/core/realtime.hpp"
#include "support/alloc_guard.hpp"

namespace lumina {
namespace {

TEST(ClassifierAllocationGuard, TheGuardSeesAnAllocation) {
  const auto before = testing::realtime_heap_operations();
  {
    RealtimeScope scope;
    static int* volatile probe = nullptr;
    probe = new int(5);
    delete probe;
  }
  EXPECT_EQ(testing::realtime_heap_operations() - before, 2U) << "otherwise the tests below prove nothing";
}

TEST(ClassifierAllocationGuard, OfferPointNeverAllocatesWithRoomOrWhenFull) {
  SideChainBlockQueue queue(4);
  SideChainTap tap(queue);
  AudioChunk chunk;
  chunk.sample_rate = 48000;
  chunk.frames = AudioChunk::kMaxFrames;
  const auto before = testing::realtime_heap_operations();
  {
    RealtimeScope scope;
    for (std::uint64_t i = 0; i < 200; ++i) {  // 25 blocks into a 4-block queue: offers and drops
      chunk.sample_time = i * AudioChunk::kMaxFrames;
      chunk.samples[0] = static_cast<float>(i);
      tap.on_chunk(chunk);
    }
  }
  EXPECT_EQ(testing::realtime_heap_operations(), before);
  EXPECT_EQ(queue.counters().enqueued, 4U);
  EXPECT_EQ(queue.counters().dropped, 21U);
}

TEST(ClassifierAllocationGuard, FeaturesAndInferenceNeverAllocate) {
  ClassifierModel model = ClassifierModel::load(testing::shipped_model_path());
  FeatureExtractor features(48000);
  std::vector<float> audio(3 * 48000);
  for (std::size_t i = 0; i < audio.size(); ++i) audio[i] = 0.3F * static_cast<float>(std::sin(0.05 * static_cast<double>(i)));
  std::vector<float> p(model.label_count());
  std::size_t windows = 0;
  const auto before = testing::realtime_heap_operations();
  {
    RealtimeScope scope;
    features.push(audio.data(), audio.size(), [&](const FeatureVector& f) {
      ++windows;
      (void)model.infer(f, p);
    });
  }
  EXPECT_EQ(testing::realtime_heap_operations(), before);
  // The first window needs 1024 + 93 × 512 samples (≈ 1.01 s), then one per 47 × 512 (≈ 0.5 s).
  EXPECT_EQ(windows, 4U);
}

}  // namespace
}  // namespace lumina
