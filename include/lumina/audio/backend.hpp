#pragma once
// Audio backends drive AudioEngine::process() at the audio clock: PortAudio
// (a sound card, or a running JACK server) or the null clock (a thread that
// paces the same callback at the configured rate when there is no device).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lumina/audio/engine.hpp"
#include "lumina/core/config.hpp"

namespace lumina {

class AudioBackend {
 public:
  virtual ~AudioBackend() = default;
  // Not RT-safe. Throws std::runtime_error with a readable reason.
  virtual void start() = 0;
  virtual void stop() = 0;  // idempotent
  virtual bool running() const = 0;
  virtual const char* kind() const noexcept = 0;  // "portaudio" | "null"
  virtual std::string device_name() const = 0;    // e.g. "JACK Audio Connection Kit: system"
  virtual std::uint32_t sample_rate() const noexcept = 0;
  virtual std::uint32_t block() const noexcept = 0;
  virtual std::uint32_t input_channels() const noexcept = 0;
};

struct AudioDeviceInfo {
  int index = -1;
  std::string name;
  std::string host_api;
  int max_input_channels = 0;
  int max_output_channels = 0;
  double default_sample_rate = 0.0;
  bool is_default_input = false;
};

// Not RT-safe. Initialises PortAudio for the duration of the call.
std::vector<AudioDeviceInfo> list_audio_devices();

// Not RT-safe. A null-clock backend at `sample_rate`/`block`.
std::unique_ptr<AudioBackend> make_null_clock_backend(AudioEngine& engine, std::uint32_t sample_rate,
                                                      std::uint32_t block, bool realtime_priority);

// Not RT-safe. Opens (does not start) a PortAudio input stream on `device`
// ("default", an index, or a name). Throws std::runtime_error explaining why not.
// With `exact_rate`, a device that cannot run at `sample_rate` is refused
// instead of opened at its own rate (the engine's rate cannot change at run time).
std::unique_ptr<AudioBackend> open_portaudio_backend(AudioEngine& engine, const std::string& device,
                                                     std::uint32_t sample_rate, std::uint32_t block,
                                                     bool exact_rate = false);

// Not RT-safe. A native JACK client connected to the JACK client `device`
// (e.g. "system"), at exactly `sample_rate`. Used to reattach to a restarted
// JACK server (see backend_supervisor.hpp). Throws std::runtime_error.
std::unique_ptr<AudioBackend> open_jack_backend(AudioEngine& engine, const std::string& device,
                                                std::uint32_t sample_rate, std::uint32_t block);

// Not RT-safe. The configured backend, or the null clock with `fallback_reason`
// set when the configured one is unusable. Calls engine.prepare() with the real rate.
std::unique_ptr<AudioBackend> open_audio_backend(const Config::Audio& audio, AudioEngine& engine,
                                                 std::string& fallback_reason);

}  // namespace lumina
