#include "host_watch.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>
#include <vector>

extern char** environ;

namespace lumina::testing {
namespace {

constexpr double kQuietShare = 0.01;       // the soak's threshold
constexpr double kExcusingStallMs = 20.0;  // the soak's: a host stop this long explains an xrun

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

HostWatch::HostWatch() : steal_before_(steal_seconds()), started_(std::chrono::steady_clock::now()) {
#ifdef LUMINA_STALL_WITNESS
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  char path[] = LUMINA_STALL_WITNESS;
  char* argv[] = {path, nullptr};
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, path, &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    std::cerr << "stall witness " << path << " not started: " << std::strerror(rc) << " (xruns judged strictly)\n";
    close(out[0]);
    return;
  }
  witness_ = pid;
  witness_out_ = out[0];
#endif
}

HostWatch::~HostWatch() { stop_witness(); }

void HostWatch::stop_witness() {
  if (witness_ < 0) return;
  kill(witness_, SIGTERM);
  // Its report comes on exit; read it all before reaping (it may exceed a pipe's buffer).
  std::string report;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(witness_out_, buf, sizeof(buf));
    if (n > 0) {
      report.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(witness_out_);
  int status = 0;
  while (waitpid(witness_, &status, 0) < 0 && errno == EINTR) {
  }
  witness_ = -1;
  witness_out_ = -1;
  const auto parsed = nlohmann::json::parse(report, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.value("realtime", false)) {
    std::cerr << "stall witness gave no realtime evidence (xruns judged strictly): " << report << "\n";
    return;
  }
  // One record per CPU: a stop of the whole machine is one record on each.
  // Overlapping records are one stop, so that it excuses one xrun, not one per CPU.
  std::vector<std::pair<double, double>> spans;
  for (const auto& stall : parsed.at("stalls")) spans.emplace_back(stall.at(1).get<double>(), stall.at(2).get<double>());
  std::sort(spans.begin(), spans.end());
  for (std::size_t i = 0; i < spans.size();) {
    auto [start, end] = spans[i];
    for (++i; i < spans.size() && spans[i].first <= end; ++i) end = std::max(end, spans[i].second);
    stalls_ms_.push_back((end - start) * 1e3);
  }
}

const std::vector<double>& HostWatch::witnessed_stalls_ms() {
  if (!witness_read_) {
    stop_witness();
    witness_read_ = true;
  }
  return stalls_ms_;
}

bool HostWatch::quiet() const {
  const double now = steal_seconds();
  if (steal_before_ < 0.0 || now < 0.0) return true;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const double cpus = static_cast<double>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  return now - steal_before_ < kQuietShare * seconds * cpus;
}

std::string HostWatch::describe() const {
  std::ostringstream out;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  out << "the hypervisor took " << std::max(0.0, steal_seconds() - steal_before_) << " s of CPU time in " << seconds
      << " s";
  return out.str();
}

void expect_xruns_unless_stolen(HostWatch& watch, std::uint64_t xruns, std::uint64_t expected) {
  if (!watch.quiet()) {
    std::cerr << "xruns not judged (" << xruns << ", expected " << expected << "): " << watch.describe() << "\n";
    return;
  }
  const auto& stalls = watch.witnessed_stalls_ms();
  const auto excusing = static_cast<std::uint64_t>(
      std::count_if(stalls.begin(), stalls.end(), [](double ms) { return ms >= kExcusingStallMs; }));
  if (xruns > expected && xruns - expected <= excusing) {
    std::cerr << "xruns excused (" << xruns << ", expected " << expected << "): the stall witness saw the machine stop "
              << excusing << " time(s) for " << kExcusingStallMs << " ms or more, worst "
              << *std::max_element(stalls.begin(), stalls.end()) << " ms\n";
    return;
  }
  EXPECT_EQ(xruns, expected) << "the stall witness saw " << excusing << " host stop(s) of " << kExcusingStallMs
                             << " ms or more (" << watch.describe() << ")";
}

}  // namespace lumina::testing
