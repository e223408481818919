#include "lumina/core/realtime.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace lumina {
namespace {
thread_local bool t_in_realtime = false;
}

bool in_realtime_context() noexcept { return t_in_realtime; }

RealtimeScope::RealtimeScope() noexcept : previous_(t_in_realtime) { t_in_realtime = true; }
RealtimeScope::~RealtimeScope() { t_in_realtime = previous_; }

void enable_flush_denormals() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  // FTZ (bit 15) and DAZ (bit 6) of MXCSR.
  _mm_setcsr(_mm_getcsr() | 0x8040U);
#endif
}

bool try_set_realtime_priority(int priority) noexcept {
  sched_param param{};
  param.sched_priority = priority;
  return pthread_setschedparam(pthread_self(), SCHED_FIFO, &param) == 0;
}

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

constexpr int kCapIpcLock = 14;  // linux/capability.h

// Whether CAP_IPC_LOCK is in this process's effective set (/proc/self/status
// CapEff, hexadecimal): then no RLIMIT_MEMLOCK applies.
bool ipc_lock_capable() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    try {
      return ((std::stoull(line.substr(7), nullptr, 16) >> kCapIpcLock) & 1U) != 0;
    } catch (const std::exception&) {
      return false;
    }
  }
  return false;
}

std::string describe_limit(unsigned long long limit) {
  return limit == RLIM_INFINITY ? std::string("unlimited") : std::to_string(limit / 1024) + " KiB";
}

}  // namespace

MemoryLockPlan plan_memory_lock(unsigned long long limit, bool ipc_lock_capable) {
  if (limit == RLIM_INFINITY || ipc_lock_capable) return {MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT, {}};
  return {0, "RLIMIT_MEMLOCK is " + describe_limit(limit) +
                 ", too little for a daemon's whole address space; set LimitMEMLOCK=infinity (the shipped "
                 "luminad.service does) or `ulimit -l unlimited`"};
}

MemoryLockResult lock_memory() {
  if (kSanitized) return {false, "not in a sanitizer build"};
  rlimit limit{};
  if (getrlimit(RLIMIT_MEMLOCK, &limit) != 0) return {false, std::string("getrlimit: ") + std::strerror(errno)};
  const bool capable = ipc_lock_capable();
  const MemoryLockPlan plan = plan_memory_lock(limit.rlim_cur, capable);
  if (plan.flags == 0) return {false, plan.reason};
  if (mlockall(plan.flags) != 0) return {false, std::string("mlockall: ") + std::strerror(errno)};
  return {true, "resident pages and every page touched from now on (on fault; " +
                    (capable ? std::string("CAP_IPC_LOCK") : "RLIMIT_MEMLOCK " + describe_limit(limit.rlim_cur)) + ")"};
}

}  // namespace lumina
