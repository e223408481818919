#include "daemon.hpp"

#include <signal.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "lumina/audio/backend.hpp"
#include "lumina/audio/demo_source.hpp"
#include "lumina/audio/engine.hpp"
#include "lumina/core/audio_chunk.hpp"
#include "lumina/core/clock.hpp"
#include "lumina/core/latest_value.hpp"
#include "lumina/core/sd_notify.hpp"
#include "lumina/core/version.hpp"
#include "lumina/dsp/analysis_thread.hpp"
#include "lumina/lighting/dmx_thread.hpp"
#include "lumina/net/server.hpp"
#include "lumina/store/data_dir.hpp"

namespace lumina {
namespace {

// ~2.7 s of audio at 48 kHz: room for the analysis thread to be descheduled
// for a long while before the callback has to drop anything.
constexpr std::size_t kChunkRingCapacity = 512;
constexpr auto kReportInterval = std::chrono::seconds(1);
constexpr std::int64_t kWarnEveryNs = 5'000'000'000;

// Logs a counter's growth at most once per kWarnEveryNs (the realtime threads count; this thread speaks).
class GrowthReporter {
 public:
  explicit GrowthReporter(std::string what) : what_(std::move(what)) {}
  void update(std::uint64_t value) {
    const std::int64_t now = monotonic_ns();
    if (value > reported_ && now - last_warn_ns_ >= kWarnEveryNs) {
      spdlog::warn("{}: +{} (total {})", what_, value - reported_, value);
      reported_ = value;
      last_warn_ns_ = now;
    }
  }

 private:
  std::string what_;
  std::uint64_t reported_ = 0;
  std::int64_t last_warn_ns_ = 0;
};

struct Engine {
  AudioChunkRing ring{kChunkRingCapacity};
  AudioEngine audio{ring};
  std::vector<float> demo;
  std::unique_ptr<AudioBackend> backend;
  std::string fallback_reason;
  std::string source_id;
  LatestValue<AnalysisFrame> frames;
  std::unique_ptr<AnalysisThread> analysis;
  std::unique_ptr<DmxThread> dmx;
  std::int64_t started_ns = monotonic_ns();
};

nlohmann::json engine_status(const Engine& e) {
  const AudioStats a = e.audio.stats();
  const AnalysisStats an = e.analysis->stats();
  const DmxStats d = e.dmx->stats();
  const double period_ns = 1e9 * e.backend->block() / e.backend->sample_rate();
  nlohmann::json histogram = nlohmann::json::array();
  for (std::size_t i = 0; i < a.callback_histogram.size(); ++i) {
    histogram.push_back({{"leUs", i < kCallbackBucketsUs.size() ? nlohmann::json(kCallbackBucketsUs[i]) : nlohmann::json("inf")},
                         {"count", a.callback_histogram[i]}});
  }
  return {
      {"uptimeSec", static_cast<double>(monotonic_ns() - e.started_ns) / 1e9},
      {"audio",
       {{"backend", e.backend->kind()},
        {"device", e.backend->device_name()},
        {"fallbackReason", e.fallback_reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.fallback_reason)},
        {"sourceId", e.source_id},
        {"running", e.backend->running()},
        {"sampleRate", e.backend->sample_rate()},
        {"block", e.backend->block()},
        {"blocks", a.blocks},
        {"frames", a.frames},
        {"xruns", a.xruns},
        {"ringOverflows", a.ring_overflows},
        {"callbackLastUs", static_cast<double>(a.last_callback_ns) / 1e3},
        {"callbackMaxUs", static_cast<double>(a.max_callback_ns) / 1e3},
        {"callbackLoad", static_cast<double>(a.last_callback_ns) / period_ns},
        {"callbackHistogram", histogram}}},
      {"analysis",
       {{"frames", an.frames}, {"chunks", an.chunks}, {"gaps", an.gaps},
        {"hopLastUs", static_cast<double>(an.last_hop_ns) / 1e3},
        {"hopMaxUs", static_cast<double>(an.max_hop_ns) / 1e3}}},
      {"dmx",
       {{"fps", e.dmx->options().fps},
        {"ticks", d.ticks},
        {"missedTicks", d.missed_ticks},
        {"packetsSent", d.packets_sent},
        {"sendErrors", d.send_errors},
        {"lastLatenessUs", static_cast<double>(d.last_lateness_ns) / 1e3},
        {"maxLatenessUs", static_cast<double>(d.max_lateness_ns) / 1e3},
        {"latencyMs", d.latency_ms >= 0 ? nlohmann::json(d.latency_ms) : nlohmann::json(nullptr)}}},
  };
}

void configure_source(Engine& e, const Config& config) {
  e.source_id = config.audio.source;
  if (config.audio.source == "synth:demo") {
    e.demo = render_demo_pattern(e.backend->sample_rate());
    e.audio.set_source(SourceKind::kDemo, e.demo);
  } else {
    e.audio.set_source(SourceKind::kDeviceInput);
  }
}

// The device named by a "device:<x>" source overrides audio.device.
Config::Audio audio_settings(const Config& config) {
  Config::Audio audio = config.audio;
  const std::string& s = config.audio.source;
  if (s.rfind("device:", 0) == 0 && s != "device:default") audio.device = s.substr(7);
  return audio;
}

// Loopback-only until the control plane enforces the access token: a daemon
// on a venue LAN must never accept unauthenticated control.
bool is_loopback_address(const std::string& address) {
  return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

}  // namespace

int run_daemon(const Config& config) {
  spdlog::info("luminad {} starting", kVersion);
  if (!is_loopback_address(config.server.listen)) {
    spdlog::critical("server.listen is {}: this version serves loopback addresses only (127.0.0.0/8, ::1), because "
                     "it does not yet enforce the access token a LAN-facing control plane requires",
                     config.server.listen);
    return 2;
  }
  const SystemdNotifier systemd;

  std::optional<DataDir> data_dir;
  try {
    data_dir.emplace(config.data_dir);
  } catch (const DataDirError& err) {
    spdlog::critical("{}", err.what());
    return 1;
  }
  spdlog::info("data dir: {}", data_dir->root().string());

  Engine e;
  e.backend = open_audio_backend(audio_settings(config), e.audio, e.fallback_reason);
  if (!e.fallback_reason.empty()) {
    spdlog::warn("no usable audio device ({}); falling back to the null clock", e.fallback_reason);
  }
  configure_source(e, config);
  spdlog::info("audio: {} '{}' at {} Hz, block {}, source {}", e.backend->kind(), e.backend->device_name(),
               e.backend->sample_rate(), e.backend->block(), e.source_id);

  AnalyzerParams params;
  params.sample_rate = e.backend->sample_rate();
  params.fft_size = config.dsp.fft_size;
  params.hop = config.dsp.hop;
  params.bands = config.dsp.bands;
  params.analysis_gain = config.dsp.analysis_gain;
  params.gate_rms = config.dsp.gate_rms;
  params.meter_floor_db = config.dsp.meter_floor_db;
  e.analysis = std::make_unique<AnalysisThread>(params, e.ring, e.frames);

  DmxThread::Options dmx_options;
  dmx_options.fps = config.dmx.fps;
  dmx_options.universe = config.dmx.universe;
  dmx_options.targets = config.dmx.targets;
  dmx_options.blackout_on_exit = config.dmx.blackout_on_exit;
  try {
    e.dmx = std::make_unique<DmxThread>(dmx_options, e.frames);
  } catch (const std::exception& err) {
    spdlog::critical("Art-Net output: {}", err.what());
    return 2;
  }

  ServerOptions server_options;
  server_options.listen = config.server.listen;
  server_options.port = config.server.port;
  server_options.telemetry_fps = config.telemetry.fps;
  ServerHooks hooks;
  hooks.frames = &e.frames;
  hooks.status = [&e] { return engine_status(e); };
  hooks.dmx_write = [&e](const DmxOverride& write) { return e.dmx->submit_override(write); };
  Server server(server_options, hooks);

  e.analysis->start();
  e.dmx->start();
  try {
    e.backend->start();
  } catch (const std::exception& err) {
    spdlog::warn("audio stream failed to start ({}); falling back to the null clock", err.what());
    e.fallback_reason = err.what();
    e.backend = make_null_clock_backend(e.audio, config.audio.sample_rate, config.audio.block,
                                        config.audio.realtime_priority);
    configure_source(e, config);
    e.backend->start();
  }
  try {
    server.start();
  } catch (const std::exception& err) {
    spdlog::critical("{}", err.what());
    e.dmx->stop();
    e.backend->stop();
    e.analysis->stop();
    return 1;
  }
  std::string targets;
  for (const auto& t : config.dmx.targets) targets += (targets.empty() ? "" : ", ") + t.host + ":" + std::to_string(t.port);
  spdlog::info("listening on http://{}:{} (WebSocket /ws); Art-Net universe {} at {} fps to {}", config.server.listen,
               server.port(), config.dmx.universe, config.dmx.fps, targets.empty() ? "(no targets)" : targets);
  systemd.ready("running: " + std::string(e.backend->kind()) + " audio, " + std::to_string(config.dmx.fps) + " fps DMX");

  // Wait for a stop signal; meanwhile feed the watchdog and report counters.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  auto tick = std::chrono::duration_cast<std::chrono::nanoseconds>(kReportInterval);
  if (auto wd = systemd.watchdog_interval()) tick = std::min<std::chrono::nanoseconds>(tick, *wd / 2);
  const timespec wait{static_cast<time_t>(tick.count() / 1'000'000'000), static_cast<long>(tick.count() % 1'000'000'000)};

  GrowthReporter xruns("audio xruns"), overflows("analysis ring overflows (audio dropped before analysis)"),
      missed("DMX missed ticks"), send_errors("Art-Net send errors");
  std::uint64_t last_blocks = 0, last_ticks = 0;
  bool audio_stop_reported = false;
  int signal = 0;
  while (true) {
    signal = sigtimedwait(&stop_signals, nullptr, &wait);
    if (signal > 0) break;
    const AudioStats a = e.audio.stats();
    const DmxStats d = e.dmx->stats();
    xruns.update(a.xruns);
    overflows.update(a.ring_overflows);
    missed.update(d.missed_ticks);
    send_errors.update(d.send_errors);
    const bool audio_alive = a.blocks != last_blocks;
    if (!e.backend->running() && !audio_stop_reported) {
      spdlog::error("audio stream stopped unexpectedly ({} '{}'); DMX output continues", e.backend->kind(),
                    e.backend->device_name());
      audio_stop_reported = true;
    }
    // Ping only while the threads we promise are alive actually make progress;
    // a stream that stopped on its own is reported above, not a hang.
    if (d.ticks != last_ticks && (audio_alive || !e.backend->running())) systemd.watchdog();
    last_blocks = a.blocks;
    last_ticks = d.ticks;
  }

  spdlog::info("received {}, stopping", strsignal(signal));
  systemd.stopping();
  server.stop();
  e.dmx->stop();  // sends the blackout frame when configured
  e.backend->stop();
  e.analysis->stop();
  const DmxStats d = e.dmx->stats();
  const AudioStats a = e.audio.stats();
  spdlog::info("stopped: {} audio blocks, {} xruns, {} DMX ticks, {} missed", a.blocks, a.xruns, d.ticks, d.missed_ticks);
  return 0;
}

}  // namespace lumina
