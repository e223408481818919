#pragma once
// `synth:demo`: a 120 BPM kick/snare/hat/bass pattern rendered into memory at
// start so a rig with no audio input, or a newcomer, sees lights react.
#include <cstdint>
#include <vector>

namespace lumina {

struct DemoPattern {
  double bpm = 120.0;
  std::uint32_t bars = 4;  // 4/4 bars; the loop is seamless
};

// Not RT-safe: allocates and renders `bars` bars of mono audio, peak ≈ -3 dBFS.
std::vector<float> render_demo_pattern(std::uint32_t sample_rate, const DemoPattern& pattern = {});

}  // namespace lumina
