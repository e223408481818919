#pragma once
// Owns the running audio backend. Opens the configured device (or the null
// clock when there is none), switches devices on request, and keeps audio
// alive when a stream dies (device unplugged, JACK server killed): the null
// clock takes over at once so analysis, file playback and DMX continue, and
// the device is reopened with backoff when it returns.
//
// A dead PortAudio stream is closed on a detached "reaper" thread, because
// PortAudio 19.6 can block for minutes closing a stream whose JACK server
// died; until that finishes PortAudio is not touched again, and a restarted
// JACK server is reattached with luminad's own JACK client instead.
//
// Opening a device can block for as long as its server is stalled (a JACK
// server stopped with SIGSTOP blocks jack_client_open until it resumes). So
// supervise() should run on a thread of its own, and what the io thread calls
// never waits for an open: status() and sample_rate() read a published copy,
// and list_devices()/switch_device() answer at once while an open is under
// way (after at most 200 ms: the cached list; a "busy, try again" error).
// Thread-safe; never called from the callback.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lumina/audio/backend.hpp"
#include "lumina/core/config.hpp"

namespace lumina {

struct BackendStatus {
  std::string kind;         // "portaudio" | "null"
  std::string device;       // what is open now
  std::string wanted;       // the device asked for ("" for the null backend by configuration)
  std::string fallback_reason;  // why `wanted` is not the one running ("" when it is)
  bool running = false;
  bool recovering = false;  // a lost device is being reopened
  std::uint64_t streams_lost = 0;
  std::uint64_t reopen_attempts = 0;
  std::uint32_t sample_rate = 0;
  std::uint32_t block = 0;
};

class BackendSupervisor {
 public:
  BackendSupervisor(AudioEngine& engine, Config::Audio settings);
  ~BackendSupervisor();

  // Opens the configured backend (falls back to the null clock, saying why).
  // Sets the engine's sample rate. Call once before start().
  void open();
  void start();
  void stop();

  // Reopens on `device` ("default", index or name) at the current sample rate.
  // On failure (or while another open is under way) the current backend keeps
  // running and `error` says why.
  bool switch_device(const std::string& device, std::string& error);

  // Call every ~200 ms from a normal thread: detects a lost stream and drives
  // the reopen with backoff (1 s doubling to 10 s).
  void supervise();

  BackendStatus status() const;  // never blocks on a device
  // PortAudio is not thread-safe: device listing goes through the same lock
  // as opening and closing streams (the last list while that lock is busy).
  std::vector<AudioDeviceInfo> list_devices() const;
  std::uint32_t sample_rate() const;

 private:
  void replace(std::unique_ptr<AudioBackend> next);  // caller holds mutex_
  bool stream_lost();                                // caller holds mutex_
  void reap(std::unique_ptr<AudioBackend> dead);     // closes it on a detached thread
  std::unique_ptr<AudioBackend> reopen(std::uint32_t rate);  // caller holds mutex_; throws
  void publish();                                    // caller holds mutex_: status() sees the state now

  AudioEngine& engine_;
  Config::Audio settings_;
  // Timed: the io thread's entry points wait at most kIoWait for it (the
  // supervisor holds it for microseconds, except while an open hangs).
  mutable std::timed_mutex mutex_;
  std::unique_ptr<AudioBackend> backend_;
  std::string wanted_device_;
  std::string fallback_reason_;
  bool started_ = false;
  bool recovering_ = false;
  std::uint64_t streams_lost_ = 0;
  std::uint64_t reopen_attempts_ = 0;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{1000};
  std::string lost_jack_client_;  // JACK client of the lost stream ("system"), if it was JACK
  // Reaper threads still closing dead streams; shared so a detached thread may
  // outlive the supervisor.
  std::shared_ptr<std::atomic<int>> reapers_ = std::make_shared<std::atomic<int>>(0);
  // What status()/sample_rate()/list_devices() answer without mutex_.
  mutable std::mutex published_mutex_;
  BackendStatus published_;
  mutable std::vector<AudioDeviceInfo> device_cache_;  // guarded by published_mutex_
  std::uint64_t last_blocks_ = 0;
  std::chrono::steady_clock::time_point last_progress_{};
};

}  // namespace lumina
