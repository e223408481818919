#pragma once
// Realtime discipline helpers. A thread-local flag marks "inside the audio
// callback"; a test build replaces global operator new and counts any
// allocation made while the flag is set (tests/audio/engine_alloc_test.cpp).
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

}  // namespace lumina
