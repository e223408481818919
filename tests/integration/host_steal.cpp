#include "host_steal.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

namespace lumina::testing {
namespace {

constexpr double kQuietShare = 0.01;  // the soak's threshold

// CPU time the hypervisor has taken from this machine since boot (all CPUs),
// in seconds; negative when /proc/stat cannot tell.
double steal_seconds() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  double fields[8] = {};
  if (!(stat >> cpu) || cpu != "cpu") return -1.0;
  for (double& f : fields) stat >> f;
  return stat ? fields[7] / static_cast<double>(sysconf(_SC_CLK_TCK)) : -1.0;
}

}  // namespace

HostSteal::HostSteal() : steal_before_(steal_seconds()), started_(std::chrono::steady_clock::now()) {}

bool HostSteal::quiet() const {
  const double now = steal_seconds();
  if (steal_before_ < 0.0 || now < 0.0) return true;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const double cpus = static_cast<double>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  return now - steal_before_ < kQuietShare * seconds * cpus;
}

std::string HostSteal::describe() const {
  std::ostringstream out;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  out << "the hypervisor took " << std::max(0.0, steal_seconds() - steal_before_) << " s of CPU time in " << seconds
      << " s";
  return out.str();
}

void expect_xruns_unless_stolen(const HostSteal& watch, std::uint64_t xruns, std::uint64_t expected) {
  if (watch.quiet()) {
    EXPECT_EQ(xruns, expected);
  } else {
    std::cerr << "xruns not judged (" << xruns << ", expected " << expected << "): " << watch.describe() << "\n";
  }
}

}  // namespace lumina::testing
