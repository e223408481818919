// Stall witness for scripts/soak: one thread per CPU, pinned to it, at the
// highest SCHED_FIFO priority when allowed, wakes every period and records
// every wake-up later than the threshold. It shares nothing with luminad (own
// process, own memory), so a stall it records is the machine's: the
// hypervisor took the CPU, or the kernel did not schedule for that long.
// The soak excuses a missed DMX tick or an audio xrun only when a witness
// was stalled at the same time (docs/benchmarks.md, "Soak").
//
// stall_witness [--period-us 1000] [--threshold-us 2000]
// Runs until SIGTERM or SIGINT, then prints one JSON object to stdout:
//   {"realtime": true, "cpus": 2, "periodUs": 1000, "thresholdUs": 2000,
//    "wakeups": N, "dropped": 0, "worstMs": 0.08,
//    "stalls": [[cpu, startSec, endSec], ...]}
// startSec is the missed deadline and endSec the wake-up, both
// CLOCK_MONOTONIC seconds (Python's time.monotonic()).
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t kMaxStallsPerCpu = 1 << 16;

struct Stall {
  std::int64_t start_ns;
  std::int64_t end_ns;
};

struct CpuWatch {
  int cpu = 0;
  std::vector<Stall> stalls;  // reserved up front: the loop never allocates
  std::uint64_t wakeups = 0;
  std::uint64_t dropped = 0;
  std::int64_t worst_ns = 0;
  bool realtime = false;
};

std::atomic<bool> g_stop{false};

std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void sleep_until(std::int64_t deadline_ns) {
  const timespec ts{static_cast<time_t>(deadline_ns / 1'000'000'000), static_cast<long>(deadline_ns % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

void watch(CpuWatch& w, std::int64_t period_ns, std::int64_t threshold_ns) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(w.cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
  sched_param param{};
  param.sched_priority = sched_get_priority_max(SCHED_FIFO);
  w.realtime = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param) == 0;
  std::int64_t deadline = now_ns() + period_ns;
  while (!g_stop.load(std::memory_order_relaxed)) {
    sleep_until(deadline);
    const std::int64_t wake = now_ns();
    ++w.wakeups;
    const std::int64_t late = wake - deadline;
    w.worst_ns = std::max(w.worst_ns, late);
    if (late > threshold_ns) {
      if (w.stalls.size() < kMaxStallsPerCpu) {
        w.stalls.push_back({deadline, wake});
      } else {
        ++w.dropped;
      }
    }
    // The next deadline is a period after this wake-up: a stall is recorded
    // once, not again as a run of late deadlines behind it.
    deadline = std::max(deadline + period_ns, wake + period_ns / 2);
  }
}

long arg_value(int argc, char** argv, const char* name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::strtol(argv[i + 1], nullptr, 10);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; i += 2) {
    if ((std::strcmp(argv[i], "--period-us") != 0 && std::strcmp(argv[i], "--threshold-us") != 0) || i + 1 >= argc) {
      std::fprintf(stderr, "usage: stall_witness [--period-us 1000] [--threshold-us 2000]\n");
      return 2;
    }
  }
  const long period_us = arg_value(argc, argv, "--period-us", 1000);
  const long threshold_us = arg_value(argc, argv, "--threshold-us", 2000);
  if (period_us < 100 || threshold_us < period_us) {
    std::fprintf(stderr, "stall_witness: --period-us must be >= 100 and --threshold-us >= the period\n");
    return 2;
  }
  // Its own page faults must not read as stalls.
  mlockall(MCL_CURRENT | MCL_FUTURE);
  // A parent that dies without stopping it (a test killed at its timeout)
  // must not leave SCHED_FIFO 99 threads behind: SIGTERM ends it as usual.
  prctl(PR_SET_PDEATHSIG, SIGTERM);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // inherited by the watchers

  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  sched_getaffinity(0, sizeof(allowed), &allowed);
  std::vector<CpuWatch> watches;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    CpuWatch& w = watches.emplace_back();
    w.cpu = cpu;
    w.stalls.reserve(kMaxStallsPerCpu);
  }
  std::vector<std::thread> threads;
  for (auto& w : watches) threads.emplace_back(watch, std::ref(w), period_us * 1000, threshold_us * 1000);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  g_stop.store(true);
  for (auto& t : threads) t.join();

  bool realtime = !watches.empty();
  std::uint64_t wakeups = 0;
  std::uint64_t dropped = 0;
  std::int64_t worst = 0;
  for (const auto& w : watches) {
    realtime = realtime && w.realtime;
    wakeups += w.wakeups;
    dropped += w.dropped;
    worst = std::max(worst, w.worst_ns);
  }
  std::string out = "{\"realtime\": " + std::string(realtime ? "true" : "false") +
                    ", \"cpus\": " + std::to_string(watches.size()) + ", \"periodUs\": " + std::to_string(period_us) +
                    ", \"thresholdUs\": " + std::to_string(threshold_us) + ", \"wakeups\": " + std::to_string(wakeups) +
                    ", \"dropped\": " + std::to_string(dropped) + ", \"worstMs\": " + std::to_string(worst / 1e6) +
                    ", \"stalls\": [";
  bool first = true;
  char item[96];
  for (const auto& w : watches) {
    for (const auto& s : w.stalls) {
      std::snprintf(item, sizeof(item), "%s[%d, %.6f, %.6f]", first ? "" : ", ", w.cpu, s.start_ns / 1e9,
                    s.end_ns / 1e9);
      out += item;
      first = false;
    }
  }
  out += "]}\n";
  std::fputs(out.c_str(), stdout);
  return 0;
}
