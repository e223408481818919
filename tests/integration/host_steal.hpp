#pragma once
// Whether a test's timing can be judged. The null clock counts a stall of
// its thread as an xrun, and an oversubscribed host stops the whole vCPU,
// realtime threads included: an xrun then says nothing about luminad. Like
// scripts/soak, a test judges its xrun count only when the hypervisor took
// under 1 % of the CPU time (steal, /proc/stat) while it ran.
#include <chrono>
#include <cstdint>
#include <string>

namespace lumina::testing {

class HostSteal {
 public:
  HostSteal();  // the interval starts here

  // True when the steal since construction stayed under 1 % of the CPU
  // time, or when /proc/stat cannot tell (then timing is judged as always).
  bool quiet() const;
  // "the hypervisor took X s of CPU time in Y s" (for the test's log).
  std::string describe() const;

 private:
  double steal_before_;
  std::chrono::steady_clock::time_point started_;
};

// EXPECT_EQ(xruns, expected) when `watch` saw a quiet host; otherwise logs
// the count as not judged, with the steal measured.
void expect_xruns_unless_stolen(const HostSteal& watch, std::uint64_t xruns, std::uint64_t expected);

}  // namespace lumina::testing
