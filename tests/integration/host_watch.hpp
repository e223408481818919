#pragma once
// Whether a test's timing can be judged. The null clock counts a stall of
// its thread as an xrun, and an oversubscribed host stops the whole vCPU,
// realtime threads included: an xrun then says nothing about luminad. Like
// scripts/soak, a test judges its xrun count only when the hypervisor took
// under 1 % of the CPU time (steal, /proc/stat) while it ran, and excuses an
// xrun only when the stall witness (bench/stall_witness: one SCHED_FIFO 99
// thread per CPU, in its own process) saw the machine itself stop for
// 20 ms or more -- one xrun per such stall. Steal under 1 % can still come
// as one long stop (the soak of a CI run saw 39 ms at 0.2 %).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace lumina::testing {

class HostWatch {
 public:
  HostWatch();  // the interval starts here, and the witness with it
  ~HostWatch();
  HostWatch(const HostWatch&) = delete;
  HostWatch& operator=(const HostWatch&) = delete;

  // True when the steal since construction stayed under 1 % of the CPU
  // time, or when /proc/stat cannot tell (then timing is judged as always).
  bool quiet() const;
  // "the hypervisor took X s of CPU time in Y s" (for the test's log).
  std::string describe() const;
  // Stops the witness (once) and returns the length in ms of every stall it
  // saw (stalls of several CPUs that overlap in time are one); empty when it
  // could not run at realtime priority (then its stalls are its own
  // scheduling, not evidence) or could not be started.
  const std::vector<double>& witnessed_stalls_ms();

 private:
  void stop_witness();

  double steal_before_;
  std::chrono::steady_clock::time_point started_;
  pid_t witness_ = -1;
  int witness_out_ = -1;  // read end of the witness's stdout
  bool witness_read_ = false;
  std::vector<double> stalls_ms_;
};

// EXPECT_EQ(xruns, expected) when `watch` saw a quiet host, excusing one xrun
// per witnessed stall of 20 ms or more (logged); otherwise logs the count as
// not judged, with the steal measured.
void expect_xruns_unless_stolen(HostWatch& watch, std::uint64_t xruns, std::uint64_t expected);

}  // namespace lumina::testing
