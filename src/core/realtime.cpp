#include "lumina/core/realtime.hpp"

#include <pthread.h>
#include <sched.h>
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

}  // namespace lumina
