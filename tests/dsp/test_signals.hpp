#pragma once
// Deterministic test signals for the analysis tests: click trains, simple
// synthetic drums on a beat grid, noise. Fixed seeds: every run is identical.
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

namespace lumina::testing {

inline constexpr double kRate = 48000.0;

inline std::size_t at(double seconds) { return static_cast<std::size_t>(std::lround(seconds * kRate)); }

inline void add_click(std::vector<float>& out, double t, float amplitude = 0.5F) {
  // A 1 ms decaying burst: an unmistakable, broadband onset.
  const std::size_t i0 = at(t);
  for (std::size_t i = 0; i < 48 && i0 + i < out.size(); ++i) {
    out[i0 + i] += amplitude * std::exp(-static_cast<float>(i) / 12.0F) * (i % 2 ? -1.0F : 1.0F);
  }
}

inline void add_kick(std::vector<float>& out, double t, float amplitude = 0.8F) {
  const std::size_t i0 = at(t), n = at(0.25);
  double phase = 0.0;
  for (std::size_t i = 0; i < n && i0 + i < out.size(); ++i) {
    const double s = static_cast<double>(i) / kRate;
    phase += 2.0 * std::numbers::pi * (50.0 + 100.0 * std::exp(-s / 0.03)) / kRate;
    const double fade = i + 480 > n ? static_cast<double>(n - i) / 480.0 : 1.0;  // no click at the end
    out[i0 + i] += static_cast<float>(amplitude * std::exp(-s / 0.12) * std::sin(phase) * fade);
  }
}

inline void add_snare(std::vector<float>& out, double t, std::mt19937& rng, float amplitude = 0.6F) {
  std::uniform_real_distribution<float> u(-1.0F, 1.0F);
  const std::size_t i0 = at(t), n = at(0.2);
  float prev = 0.0F;
  for (std::size_t i = 0; i < n && i0 + i < out.size(); ++i) {
    const double s = static_cast<double>(i) / kRate;
    const float noise = u(rng);
    const float bright = noise - 0.5F * prev;  // tilt the noise up
    prev = noise;
    const double fade = i + 480 > n ? static_cast<double>(n - i) / 480.0 : 1.0;
    const double tone = 0.5 * std::sin(2.0 * std::numbers::pi * 190.0 * s) * std::exp(-s / 0.05);
    out[i0 + i] += static_cast<float>(amplitude * fade * (bright * std::exp(-s / 0.06) + tone));
  }
}

inline void add_hat(std::vector<float>& out, double t, std::mt19937& rng, float amplitude = 0.3F) {
  std::uniform_real_distribution<float> u(-1.0F, 1.0F);
  const std::size_t i0 = at(t), n = at(0.06);
  float prev = 0.0F;
  for (std::size_t i = 0; i < n && i0 + i < out.size(); ++i) {
    const double s = static_cast<double>(i) / kRate;
    const float noise = u(rng);
    const float high = noise - prev;  // first difference: a high-pass
    prev = noise;
    const double fade = i + 240 > n ? static_cast<double>(n - i) / 240.0 : 1.0;
    out[i0 + i] += static_cast<float>(amplitude * fade * high * std::exp(-s / 0.015));
  }
}

struct Pattern {
  std::vector<double> beats;   // true beat times
  std::vector<double> onsets;  // true onset times (every hit)
};

// A rock beat: kick on 1 and 3, snare on 2 and 4, hats on eighths; starting
// at `start` seconds, `bpm` (optionally changing to `bpm2` at `change_at`).
inline Pattern add_rock(std::vector<float>& out, double bpm, double start, double end, std::uint32_t seed = 1,
                        double bpm2 = 0.0, double change_at = 1e9) {
  std::mt19937 rng(seed);
  Pattern p;
  int beat = 0;
  for (double t = start; t < end; ++beat) {
    const double period = 60.0 / (t >= change_at && bpm2 > 0.0 ? bpm2 : bpm);
    p.beats.push_back(t);
    p.onsets.push_back(t);
    if (beat % 2 == 0) {
      add_kick(out, t);
    } else {
      add_snare(out, t, rng);
    }
    add_hat(out, t, rng);
    add_hat(out, t + period / 2.0, rng, 0.2F);
    p.onsets.push_back(t + period / 2.0);
    t += period;
  }
  return p;
}

inline std::vector<float> silence(double seconds) { return std::vector<float>(at(seconds), 0.0F); }

inline void add_noise(std::vector<float>& out, float rms, std::uint32_t seed = 7) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0.0F, rms);
  for (float& x : out) x += n(rng);
}

inline void add_sine(std::vector<float>& out, double freq, float amplitude, double from = 0.0, double to = 1e9) {
  for (std::size_t i = at(from); i < out.size() && i < at(to); ++i) {
    out[i] += amplitude * static_cast<float>(std::sin(2.0 * std::numbers::pi * freq * static_cast<double>(i) / kRate));
  }
}

// A band-limited sawtooth (harmonics up to `top_hz`), as a bass or a synth
// pad plays it: many partials per analysis bin at low fundamentals.
inline void add_saw(std::vector<float>& out, double freq, float amplitude, double top_hz = 4000.0) {
  const auto harmonics = static_cast<int>(top_hz / freq);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double phase = 2.0 * std::numbers::pi * freq * static_cast<double>(i) / kRate;
    double sum = 0.0;
    for (int k = 1; k <= harmonics; ++k) sum += std::sin(k * phase) / k;
    out[i] += amplitude * static_cast<float>(sum);
  }
}

}  // namespace lumina::testing
