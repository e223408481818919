#pragma once
// Automatic gain for the meters: a slow loudness follower steers the hop RMS
// of audible program material towards a target level, so quiet and loud
// sources both use the meters' range. Silence does not pump the gain up
// (the follower holds below the gate). The onset and beat analysis do not
// use it: their log-compressed flux is level-independent already.
#include <cstdint>

namespace lumina {

struct AutoGainSettings {
  double target_db = -20.0;  // hop RMS (dBFS, sine = 0 dB) the meters are steered to
  double max_db = 24.0;      // largest boost or cut
  double seconds = 3.0;      // loudness follower time constant
  double gate_db = -70.0;    // below this the follower holds
};

class AutoGain {
 public:
  AutoGain() = default;
  AutoGain(const AutoGainSettings& settings, double hop_seconds) noexcept;

  // RT-safe. Feeds one hop's RMS in dBFS; returns the gain to apply (dB).
  float update(float rms_db) noexcept;
  float gain_db() const noexcept { return gain_db_; }

 private:
  AutoGainSettings s_{};
  double coeff_ = 0.0;
  double level_power_ = 0.0;  // smoothed mean square relative to full-scale sine
  bool primed_ = false;
  float gain_db_ = 0.0F;
};

}  // namespace lumina
