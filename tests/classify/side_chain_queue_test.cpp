#include "lumina/classify/side_chain_queue.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <thread>

namespace lumina {
namespace {

struct Window {
  std::uint64_t id = 0;
  std::array<float, 32> features{};
};

TEST(SideChainQueue, DropsNewWindowsWhenFullAndCountsThem) {
  SideChainQueue<Window> q(4);
  for (std::uint64_t i = 0; i < 10; ++i) q.try_offer(Window{i, {}});
  const SideChainCounters c = q.counters();
  EXPECT_EQ(c.offered, 10U);
  EXPECT_EQ(c.enqueued, 4U);
  EXPECT_EQ(c.dropped, 6U);
  EXPECT_EQ(c.depth, 4U);
  Window w;
  ASSERT_TRUE(q.try_take(w));
  EXPECT_EQ(w.id, 0U) << "discard-new keeps the oldest queued windows";
}

TEST(SideChainQueue, SlowConsumerNeverBlocksTheProducer) {
  SideChainQueue<Window> q(8);
  std::atomic<bool> stop{false};
  std::thread slow_worker([&] {
    Window w;
    while (!stop) {
      if (q.try_take(w)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      else std::this_thread::yield();
    }
  });
  for (std::uint64_t i = 0; i < 100'000; ++i) q.try_offer(Window{i, {}});
  stop = true;
  slow_worker.join();
  const SideChainCounters c = q.counters();
  EXPECT_EQ(c.offered, 100'000U);
  EXPECT_EQ(c.enqueued + c.dropped, c.offered);
  EXPECT_GT(c.dropped, 0U);
}

}  // namespace
}  // namespace lumina
