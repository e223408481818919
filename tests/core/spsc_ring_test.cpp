#include "lumina/core/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>

namespace lumina {
namespace {

TEST(SpscRing, RoundsCapacityUpToPowerOfTwo) {
  SpscRing<int> ring(5);
  EXPECT_EQ(ring.capacity(), 8U);
}

TEST(SpscRing, FifoOrderAndFullEmptyEdges) {
  SpscRing<int> ring(4);
  int out = 0;
  EXPECT_FALSE(ring.try_pop(out));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(ring.try_push(i));
  EXPECT_FALSE(ring.try_push(99)) << "a full ring must refuse, not overwrite";
  EXPECT_EQ(ring.size_approx(), 4U);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out, i);
  }
  EXPECT_FALSE(ring.try_pop(out));
}

TEST(SpscRing, PrepareAndFrontWorkInPlace) {
  SpscRing<int> ring(2);
  int* slot = ring.prepare();
  ASSERT_NE(slot, nullptr);
  *slot = 7;
  EXPECT_EQ(ring.front(), nullptr) << "nothing is visible before push()";
  ring.push();
  const int* front = ring.front();
  ASSERT_NE(front, nullptr);
  EXPECT_EQ(*front, 7);
  ring.pop();
  EXPECT_EQ(ring.front(), nullptr);
}

TEST(SpscRing, WrapsAroundManyTimes) {
  SpscRing<std::uint32_t> ring(8);
  std::uint32_t next_in = 0, next_out = 0, out = 0;
  for (int round = 0; round < 1000; ++round) {
    while (ring.try_push(next_in)) ++next_in;
    for (int k = 0; k < 5 && ring.try_pop(out); ++k) EXPECT_EQ(out, next_out++);
  }
  while (ring.try_pop(out)) EXPECT_EQ(out, next_out++);
  EXPECT_EQ(next_in, next_out);
}

// Two real threads: every value arrives exactly once and in order (run under TSan too).
TEST(SpscRing, ConcurrentProducerConsumerKeepsOrder) {
  constexpr std::uint64_t kCount = 500'000;
  SpscRing<std::uint64_t> ring(64);
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kCount;) {
      if (ring.try_push(i)) ++i;
      else std::this_thread::yield();
    }
  });
  std::uint64_t expected = 0, value = 0;
  while (expected < kCount) {
    if (ring.try_pop(value)) {
      ASSERT_EQ(value, expected);
      ++expected;
    } else {
      std::this_thread::yield();
    }
  }
  producer.join();
  EXPECT_FALSE(ring.try_pop(value));
}

}  // namespace
}  // namespace lumina
