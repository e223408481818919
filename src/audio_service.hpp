#pragma once
// The audio_* part of the wire protocol (protocol.md A.5, B.1–B.3, C.2) over
// the audio engine: source catalog (devices, loopback, demo, media files),
// source selection, engine start/stop, file transport, and the
// audio_file_status / audio_sources pushes. Handlers run on the server's io
// thread; a small thread of its own supervises the audio stream and pushes
// transport status (≈ 4 Hz while playing and on every change).
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "lumina/audio/audio_controller.hpp"
#include "lumina/audio/backend_supervisor.hpp"
#include "lumina/net/server.hpp"
#include "lumina/store/media_folder.hpp"

namespace lumina {

class AudioService {
 public:
  AudioService(AudioController& controller, BackendSupervisor& supervisor, MediaFolder& media,
               std::string configured_device, std::string initial_source);
  ~AudioService();
  AudioService(const AudioService&) = delete;
  AudioService& operator=(const AudioService&) = delete;

  // Adds the audio_* request handlers.
  void register_handlers(ServerHooks& hooks);
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

 private:
  struct ResolvedSource {
    enum class Kind { kDevice, kDemo, kFile } kind = Kind::kDevice;
    std::string device;  // PortAudio device spec for kDevice
    MediaEntry file;     // for kFile
  };
  // The source list of audio_sources / GET /api/sources.
  nlohmann::json sources_payload();
  bool resolve(const std::string& id, ResolvedSource& out, std::string& error);
  void run();
  void publish_file_status();

  AudioController& controller_;
  BackendSupervisor& supervisor_;
  MediaFolder& media_;
  const std::string configured_device_;
  mutable std::mutex mutex_;
  std::string source_id_;
  std::string file_id_, file_name_;
  Server* server_ = nullptr;
  std::thread thread_;
  std::atomic<bool> running_{false};
};

}  // namespace lumina
