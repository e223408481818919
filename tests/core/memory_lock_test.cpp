// Locking the daemon's memory (lock_memory): on fault, so nothing is
// committed ahead, and MCL_FUTURE only where no limit would make a later
// mmap fail.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include "lumina/core/realtime.hpp"

namespace lumina {
namespace {

// A "Key:   1234 kB" line of /proc/self/smaps_rollup, in KiB (-1: not
// there). `Locked` there is resident locked memory (VmLck in status counts
// every locked mapping whole, touched or not).
long rollup_kib(const std::string& key) {
  std::ifstream rollup("/proc/self/smaps_rollup");
  std::string line;
  while (std::getline(rollup, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  }
  return -1;
}

TEST(MemoryLock, PlanLocksOnFaultAndTheFutureOnlyWhereNoLimitApplies) {
  for (const bool capable : {false, true}) {
    const MemoryLockPlan plan = plan_memory_lock(RLIM_INFINITY, capable);
    EXPECT_EQ(plan.flags, MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
    EXPECT_TRUE(plan.reason.empty());
  }
  // CAP_IPC_LOCK: the limit does not apply.
  EXPECT_EQ(plan_memory_lock(8ULL << 20, true).flags, MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
  // A finite limit without the capability: every later mapping would count
  // whole against it and mmap would fail past it, so nothing is locked, and
  // the reason says what to change.
  const MemoryLockPlan limited = plan_memory_lock(8ULL << 20, false);
  EXPECT_EQ(limited.flags, 0);
  EXPECT_NE(limited.reason.find("RLIMIT_MEMLOCK is 8192 KiB"), std::string::npos) << limited.reason;
  EXPECT_NE(limited.reason.find("LimitMEMLOCK=infinity"), std::string::npos) << limited.reason;
}

TEST(MemoryLock, TouchedPagesStayLockedAndNothingIsCommittedAhead) {
  const MemoryLockResult result = lock_memory();
  if (!result.locked) GTEST_SKIP() << "memory not locked here: " << result.detail;
  // Whatever happens below, the test process is left as it was.
  struct Unlock {
    ~Unlock() { munlockall(); }
  } const unlock;
  EXPECT_GT(rollup_kib("Locked"), 0) << "what was resident is locked";
  const long rss_before = rollup_kib("Rss"), locked_before = rollup_kib("Locked");

  // 64 MiB mapped after the lock (MCL_FUTURE) and not touched: not resident, not locked.
  constexpr std::size_t kMapped = 64U << 20, kTouched = 4U << 20;
  void* region = mmap(nullptr, kMapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(region, MAP_FAILED);
  const std::unique_ptr<void, void (*)(void*)> unmap(region, [](void* r) { munmap(r, kMapped); });
  EXPECT_LT(rollup_kib("Rss") - rss_before, 8 * 1024) << "the lock committed the whole mapping";
  EXPECT_LT(rollup_kib("Locked") - locked_before, 8 * 1024);
  // Touched: resident and locked.
  std::memset(region, 1, kTouched);
  EXPECT_GE(rollup_kib("Locked") - locked_before, static_cast<long>(kTouched / 1024));
}

}  // namespace
}  // namespace lumina
