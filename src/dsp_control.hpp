#pragma once
// `dsp_set_params` (protocol A.5, B.4): every accepted parameter takes effect
// without a glitch, or the whole request is rejected with an error naming the
// field and its allowed range (nothing is half-applied).
#include <cstdint>
#include <functional>

#include "lumina/audio/audio_controller.hpp"
#include "lumina/dsp/analysis_thread.hpp"
#include "lumina/net/server.hpp"

namespace lumina {

struct DspControl {
  AnalysisThread* analysis = nullptr;
  AudioController* audio = nullptr;
  // Changes the telemetry push rate (1..60); false when the server cannot.
  std::function<bool(std::uint32_t)> set_telemetry_fps;
};

// Adds the `dsp_set_params` handler.
void register_dsp_handlers(ServerHooks& hooks, DspControl control);

}  // namespace lumina
