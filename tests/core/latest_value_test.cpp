#include "lumina/core/latest_value.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace lumina {
namespace {

struct Sample {
  std::uint64_t id = 0;
  std::array<std::uint64_t, 15> copies{};  // all equal to id when consistent
};

TEST(LatestValue, EmptyUntilFirstStore) {
  LatestValue<Sample> slot;
  Sample out;
  EXPECT_FALSE(slot.load(out));
  EXPECT_EQ(slot.version(), 0U);
  Sample s;
  s.id = 3;
  slot.store(s);
  std::uint64_t version = 0;
  ASSERT_TRUE(slot.load(out, &version));
  EXPECT_EQ(out.id, 3U);
  EXPECT_EQ(version, 1U);
}

TEST(LatestValue, ReadersNeverSeeTornValues) {
  LatestValue<Sample> slot;
  std::atomic<bool> stop{false};
  // The writer keeps writing until the reader has checked enough values that
  // were read while writes were in flight (bounded in time).
  std::thread writer([&] {
    Sample s;
    for (std::uint64_t i = 1; !stop.load(std::memory_order_relaxed); ++i) {
      s.id = i;
      s.copies.fill(i);
      slot.store(s);
    }
  });
  std::uint64_t loads = 0, last = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (loads < 20'000 && std::chrono::steady_clock::now() < deadline) {
    Sample out;
    if (slot.load(out)) {
      ++loads;
      for (auto c : out.copies) ASSERT_EQ(c, out.id) << "torn read";
      ASSERT_GE(out.id, last) << "values must not go backwards";
      last = out.id;
    }
  }
  stop = true;
  writer.join();
  EXPECT_GT(loads, 1000U) << "the reader must succeed while the writer is busy";
  EXPECT_GT(last, 1U);
}

}  // namespace
}  // namespace lumina
