// The DMX tick at scale: a show of N full universes (16 pixel bars each, with
// level, palette, pulse and chase effects) rendered and sent as Art-Net to a
// loopback sink.
//  - BM_RenderTick: the render + merge work of one tick (CPU per tick).
//  - BM_DmxThread40Fps: the real DMX thread at 40 FPS for 4 s: CPU used as a
//    share of one core, and tick pacing (wake-up lateness p50/p99/max).
// Baseline in the same run: N = 1.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "lumina/core/clock.hpp"
#include "lumina/lighting/dmx_thread.hpp"
#include "lumina/lighting/show_renderer.hpp"

namespace lumina {
namespace {

// 16 pixel bars of 32 channels (dimmer + 10 RGB cells + a spare) fill each universe.
nlohmann::json big_show(int universes) {
  nlohmann::json bar = {"dimmer"};
  for (int cell = 0; cell < 10; ++cell) {
    for (const char* c : {"red", "green", "blue"}) bar.push_back(c);
  }
  bar.push_back("none");
  nlohmann::json show = {{"profiles", {{"pixel-bar", bar}}}, {"fixtures", nlohmann::json::array()}};
  for (int u = 0; u < universes; ++u) {
    for (int f = 0; f < 16; ++f) {
      const std::string id = "u" + std::to_string(u) + "f" + std::to_string(f);
      show["fixtures"].push_back({{"id", id}, {"profile", "pixel-bar"}, {"universe", u}, {"address", 1 + 32 * f}});
    }
  }
  show["scenes"] = {{{"name", "busy"},
                     {"effects",
                      {{{"type", "palette"}, {"colors", {"#ff0000", "#00ff00", "#0000ff", "#ffffff"}}},
                       {{"type", "level"}, {"feature", "energy"}, {"floor", 0.1}},
                       {{"type", "pulse"}, {"trigger", "kick"}, {"decay", 0.2}},
                       {{"type", "chase"}, {"width", 8}},
                       {{"type", "strobe"}, {"threshold", 0.9}}}}}};
  return show;
}

std::unique_ptr<ShowRenderer> renderer(int universes) {
  return std::make_unique<ShowRenderer>(compile_show(parse_show(big_show(universes)), 1));
}

AnalysisFrame busy_frame(std::uint64_t n) {
  AnalysisFrame f;
  f.energy = 0.5F + 0.4F * static_cast<float>(n % 7) / 7.0F;
  f.kick = 0.8F;
  f.beat_count = n / 20;
  f.kick_count = n / 10;
  f.onset_count = n / 5;
  f.onset_strength = 0.95F;
  f.captured_ns = monotonic_ns();
  return f;
}

void BM_RenderTick(benchmark::State& state) {
  const int universes = static_cast<int>(state.range(0));
  auto r = renderer(universes);
  EventTracker tracker;
  std::uint64_t n = 0;
  for (auto _ : state) {
    const AnalysisFrame f = busy_frame(n);
    const TickEvents e = tracker.update(f, monotonic_ns(), 0);
    r->render(0, f, e, 0.025F, monotonic_ns());
    benchmark::DoNotOptimize(r->universes().data());
    ++n;
  }
  state.counters["universes"] = universes;
}
BENCHMARK(BM_RenderTick)->Arg(1)->Arg(64)->Arg(256)->Arg(512)->Unit(benchmark::kMicrosecond);

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// A bound, never-read UDP socket on loopback: sends succeed, the kernel drops.
struct Sink {
  Sink() {
    fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Sink() { ::close(fd); }
  int fd = -1;
  std::uint16_t port = 0;
};

void BM_DmxThread40Fps(benchmark::State& state) {
  const int universes = static_cast<int>(state.range(0));
  Sink sink;
  LatestValue<AnalysisFrame> frames;
  DmxThread::Options options;
  options.dmx.fps = 40;
  options.dmx.targets = {{"127.0.0.1", sink.port}};
  options.dmx.artnet.port = 0;
  options.dmx.artnet.discovery = false;
  options.max_universes = static_cast<std::size_t>(universes);
  options.realtime_priority = true;  // as the daemon runs (falls back when not permitted)
  DmxStats stats;
  double cpu = 0.0, wall = 0.0;
  for (auto _ : state) {
    DmxThread dmx(options, frames, renderer(universes));
    dmx.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // warm-up
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t n = 0; n < 160; ++n) {  // 4 s, a new analysis frame every 25 ms
      frames.store(busy_frame(n));
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    cpu = cpu_seconds() - cpu0;
    stats = dmx.stats();
    dmx.stop();
    state.SetIterationTime(wall);
  }
  state.counters["universes"] = universes;
  state.counters["cpu_pct_of_one_core"] = 100.0 * cpu / wall;
  state.counters["pacing_p50_ms"] = stats.lateness_p50_ms;
  state.counters["pacing_p99_ms"] = stats.lateness_p99_ms;
  state.counters["pacing_max_ms"] = stats.lateness_window_max_ms;
  state.counters["missed_ticks"] = static_cast<double>(stats.missed_ticks);
  state.counters["send_errors"] = static_cast<double>(stats.send_errors);
  state.counters["realtime"] = stats.realtime ? 1 : 0;
}
BENCHMARK(BM_DmxThread40Fps)->Arg(1)->Arg(64)->Arg(256)->Arg(512)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace lumina
