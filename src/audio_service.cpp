#include "audio_service.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include "lumina/core/config.hpp"
#include "lumina/core/json_integer.hpp"

namespace lumina {
namespace {

using json = nlohmann::json;

constexpr auto kPoll = std::chrono::milliseconds(50);
constexpr auto kPlayingPushInterval = std::chrono::milliseconds(250);  // ≈ 4 Hz (protocol B.3)
constexpr auto kSupervisePeriod = std::chrono::milliseconds(200);
constexpr auto kMediaScanPeriod = std::chrono::seconds(2);

const char* state_name(TransportState s) {
  switch (s) {
    case TransportState::kPlaying: return "playing";
    case TransportState::kPaused: return "paused";
    case TransportState::kStopped: return "stopped";
  }
  return "stopped";
}

// Rounds seconds to the microsecond so positions read cleanly.
double seconds(double s) { return std::round(s * 1e6) / 1e6; }

bool is_loopback_device(const AudioDeviceInfo& d) {
  std::string name = d.name;
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return d.max_input_channels > 0 && name.find("monitor") != std::string::npos;
}

}  // namespace

AudioService::AudioService(AudioController& controller, BackendSupervisor& supervisor, MediaService& media,
                           std::string configured_device, std::string initial_source)
    : controller_(controller),
      supervisor_(supervisor),
      media_(media),
      configured_device_(std::move(configured_device)),
      configured_source_(initial_source),
      source_id_(std::move(initial_source)) {}

AudioService::~AudioService() { stop(); }

std::string AudioService::source_id() const {
  std::lock_guard lock(mutex_);
  return source_id_;
}

json AudioService::file_status_payload() const {
  const FileStatus s = controller_.file_status();
  if (!s.has_file) return {{"state", "stopped"}, {"fileId", nullptr}, {"duration", 0.0}, {"position", 0.0}};
  std::lock_guard lock(mutex_);
  return {{"state", state_name(s.state)},
          {"fileId", file_id_},
          {"name", file_name_},
          {"duration", seconds(s.duration_seconds())},
          {"position", seconds(s.position_seconds())},
          {"sr", s.file_sample_rate},
          {"channels", s.channels},
          {"ended", s.ended}};
}

json AudioService::sources_payload() {
  json items = json::array();
  for (const auto& d : supervisor_.list_devices()) {
    if (d.max_input_channels <= 0) continue;
    items.push_back({{"id", "device:" + std::to_string(d.index)},
                     {"kind", "device"},
                     {"name", d.host_api + ": " + d.name},
                     {"channels", d.max_input_channels},
                     {"sr", static_cast<int>(d.default_sample_rate)}});
    if (is_loopback_device(d)) {
      items.push_back({{"id", "loopback:default"}, {"kind", "loopback"}, {"name", "What this machine plays (" + d.name + ")"},
                       {"channels", d.max_input_channels}, {"sr", static_cast<int>(d.default_sample_rate)}});
    }
  }
  items.push_back({{"id", "synth:demo"}, {"kind", "synth"}, {"name", "Demo beat (120 BPM)"}, {"channels", 1},
                   {"sr", supervisor_.sample_rate()}});
  for (const auto& f : media_.files()) {
    items.push_back({{"id", "file:" + f.file_id}, {"kind", "file"}, {"name", f.name}, {"channels", f.channels},
                     {"sr", f.sample_rate}, {"duration", seconds(f.duration)}});
  }
  return {{"default", "device:default"}, {"items", std::move(items)}};
}

bool AudioService::resolve(const std::string& id, ResolvedSource& out, std::string& error) {
  if (id == "synth:demo") {
    out.kind = ResolvedSource::Kind::kDemo;
    return true;
  }
  if (id == "device:default") {
    out.kind = ResolvedSource::Kind::kDevice;
    out.device = configured_device_;
    return true;
  }
  if (id.rfind("device:", 0) == 0 || id == "loopback:default") {
    for (const auto& d : supervisor_.list_devices()) {
      const bool match = id == "loopback:default" ? is_loopback_device(d)
                                                  : "device:" + std::to_string(d.index) == id && d.max_input_channels > 0;
      if (match) {
        out.kind = ResolvedSource::Kind::kDevice;
        out.device = std::to_string(d.index);
        return true;
      }
    }
    error = id == "loopback:default" ? "loopback:default is not available on this machine (no monitor source)"
                                     : "unknown source '" + id + "': no input device with that index (see audio_list_sources)";
    return false;
  }
  if (id.rfind("file:", 0) == 0) {
    if (auto entry = media_.find(id.substr(5))) {
      out.kind = ResolvedSource::Kind::kFile;
      out.file = *entry;
      return true;
    }
    error = "unknown source '" + id + "': no such file (see audio_list_sources)";
    return false;
  }
  error = "unknown source '" + id + "': expected device:default, device:<index>, loopback:default, synth:demo or file:<fileId>";
  return false;
}

bool AudioService::set_source(const std::string& id, std::string& error) {
  ResolvedSource target;
  // Unknown ids change nothing.
  if (!resolve(id, target, error)) return false;
  // The contract: setting a source stops the engine first; the client then starts it.
  controller_.stop();
  bool ok = true;
  switch (target.kind) {
    case ResolvedSource::Kind::kDevice: {
      const BackendStatus b = supervisor_.status();
      const bool same_device = b.kind == "portaudio" && b.wanted == target.device && b.fallback_reason.empty();
      const bool no_device_configured = b.kind == "null" && b.wanted.empty() && id == "device:default";
      if (!same_device && !no_device_configured && !supervisor_.switch_device(target.device, error)) ok = false;
      if (ok) ok = controller_.select_device();
      break;
    }
    case ResolvedSource::Kind::kDemo:
      ok = controller_.select_demo();
      break;
    case ResolvedSource::Kind::kFile:
      try {
        controller_.select_file(target.file.path);
      } catch (const SoundFileError& e) {
        ok = false;
        error = e.what();
      }
      break;
  }
  if (!ok) {
    if (error.empty()) error = "the audio engine did not accept the change";
    return false;
  }
  std::lock_guard lock(mutex_);
  source_id_ = id;
  file_id_ = target.kind == ResolvedSource::Kind::kFile ? target.file.file_id : "";
  file_name_ = target.kind == ResolvedSource::Kind::kFile ? target.file.name : "";
  return true;
}

void AudioService::register_handlers(ServerHooks& hooks, std::function<bool(std::uint32_t)> set_telemetry_fps) {
  hooks.handlers["audio_list_sources"] = [this](const json&, ControlReply& reply) {
    reply.reply("audio_sources", sources_payload());
  };

  hooks.handlers["audio_set_source"] = [this](const json& payload, ControlReply& reply) {
    const json source = payload.value("sourceId", json("device:default"));
    if (!source.is_string()) {
      reply.error("BAD_PAYLOAD", "field 'sourceId' must be a string such as \"device:default\" or \"file:<fileId>\"");
      return;
    }
    const std::string id = source.get<std::string>();
    const bool had_file = controller_.file_selected();
    std::string error;
    if (!set_source(id, error)) {
      reply.error("AUDIO_SET_SOURCE_FAILED", error);
      return;
    }
    // A file selected or let go changes the file status: push, then ack (A.5).
    if (had_file || controller_.file_selected()) publish_file_status();
    reply.ack({{"sourceId", id}});
  };

  hooks.handlers["audio_start"] = [this, set_telemetry_fps = std::move(set_telemetry_fps)](const json& payload,
                                                                                            ControlReply& reply) {
    // `fps` (the predecessor's telemetry rate) takes effect, or the request is refused whole (B.4).
    std::optional<std::int64_t> fps;
    if (const auto it = payload.find("fps"); it != payload.end()) {
      fps = json_integer(*it);
      constexpr auto kMin = Config::Telemetry::kMinFps, kMax = Config::Telemetry::kMaxFps;
      if (!fps || *fps < kMin || *fps > kMax) {
        reply.error("BAD_PAYLOAD", "field 'fps' must be an integer " + std::to_string(kMin) + ".." +
                                       std::to_string(kMax) + " (audio_meter / dsp_event pushes per second), got " +
                                       it->dump());
        return;
      }
    }
    if (!controller_.start()) {
      reply.error("AUDIO_START_FAILED", "the audio engine is not accepting commands");
      return;
    }
    // After the start: a refused start leaves the rate as it was. Setting it
    // fails only while the server stops, when no client would see it anyway.
    if (fps && (!set_telemetry_fps || !set_telemetry_fps(static_cast<std::uint32_t>(*fps)))) {
      reply.error("UNAVAILABLE", "the audio engine started, but the telemetry rate ('fps') cannot be changed now");
      return;
    }
    reply.reply("audio_status", {{"state", "running"}, {"sourceId", source_id()}});
  };

  hooks.handlers["audio_stop"] = [this](const json&, ControlReply& reply) {
    controller_.stop();
    // audio_stop also stops a file (B.2): its status is pushed before the reply.
    if (controller_.file_selected()) publish_file_status();
    reply.reply("audio_status", {{"state", "stopped"}, {"sourceId", source_id()}});
  };

  // File transport: push the new status to subscribers, then ack (protocol A.5).
  auto transport = [this](const char* error_code, auto action) {
    return [this, error_code, action](const json& payload, ControlReply& reply) {
      std::string error;
      if (!action(payload, error)) {
        reply.error(error_code, error);
        return;
      }
      if (server_) server_->publish("audio_file_status", file_status_payload());
      reply.ack();
    };
  };
  hooks.handlers["audio_file_play"] = transport("FILE_PLAY_FAILED", [this](const json&, std::string& error) {
    if (!controller_.file_selected()) {
      error = "no file source selected: send audio_set_source with a file:<fileId> first";
      return false;
    }
    if (!controller_.play()) error = "the audio engine is not accepting commands";
    return error.empty();
  });
  hooks.handlers["audio_file_pause"] = transport("FILE_PAUSE_FAILED", [this](const json&, std::string&) {
    controller_.pause();
    return true;
  });
  hooks.handlers["audio_file_stop"] = transport("FILE_STOP_FAILED", [this](const json&, std::string&) {
    controller_.stop_file();
    return true;
  });
  hooks.handlers["audio_file_seek"] = transport("FILE_SEEK_FAILED", [this](const json& payload, std::string& error) {
    const json value = payload.value("seconds", json(0.0));
    if (!value.is_number()) {
      error = "field 'seconds' must be a number (seconds from the start of the file)";
      return false;
    }
    if (!controller_.file_selected()) {
      error = "no file source selected: send audio_set_source with a file:<fileId> first";
      return false;
    }
    const FileStatus s = controller_.file_status();
    const double wanted = std::clamp(value.get<double>(), 0.0, s.duration_seconds());
    const auto frame = static_cast<std::uint64_t>(std::llround(wanted * s.sample_rate));
    if (!controller_.seek_frames(frame)) error = "the audio engine is not accepting commands";
    return error.empty();
  });
  hooks.handlers["audio_file_status_get"] = [this](const json&, ControlReply& reply) {
    reply.reply("audio_file_status", file_status_payload());
  };
}

void AudioService::start(Server& server) {
  server_ = &server;
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { run(); });
  supervisor_thread_ = std::thread([this] { run_supervisor(); });
}

void AudioService::stop() {
  running_.store(false);
  if (thread_.joinable()) thread_.join();
  if (supervisor_thread_.joinable()) supervisor_thread_.join();
}

void AudioService::run_supervisor() {
  pthread_setname_np(pthread_self(), "lumina-audiosup");
  while (running_.load()) {
    std::this_thread::sleep_for(kSupervisePeriod);
    supervisor_.supervise();
  }
}

bool AudioService::file_in_use(const std::string& file_id) const {
  const FileStatus s = controller_.file_status();
  std::lock_guard lock(mutex_);
  return file_id_ == file_id && source_id_ == "file:" + file_id && s.has_file && s.state != TransportState::kStopped;
}

void AudioService::release_file(const std::string& file_id) {
  const std::string deleted = "file:" + file_id;
  if (source_id() != deleted) return;
  // The reader may still hold the deleted file open (it streams from disk):
  // playing it now would play a file that no longer exists. The configured
  // source takes its place (unless it is that file), else the default input,
  // else the demo.
  std::string error;
  for (const std::string& id : {configured_source_, std::string("device:default"), std::string("synth:demo")}) {
    if (id == deleted) continue;
    if (set_source(id, error)) {
      spdlog::info("audio: the selected {} was deleted; source is now {} (stopped)", deleted, id);
      break;
    }
    spdlog::warn("audio: the selected {} was deleted; {} failed: {}", deleted, id, error);
    error.clear();
  }
  publish_file_status();
}

void AudioService::publish_sources() {
  json payload = sources_payload();
  std::vector<std::string> files;
  for (const auto& item : payload["items"]) {
    if (item.value("kind", "") == "file") files.push_back(item["id"].get<std::string>());
  }
  {
    std::lock_guard lock(sources_mutex_);
    published_files_ = std::move(files);
  }
  if (server_) server_->publish("audio_sources", payload);
}

void AudioService::publish_file_status() {
  if (server_) server_->publish("audio_file_status", file_status_payload());
}

void AudioService::run() {
  pthread_setname_np(pthread_self(), "lumina-audioctl");
  using clock = std::chrono::steady_clock;
  auto last_push = clock::now(), last_scan = clock::now();
  std::uint64_t last_changes = controller_.transport_changes();
  {
    std::lock_guard lock(sources_mutex_);
    for (const auto& f : media_.files()) published_files_.push_back("file:" + f.file_id);
  }
  while (running_.load()) {
    std::this_thread::sleep_for(kPoll);
    const auto now = clock::now();
    // audio_file_status on every transport change (incl. end of file), ≈ 4 Hz while playing.
    const std::uint64_t changes = controller_.transport_changes();
    const bool playing = controller_.file_status().state == TransportState::kPlaying;
    if (changes != last_changes || (playing && now - last_push >= kPlayingPushInterval)) {
      publish_file_status();
      last_changes = changes;
      last_push = now;
    }
    // Files copied into (or removed from) the media folder change the source list (protocol C.2).
    if (now - last_scan >= kMediaScanPeriod) {
      last_scan = now;
      std::vector<std::string> files;
      for (const auto& f : media_.files()) files.push_back("file:" + f.file_id);
      bool changed = false;
      {
        std::lock_guard lock(sources_mutex_);
        changed = files != published_files_;
      }
      if (changed) publish_sources();
    }
  }
}

}  // namespace lumina
