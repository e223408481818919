#include "lumina/audio/demo_source.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>

namespace lumina {
namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;

// Deterministic noise so the demo is the same on every start (xorshift32).
class Noise {
 public:
  float next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return static_cast<float>(state_) / 2147483648.0F - 1.0F;
  }

 private:
  std::uint32_t state_ = 0x9E3779B9U;
};

// Adds a kick: a sine swept 150→45 Hz with a fast amplitude decay.
void add_kick(std::vector<float>& out, std::size_t at, double sr) {
  const std::size_t len = static_cast<std::size_t>(0.35 * sr);
  double phase = 0.0;
  for (std::size_t i = 0; i < len && at + i < out.size(); ++i) {
    const double t = static_cast<double>(i) / sr;
    const double freq = 45.0 + 105.0 * std::exp(-t * 30.0);
    phase += kTwoPi * freq / sr;
    out[at + i] += static_cast<float>(0.9 * std::exp(-t * 9.0) * std::sin(phase));
  }
}

// Adds a snare: a 190 Hz body under a noise burst.
void add_snare(std::vector<float>& out, std::size_t at, double sr, Noise& noise) {
  const std::size_t len = static_cast<std::size_t>(0.22 * sr);
  for (std::size_t i = 0; i < len && at + i < out.size(); ++i) {
    const double t = static_cast<double>(i) / sr;
    const double body = 0.35 * std::exp(-t * 25.0) * std::sin(kTwoPi * 190.0 * t);
    const double rattle = 0.45 * std::exp(-t * 16.0) * noise.next();
    out[at + i] += static_cast<float>(body + rattle);
  }
}

// Adds a closed hi-hat: differentiated noise (energy above ~5 kHz), very short.
void add_hat(std::vector<float>& out, std::size_t at, double sr, Noise& noise, float level) {
  const std::size_t len = static_cast<std::size_t>(0.05 * sr);
  float prev = 0.0F;
  for (std::size_t i = 0; i < len && at + i < out.size(); ++i) {
    const double t = static_cast<double>(i) / sr;
    const float n = noise.next();
    out[at + i] += static_cast<float>(level * std::exp(-t * 90.0)) * (n - prev);
    prev = n;
  }
}

// Adds a bass note: a softened saw (first 6 harmonics) with a short envelope.
void add_bass(std::vector<float>& out, std::size_t at, std::size_t len, double freq, double sr) {
  for (std::size_t i = 0; i < len && at + i < out.size(); ++i) {
    const double t = static_cast<double>(i) / sr;
    double v = 0.0;
    for (int h = 1; h <= 6; ++h) v += std::sin(kTwoPi * freq * h * t) / h;
    const double env = std::min(1.0, t / 0.005) * std::exp(-t * 4.0);
    out[at + i] += static_cast<float>(0.22 * env * v);
  }
}

}  // namespace

std::vector<float> render_demo_pattern(std::uint32_t sample_rate, const DemoPattern& pattern) {
  const double sr = sample_rate;
  const double beat_seconds = 60.0 / pattern.bpm;
  const std::size_t beats = pattern.bars * 4U;
  const auto at_beat = [&](double beat) { return static_cast<std::size_t>(std::llround(beat * beat_seconds * sr)); };
  std::vector<float> out(at_beat(static_cast<double>(beats)), 0.0F);
  Noise noise;
  // A1, A1, C2, G1 per bar: enough movement for the bass band to breathe.
  constexpr double kBassNotes[] = {55.0, 55.0, 65.41, 49.0};

  for (std::size_t b = 0; b < beats; ++b) {
    const double beat = static_cast<double>(b);
    add_kick(out, at_beat(beat), sr);
    if (b % 4 == 1 || b % 4 == 3) add_snare(out, at_beat(beat), sr, noise);
    add_hat(out, at_beat(beat), sr, noise, 0.18F);
    add_hat(out, at_beat(beat + 0.5), sr, noise, 0.28F);  // accented off-beat hats
    add_bass(out, at_beat(beat + 0.5), at_beat(0.45), kBassNotes[(b / 4) % 4], sr);
  }
  // Every voice ends within one beat (the longest, the kick, lasts 0.35 s), so
  // the last beat's tails finish before the loop point and the loop has no seam.
  float peak = 0.0F;
  for (float v : out) peak = std::max(peak, std::fabs(v));
  if (peak > 0.0F) {
    const float scale = 0.708F / peak;  // -3 dBFS
    for (float& v : out) v *= scale;
  }
  return out;
}

}  // namespace lumina
