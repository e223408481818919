#include "lumina/dsp/auto_gain.hpp"

#include <algorithm>
#include <cmath>

namespace lumina {

AutoGain::AutoGain(const AutoGainSettings& settings, double hop_seconds) noexcept
    : s_(settings), coeff_(std::exp(-hop_seconds / settings.seconds)) {}

float AutoGain::update(float rms_db) noexcept {
  if (rms_db < s_.gate_db) return gain_db_;
  const double power = std::pow(10.0, rms_db / 10.0);
  // Start from the first audible hop instead of creeping up from silence.
  level_power_ = primed_ ? coeff_ * level_power_ + (1.0 - coeff_) * power : power;
  primed_ = true;
  const double level_db = 10.0 * std::log10(std::max(level_power_, 1e-12));
  gain_db_ = static_cast<float>(std::clamp(s_.target_db - level_db, -s_.max_db, s_.max_db));
  return gain_db_;
}

}  // namespace lumina
