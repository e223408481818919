#pragma once
// The audio engine's control side: turns transport requests (select a
// source, start/stop, play/pause/stop/seek a file) into ordered engine
// commands, drives the file reader, and answers what the listener hears.
// Thread-safe (a mutex serialises callers, which also keeps the engine's
// command queue single-producer); never called from the callback.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

#include "lumina/audio/engine.hpp"
#include "lumina/audio/file_reader.hpp"

namespace lumina {

struct FileStatus {
  bool has_file = false;
  TransportState state = TransportState::kStopped;
  std::uint64_t position = 0;  // audible frame at the engine rate
  std::uint64_t frames = 0;
  std::uint32_t sample_rate = 0;  // engine rate (positions are in these frames)
  std::uint32_t channels = 0;     // of the file on disk
  std::uint32_t file_sample_rate = 0;
  bool ended = false;
  double position_seconds() const { return sample_rate ? static_cast<double>(position) / sample_rate : 0.0; }
  double duration_seconds() const { return sample_rate ? static_cast<double>(frames) / sample_rate : 0.0; }
};

class AudioController {
 public:
  AudioController(AudioEngine& engine, FileReader& reader);

  // Each returns false when the engine's command queue is full (the audio
  // thread is not running or badly behind); nothing is then changed.
  bool select_device();
  bool select_demo();
  // Opens the file first: throws SoundFileError (state unchanged) when unreadable.
  LoadedFile select_file(const std::filesystem::path& path);
  bool start();
  // Stops the engine; a playing file is stopped too (back to 0).
  bool stop();
  bool set_monitor(bool on);

  // File transport. Without a selected file they return false (nothing happens).
  bool play();  // after the end of the file, plays again from 0
  bool pause();
  bool stop_file();
  bool seek_frames(std::uint64_t frame);  // clamped to the file's length

  // What is audible now; while a command is still being applied (at most a
  // block plus a 5 ms fade) it reports the commanded state.
  FileStatus file_status() const;
  bool running() const;
  bool file_selected() const;
  // Bumps whenever the engine's transport state changes (for status pushes).
  std::uint64_t transport_changes() const { return engine_.transport().changes; }

 private:
  bool post(EngineCommand command);  // caller holds mutex_
  bool select_live(SourceKind kind);  // device input or demo: no file involved

  AudioEngine& engine_;
  FileReader& reader_;
  mutable std::mutex mutex_;
  std::uint32_t generation_ = 0;
  std::uint32_t seq_ = 0;
  std::optional<LoadedFile> file_;
  // The commanded (expected) state, used until the engine catches up.
  bool running_ = true;
  TransportState target_state_ = TransportState::kStopped;
  std::optional<std::uint64_t> target_position_;
};

}  // namespace lumina
