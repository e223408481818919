#include "daemon.hpp"

#include <signal.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "audio_service.hpp"
#include "classifier_service.hpp"
#include "dsp_control.hpp"
#include "lumina/audio/audio_controller.hpp"
#include "lumina/audio/backend_supervisor.hpp"
#include "lumina/audio/demo_source.hpp"
#include "lumina/audio/engine.hpp"
#include "lumina/audio/file_reader.hpp"
#include "lumina/core/audio_chunk.hpp"
#include "lumina/core/clock.hpp"
#include "lumina/core/latest_value.hpp"
#include "lumina/core/realtime.hpp"
#include "lumina/core/sd_notify.hpp"
#include "lumina/core/version.hpp"
#include "lumina/dsp/analysis_thread.hpp"
#include "lumina/dsp/analyzer_config.hpp"
#include "lighting_service.hpp"
#include "lumina/net/access_token.hpp"
#include "lumina/net/server.hpp"
#include "lumina/net/web_root.hpp"
#include "lumina/store/data_dir.hpp"
#include "media_service.hpp"

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
  // `detail` (optional) ends the line, e.g. the latest error's reason.
  void update(std::uint64_t value, const std::string& detail = {}) {
    const std::int64_t now = monotonic_ns();
    if (value > reported_ && now - last_warn_ns_ >= kWarnEveryNs) {
      spdlog::warn("{}: +{} (total {}){}", what_, value - reported_, value, detail);
      reported_ = value;
      last_warn_ns_ = now;
    }
  }

 private:
  std::string what_;
  std::uint64_t reported_ = 0;
  std::int64_t last_warn_ns_ = 0;
};

// Everything the daemon runs, in construction order (destroyed in reverse).
struct Engine {
  explicit Engine(const Config& config) : supervisor(audio, audio_settings(config)) {}

  // Order matters on the way out (reverse order): the supervisor, whose
  // backend drives the callback, goes before anything the callback reads.
  AudioChunkRing ring{kChunkRingCapacity};
  AudioEngine audio{ring};
  std::vector<float> demo;
  std::unique_ptr<FileReader> file_reader;
  std::unique_ptr<AudioController> controller;
  std::shared_ptr<MediaService> media;  // registry + store; also the server's MediaSink
  BackendSupervisor supervisor;
  std::unique_ptr<AudioService> audio_service;  // uses the supervisor
  LatestValue<AnalysisFrame> frames;
  std::unique_ptr<ClassifierService> classifier;  // before analysis: its tap outlives the analysis thread
  std::unique_ptr<AnalysisThread> analysis;
  std::unique_ptr<LightingService> lighting;  // owns the DMX thread
  std::int64_t started_ns = monotonic_ns();

  // The device named by a "device:<x>" source overrides audio.device.
  static Config::Audio audio_settings(const Config& config) {
    Config::Audio audio = config.audio;
    const std::string& s = config.audio.source;
    if (s.rfind("device:", 0) == 0 && s != "device:default") audio.device = s.substr(7);
    return audio;
  }
};

nlohmann::json engine_status(const Engine& e) {
  const AudioStats a = e.audio.stats();
  const AnalysisStats an = e.analysis->stats();
  const BackendStatus b = e.supervisor.status();
  const TransportSnapshot t = e.audio.transport();
  const double period_ns = b.sample_rate ? 1e9 * b.block / b.sample_rate : 1.0;
  nlohmann::json histogram = nlohmann::json::array();
  for (std::size_t i = 0; i < a.callback_histogram.size(); ++i) {
    histogram.push_back({{"leUs", i < kCallbackBucketsUs.size() ? nlohmann::json(kCallbackBucketsUs[i]) : nlohmann::json("inf")},
                         {"count", a.callback_histogram[i]}});
  }
  return {
      {"uptimeSec", static_cast<double>(monotonic_ns() - e.started_ns) / 1e9},
      {"audio",
       {{"backend", b.kind},
        {"device", b.device},
        {"fallbackReason", b.fallback_reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(b.fallback_reason)},
        {"recovering", b.recovering},
        {"streamsLost", b.streams_lost},
        {"reopenAttempts", b.reopen_attempts},
        {"sourceId", e.audio_service->source_id()},
        {"state", e.controller->running() ? "running" : "stopped"},
        {"monitor", t.monitor},
        {"running", b.running},
        {"sampleRate", b.sample_rate},
        {"block", b.block},
        {"blocks", a.blocks},
        {"frames", a.frames},
        {"xruns", a.xruns},
        {"underruns", a.underruns},
        {"ringOverflows", a.ring_overflows},
        {"rejectedCallbacks", a.rejected_callbacks},
        {"callbackLastUs", static_cast<double>(a.last_callback_ns) / 1e3},
        {"callbackMaxUs", static_cast<double>(a.max_callback_ns) / 1e3},
        {"callbackLoad", static_cast<double>(a.last_callback_ns) / period_ns},
        {"callbackHistogram", histogram}}},
      {"file", e.audio_service->file_status_payload()},
      {"analysis",
       {{"frames", an.frames}, {"chunks", an.chunks}, {"gaps", an.gaps}, {"paramSwaps", an.param_swaps},
        {"hopLastUs", static_cast<double>(an.last_hop_ns) / 1e3},
        {"hopMaxUs", static_cast<double>(an.max_hop_ns) / 1e3}}},
      {"classifier", e.classifier->status()},
      {"dmx", e.lighting->status()},
  };
}

// The engine's figures for GET /metrics (the net module adds its own).
std::vector<MetricSample> engine_metrics(const Engine& e) {
  const AudioStats a = e.audio.stats();
  const AnalysisStats an = e.analysis->stats();
  const BackendStatus b = e.supervisor.status();
  const auto counter = MetricSample::counter;
  const auto gauge = MetricSample::gauge;
  std::vector<MetricSample> out;
  MetricSample callback;
  callback.name = "lumina_audio_callback_seconds";
  callback.help = "Duration of the realtime audio callback.";
  callback.type = MetricType::kHistogram;
  for (std::size_t i = 0; i < a.callback_histogram.size(); ++i) {
    const double le = i < kCallbackBucketsUs.size() ? kCallbackBucketsUs[i] / 1e6 : std::numeric_limits<double>::infinity();
    callback.buckets.push_back({le, a.callback_histogram[i]});
  }
  out.push_back(std::move(callback));
  out.push_back(counter("lumina_audio_blocks_total", "Audio callbacks run.", static_cast<double>(a.blocks)));
  out.push_back(counter("lumina_audio_xruns_total", "Over/underflows reported by the audio backend.", static_cast<double>(a.xruns)));
  out.push_back(counter("lumina_audio_underruns_total", "Blocks where file data was due but not read yet (played as silence).",
                        static_cast<double>(a.underruns)));
  out.push_back(counter("lumina_audio_ring_overflows_total", "Audio chunks dropped because analysis fell behind.",
                        static_cast<double>(a.ring_overflows)));
  out.push_back(counter("lumina_audio_streams_lost_total", "Audio streams that stopped or stalled.", static_cast<double>(b.streams_lost)));
  out.push_back(gauge("lumina_audio_recovering", "1 while a lost audio device is being reopened.", b.recovering ? 1 : 0));
  out.push_back(gauge("lumina_audio_callback_max_seconds", "Worst audio callback duration since start.",
                      static_cast<double>(a.max_callback_ns) / 1e9));
  out.push_back(counter("lumina_analysis_frames_total", "Analysis frames published.", static_cast<double>(an.frames)));
  out.push_back(counter("lumina_analysis_gaps_total", "Discontinuities in the analysed audio clock.", static_cast<double>(an.gaps)));
  for (auto& m : e.lighting->metrics()) out.push_back(std::move(m));
  for (auto& m : e.classifier->metrics()) out.push_back(std::move(m));
  return out;
}

}  // namespace

int run_daemon(const Config& config) {
  spdlog::info("luminad {} starting", kVersion);
  const SystemdNotifier systemd;

  std::optional<DataDir> data_dir;
  try {
    data_dir.emplace(config.data_dir);
  } catch (const DataDirError& err) {
    spdlog::critical("{}", err.what());
    return 1;
  }
  spdlog::info("data dir: {}", data_dir->root().string());
  // Before any realtime thread exists (their stacks are then locked as they
  // are touched).
  if (config.audio.lock_memory) {
    const MemoryLockResult lock = lock_memory();
    if (lock.locked) {
      spdlog::info("memory locked: {}", lock.detail);
    } else {
      spdlog::warn("memory not locked ({}): a page the audio or DMX thread needs may be paged out and fault",
                   lock.detail);
    }
  }

  Engine e(config);
  e.supervisor.open();
  const BackendStatus opened = e.supervisor.status();
  if (!opened.fallback_reason.empty()) {
    spdlog::warn("no usable audio device ({}); falling back to the null clock", opened.fallback_reason);
  }
  const std::uint32_t rate = e.supervisor.sample_rate();
  // The demo is always rendered (1.5 MB) so it can be selected at any time.
  e.demo = render_demo_pattern(rate);
  e.file_reader = std::make_unique<FileReader>(rate);
  e.audio.attach(e.demo, &e.file_reader->ring());
  e.controller = std::make_unique<AudioController>(e.audio, *e.file_reader);
  try {
    e.media = std::make_shared<MediaService>(config, data_dir->root(), rate);
  } catch (const std::exception& err) {
    spdlog::critical("media store: {}", err.what());
    return 1;
  }
  e.audio_service = std::make_unique<AudioService>(*e.controller, e.supervisor, *e.media, config.audio.device,
                                                   config.audio.source);
  e.controller->set_monitor(config.audio.monitor);
  if (config.audio.source != "device:default" && config.audio.source.rfind("device:", 0) != 0) {
    std::string error;
    // At start the engine keeps running on the new source (set_source stops it for clients).
    if (e.audio_service->set_source(config.audio.source, error)) {
      e.controller->start();
      if (config.audio.source.rfind("file:", 0) == 0) e.controller->play();
    } else {
      spdlog::error("audio.source {}: {}; using the device input instead", config.audio.source, error);
    }
  }
  spdlog::info("audio: {} '{}' at {} Hz, block {}, source {}", opened.kind, opened.device, rate, opened.block,
               config.audio.source);

  const AnalyzerParams params = analyzer_params_from_config(config.dsp, rate);
  e.analysis = std::make_unique<AnalysisThread>(params, e.ring, e.frames);
  // Realtime just below the DMX thread (40): onset → wire latency must not
  // depend on how busy the machine's other processes are.
  if (config.audio.realtime_priority) e.analysis->set_realtime_priority(35);
  // The classifier's events go out through the server (constructed below; the
  // worker starts only once it listens and stops before it goes).
  Server* classifier_server = nullptr;
  e.classifier = std::make_unique<ClassifierService>(config.classifier, [&classifier_server, &e](const ClassifierEvent& ev) {
    if (classifier_server) {
      classifier_server->publish("ai_classifier_event",
                                 {{"label", std::string(ev.label)}, {"confidence", ev.confidence}, {"model", std::string(ev.model)}});
    }
    // The show may map this label to a scene (speech → a calm wash, ...).
    if (e.lighting) e.lighting->set_label(std::string(ev.label));
  });
  e.analysis->set_tap(e.classifier->tap());

  try {
    e.lighting = std::make_unique<LightingService>(config, data_dir->root(), e.frames);
  } catch (const std::exception& err) {
    spdlog::critical("DMX output: {}", err.what());
    return 2;
  }

  ServerOptions server_options;
  server_options.listen = config.server.listen;
  server_options.port = config.server.port;
  server_options.telemetry_fps = config.telemetry.fps;
  server_options.allowed_origins = config.server.allowed_origins;
  server_options.rate_limit_per_sec = config.server.rate_limit_per_sec;
  server_options.rate_limit_burst = config.server.rate_limit_burst;
  server_options.tls_cert_file = config.server.tls_cert;
  server_options.tls_key_file = config.server.tls_key;
  server_options.max_upload_bytes = config.media.max_upload_bytes;
  server_options.upload_stall_timeout = std::chrono::seconds(config.media.upload_stall_timeout_sec);
  {
    // The browser UI; /proc/self/exe locates an installed share/luminad/web.
    std::error_code exe_error;
    const auto executable = std::filesystem::read_symlink("/proc/self/exe", exe_error);
    server_options.web_root = resolve_web_root(config.server.web_root, executable).string();
    if (server_options.web_root.empty()) spdlog::warn("browser UI not found (server.webRoot); serving the API only");
  }
  try {
    // Required (generated on first start) when listening beyond loopback.
    server_options.access_token = resolve_access_token(config.server.token, config.server.listen, data_dir->root());
  } catch (const std::exception& err) {
    spdlog::critical("access token: {}", err.what());
    return 1;
  }
  ServerHooks hooks;
  hooks.frames = &e.frames;
  hooks.status = [&e] { return engine_status(e); };
  hooks.metrics = [&e] { return engine_metrics(e); };
  e.lighting->register_handlers(hooks);  // show_*, scene_select, dmx_*, legacy {ch,val} writes
  // Handlers run only once the server runs; until then `running_server` is null.
  Server* running_server = nullptr;
  auto set_telemetry_fps = [&running_server](std::uint32_t fps) {
    return running_server != nullptr && running_server->set_telemetry_fps(fps);
  };
  e.audio_service->register_handlers(hooks, set_telemetry_fps);
  hooks.media = e.media;
  e.media->set_sources([&e] { return e.audio_service->sources_payload(); });
  e.media->set_in_use([&e](const std::string& id) { return e.audio_service->file_in_use(id); });
  e.media->set_on_removed([&e](const std::string& id) { e.audio_service->release_file(id); });
  e.media->set_on_change([&e] { e.audio_service->publish_sources(); });
  DspControl dsp_control;
  dsp_control.analysis = e.analysis.get();
  dsp_control.audio = e.controller.get();
  dsp_control.set_telemetry_fps = set_telemetry_fps;
  register_dsp_handlers(hooks, dsp_control);
  Server server(server_options, hooks);
  classifier_server = &server;
  running_server = &server;

  e.analysis->start();
  e.lighting->start_output();
  e.supervisor.start();
  try {
    server.start();
  } catch (const std::exception& err) {
    spdlog::critical("{}", err.what());
    e.lighting->stop();
    e.supervisor.stop();
    e.analysis->stop();
    return 1;
  }
  e.audio_service->start(server);
  e.lighting->start_pushes(server);
  e.classifier->start();
  std::string targets;
  for (const auto& t : config.dmx.targets) targets += (targets.empty() ? "" : ", ") + t.host + ":" + std::to_string(t.port);
  spdlog::info("listening on http://{}:{} (WebSocket /ws); Art-Net universe {} at {} fps to {}", config.server.listen,
               server.port(), config.dmx.universe, config.dmx.fps, targets.empty() ? "(no targets)" : targets);
  systemd.ready("running: " + e.supervisor.status().kind + " audio, " + std::to_string(config.dmx.fps) + " fps DMX");

  // Wait for a stop signal; meanwhile feed the watchdog and report counters.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  auto tick = std::chrono::duration_cast<std::chrono::nanoseconds>(kReportInterval);
  if (auto wd = systemd.watchdog_interval()) tick = std::min<std::chrono::nanoseconds>(tick, *wd / 2);
  const timespec wait{static_cast<time_t>(tick.count() / 1'000'000'000), static_cast<long>(tick.count() % 1'000'000'000)};

  GrowthReporter xruns("audio xruns"), underruns("file playback underruns (played as silence)"),
      overflows("analysis ring overflows (audio dropped before analysis)"), missed("DMX missed ticks"),
      send_errors("DMX send errors (Art-Net and sACN)");
  std::uint64_t last_blocks = 0, last_ticks = 0;
  int signal = 0;
  while (true) {
    signal = sigtimedwait(&stop_signals, nullptr, &wait);
    if (signal > 0) break;
    const AudioStats a = e.audio.stats();
    const DmxStats d = e.lighting->stats();
    xruns.update(a.xruns);
    underruns.update(a.underruns);
    overflows.update(a.ring_overflows);
    missed.update(d.missed_ticks);
    send_errors.update(d.send_errors, d.last_send_errno == 0 ? std::string()
                                                              : "; latest: " + std::error_code(d.last_send_errno, std::generic_category()).message());
    e.analysis->reclaim();  // frees an Analyzer retired by a dsp_set_params swap
    e.classifier->poll();   // logs a stopped classifier worker once
    // Ping only while the audio clock and the DMX thread make progress (a lost
    // device is bridged by the null clock, so audio blocks keep coming).
    if (d.ticks != last_ticks && a.blocks != last_blocks) systemd.watchdog();
    last_blocks = a.blocks;
    last_ticks = d.ticks;
  }

  spdlog::info("received {}, stopping", strsignal(signal));
  systemd.stopping();
  e.audio_service->stop();
  e.classifier->stop();  // its events go through the server
  e.media->library().cancel_conversions();  // server.stop() joins the upload workers
  server.stop();
  e.lighting->stop();  // stops dmx_frame pushes, then sends the blackout frame when configured
  e.supervisor.stop();
  e.analysis->stop();
  const DmxStats d = e.lighting->stats();
  const AudioStats a = e.audio.stats();
  spdlog::info("stopped: {} audio blocks, {} xruns, {} DMX ticks, {} missed", a.blocks, a.xruns, d.ticks, d.missed_ticks);
  return 0;
}

}  // namespace lumina
