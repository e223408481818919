#include "net/rate_limiter.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace lumina::net {
namespace {

using namespace std::chrono_literals;
using Clock = TokenBucket::Clock;

TEST(TokenBucket, BurstThenRefusesUntilRefilled) {
  TokenBucket bucket(100.0, 5.0);
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.try_take(t0)) << i;
  EXPECT_FALSE(bucket.try_take(t0));
  EXPECT_FALSE(bucket.try_take(t0 + 5ms));  // half a token
  EXPECT_TRUE(bucket.try_take(t0 + 10ms));  // one token after 10 ms at 100/s
  EXPECT_FALSE(bucket.try_take(t0 + 10ms));
}

TEST(TokenBucket, RefillIsCappedAtTheBurst) {
  TokenBucket bucket(100.0, 3.0);
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_TRUE(bucket.try_take(t0));
  const auto later = t0 + 10s;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.try_take(later)) << i;
  EXPECT_FALSE(bucket.try_take(later));
}

TEST(TokenBucket, SustainedRateIsTheConfiguredRate) {
  TokenBucket bucket(200.0, 400.0);
  auto t = Clock::time_point{} + 1h;
  int accepted = 0;
  // 10 s of 1000 messages/s: burst 400 plus 200/s.
  for (int i = 0; i < 10000; ++i) {
    if (bucket.try_take(t)) ++accepted;
    t += 1ms;
  }
  EXPECT_NEAR(accepted, 400 + 2000, 2);
}

TEST(TokenBucket, ZeroRateIsUnlimited) {
  TokenBucket bucket(0.0, 0.0);
  EXPECT_TRUE(bucket.unlimited());
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(bucket.try_take(Clock::time_point{}));
}

TEST(TokenBucket, TimeGoingBackwardsGrantsNothing) {
  TokenBucket bucket(1000.0, 1.0);
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_TRUE(bucket.try_take(t0));
  EXPECT_FALSE(bucket.try_take(t0 - 1s));
  EXPECT_FALSE(bucket.try_take(t0));
}

}  // namespace
}  // namespace lumina::net
