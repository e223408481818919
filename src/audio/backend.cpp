#include <stdexcept>

#include "lumina/audio/backend.hpp"

namespace lumina {

std::unique_ptr<AudioBackend> open_audio_backend(const Config::Audio& audio, AudioEngine& engine,
                                                 std::string& fallback_reason) {
  fallback_reason.clear();
  if (audio.backend == "portaudio") {
    try {
      return open_portaudio_backend(engine, audio.device, audio.sample_rate, audio.block);
    } catch (const std::exception& e) {
      // No usable device is a normal situation on a rig without a card: keep
      // running on the null clock so DMX, the UI and file playback still work.
      fallback_reason = e.what();
    }
  }
  return make_null_clock_backend(engine, audio.sample_rate, audio.block, audio.realtime_priority);
}

}  // namespace lumina
