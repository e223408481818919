#pragma once
// The audio_* part of the wire protocol (protocol.md A.5, B.1–B.3, C.2) over
// the audio engine: source catalog (devices, loopback, demo, media files),
// source selection, engine start/stop, file transport, and the
// audio_file_status / audio_sources pushes. Handlers run on the server's io
// thread; a small thread of its own pushes transport status (≈ 4 Hz while
// playing and on every change) and another supervises the audio stream (its
// device reopens may block while a server is stalled; the pushes go on).
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "lumina/audio/audio_controller.hpp"
#include "lumina/audio/backend_supervisor.hpp"
#include "lumina/net/server.hpp"
#include "media_service.hpp"

namespace lumina {

class AudioService {
 public:
  AudioService(AudioController& controller, BackendSupervisor& supervisor, MediaService& media,
               std::string configured_device, std::string initial_source);
  ~AudioService();
  AudioService(const AudioService&) = delete;
  AudioService& operator=(const AudioService&) = delete;

  // Adds the audio_* request handlers. `set_telemetry_fps` applies
  // audio_start's optional `fps` (false: the rate could not be changed).
  void register_handlers(ServerHooks& hooks, std::function<bool(std::uint32_t)> set_telemetry_fps);
  // Starts the supervision/status thread; pushes go through `server`.
  void start(Server& server);
  void stop();

  // Selects a source by id (stops the engine first, as the protocol says).
  // False with `error` set when the id is unknown or cannot be opened; an
  // unknown id changes nothing.
  bool set_source(const std::string& id, std::string& error);
  // For engine_status: the selected source id.
  std::string source_id() const;
  nlohmann::json file_status_payload() const;
  // The source list of audio_sources / GET /api/sources.
  nlohmann::json sources_payload();
  // Pushes audio_sources now (after an upload or delete; protocol C.2). Any thread but a realtime one.
  void publish_sources();
  // True while `file_id` is the selected source and loaded (playing or paused):
  // its files must not be deleted then (409). Any thread.
  bool file_in_use(const std::string& file_id) const;
  // After `file_id` was deleted: if it is the selected source (stopped, or
  // the delete would have been refused), the configured source (audio.source)
  // takes its place as after audio_set_source (else device:default, else
  // synth:demo), and audio_file_status is pushed. Otherwise
  // nothing changes. Any thread but a realtime one.
  void release_file(const std::string& file_id);

 private:
  struct ResolvedSource {
    enum class Kind { kDevice, kDemo, kFile } kind = Kind::kDevice;
    std::string device;  // PortAudio device spec for kDevice
    MediaEntry file;     // for kFile
  };
  bool resolve(const std::string& id, ResolvedSource& out, std::string& error);
  void run();
  void run_supervisor();
  void publish_file_status();

  AudioController& controller_;
  BackendSupervisor& supervisor_;
  MediaService& media_;
  const std::string configured_device_;
  const std::string configured_source_;  // audio.source: where a deleted selected file hands over
  mutable std::mutex mutex_;
  std::string source_id_;
  std::string file_id_, file_name_;
  Server* server_ = nullptr;
  std::thread thread_;
  std::thread supervisor_thread_;
  std::mutex sources_mutex_;
  std::vector<std::string> published_files_;  // file ids of the last audio_sources push (under sources_mutex_)
  std::atomic<bool> running_{false};
};

}  // namespace lumina
