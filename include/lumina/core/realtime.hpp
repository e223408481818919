#pragma once
// Realtime discipline helpers. A thread-local flag marks "inside the audio
// callback"; a test build replaces global operator new and counts any
// allocation made while the flag is set (tests/audio/engine_alloc_test.cpp).
#include <string>

namespace lumina {

// RT-safe: reads a thread-local.
bool in_realtime_context() noexcept;

// RT-safe: sets/clears a thread-local for the lifetime of the scope.
class RealtimeScope {
 public:
  RealtimeScope() noexcept;
  ~RealtimeScope();
  RealtimeScope(const RealtimeScope&) = delete;
  RealtimeScope& operator=(const RealtimeScope&) = delete;

 private:
  bool previous_;
};

// Not RT-safe (syscall). Flush denormals to zero on this thread (SSE FTZ/DAZ):
// denormal arithmetic in decaying filters can cost 100x and blow the deadline.
void enable_flush_denormals() noexcept;

// Not RT-safe. Ask for SCHED_FIFO at `priority`; false when not permitted
// (no CAP_SYS_NICE / RLIMIT_RTPRIO). The caller logs the outcome.
bool try_set_realtime_priority(int priority) noexcept;

// How the daemon keeps its memory resident: mlockall() flags, or why not.
struct MemoryLockPlan {
  int flags = 0;       // 0: do not lock
  std::string reason;  // why not, when flags == 0
};

// Pure. Locked on fault (MCL_ONFAULT): what is resident now and what is
// touched later stays resident, nothing is committed ahead (thread stacks,
// arenas), so RSS is unchanged. MCL_FUTURE only when nothing limits it
// (`limit` RLIM_INFINITY, or CAP_IPC_LOCK): the kernel counts every later
// mapping whole against a finite RLIMIT_MEMLOCK and refuses mmap beyond it,
// which would fail malloc and thread creation.
MemoryLockPlan plan_memory_lock(unsigned long long limit, bool ipc_lock_capable);

struct MemoryLockResult {
  bool locked = false;
  std::string detail;  // for the log: what was locked, or why not
};

// Not RT-safe (syscalls). Once at start-up, before the realtime threads
// exist: a page of theirs that was swapped or dropped out would fault in the
// audio callback or the DMX tick. Not done under a sanitizer (its shadow
// memory is not something to lock).
MemoryLockResult lock_memory();

}  // namespace lumina
