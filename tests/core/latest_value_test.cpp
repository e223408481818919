#include "lumina/core/latest_value.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
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
  std::atomic<bool> done{false};
  std::thread writer([&] {
    Sample s;
    for (std::uint64_t i = 1; i <= 200'000; ++i) {
      s.id = i;
      s.copies.fill(i);
      slot.store(s);
    }
    done = true;
  });
  std::uint64_t loads = 0, last = 0;
  while (!done.load()) {
    Sample out;
    if (slot.load(out)) {
      ++loads;
      for (auto c : out.copies) ASSERT_EQ(c, out.id) << "torn read";
      ASSERT_GE(out.id, last) << "values must not go backwards";
      last = out.id;
    }
  }
  writer.join();
  Sample out;
  ASSERT_TRUE(slot.load(out));
  EXPECT_EQ(out.id, 200'000U);
  EXPECT_GT(loads, 0U);
}

}  // namespace
}  // namespace lumina
