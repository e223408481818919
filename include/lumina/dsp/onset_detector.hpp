#pragma once
// Causal spectral-flux onset detection on a short window with a small hop,
// independent of the meters' FFT so detection delay stays low (a few ms)
// whatever fftSize the user picks for the bands.
//
// Per sub-hop: Hann window → FFT → log-spaced filterbank (6 bands/octave,
// 30 Hz..16 kHz) → log compression log(1 + γ·|X|) → half-wave rectified
// difference against the maximum of the neighbouring bands two sub-hops
// earlier (tolerates vibrato and glides) → one full-band detection function
// and three band functions (low / mid / high). Each goes through a causal
// peak picker: adaptive threshold (median of the last ~0.25 s × factor +
// offset), fire on the rising edge, re-arm after the peak, minimum
// inter-onset interval. Band onsets also need the band's energy within 15 dB
// of its recent peak (log flux alone cannot tell a faint leak from a hit).
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "lumina/dsp/fft.hpp"

namespace lumina {

// Causal adaptive-threshold peak picker over one detection function.
class OnsetPicker {
 public:
  struct Settings {
    std::uint32_t median_frames = 96;  // threshold history (frames)
    float factor = 1.5F;               // threshold = factor * median + offset
    float offset = 0.05F;
    std::uint32_t min_interval = 19;  // frames between onsets
    float rearm_ratio = 0.6F;         // re-arm once the function falls below this share of its peak
  };

  // Not RT-safe: allocates the history.
  explicit OnsetPicker(const Settings& settings);

  // RT-safe. Feeds one value; true when an onset fires on this frame.
  bool update(float value) noexcept;
  float threshold() const noexcept { return threshold_; }
  float median() const noexcept { return median_; }
  // True from an onset until the function has passed its peak.
  bool in_attack() const noexcept { return !armed_; }

 private:
  Settings s_;
  std::vector<float> history_;  // circular
  std::vector<float> scratch_;  // for nth_element, sized once
  std::size_t pos_ = 0;
  std::size_t filled_ = 0;
  float threshold_ = 0.0F;
  float median_ = 0.0F;
  float attack_peak_ = 0.0F;
  float previous_ = 0.0F;
  bool armed_ = true;
  std::uint32_t since_onset_ = 0;
};

enum class OnsetBand : std::uint8_t { kLow = 0, kMid = 1, kHigh = 2 };
inline constexpr std::size_t kOnsetBandCount = 3;

// Band edges of the per-instrument detection functions (Hz).
inline constexpr float kLowBandHighHz = 120.0F;   // kick fundamentals (a snare's ~190 Hz body stays out of it)
inline constexpr float kMidBandHighHz = 4000.0F;  // snare body and crack
inline constexpr float kHighBandLowHz = 6000.0F;  // hats and cymbals

struct OnsetResult {
  std::uint64_t end_time = 0;  // sample clock just past this sub-hop
  float odf = 0.0F;            // full-band flux, mean nats per filterbank band
  float novelty = 0.0F;        // odf above its running median (feeds tempo)
  float strength = 0.0F;       // 0..1: odf relative to its recent peak level
  bool onset = false;
  // Per-band flux (mean nats per filterbank band in the group), minus the
  // flux of the band below it (see OnsetDetector::process).
  std::array<float, kOnsetBandCount> band_odf{};
  std::array<float, kOnsetBandCount> band_novelty{};    // band_odf above its running median
  std::array<float, kOnsetBandCount> band_intensity{};  // 0..1, peak-held with release
  std::array<bool, kOnsetBandCount> band_onset{};
};

class OnsetDetector {
 public:
  // Not RT-safe: allocates and plans. Window ≈ 21 ms (1024 at 44.1/48 kHz),
  // sub-hop = window / 8 (128 samples, 2.7 ms at 48 kHz).
  explicit OnsetDetector(std::uint32_t sample_rate);

  std::uint32_t sample_rate() const noexcept { return sample_rate_; }
  std::uint32_t window() const noexcept { return window_size_; }
  std::uint32_t hop() const noexcept { return hop_; }
  double frame_rate() const noexcept { return static_cast<double>(sample_rate_) / hop_; }
  // Sub-hops from an abrupt onset to the peak of the detection function it
  // causes: the detection function's own group delay, used to align beats.
  double odf_delay_frames() const noexcept { return odf_delay_frames_; }

  // RT-safe. Appends one sample; true when it completed a sub-hop, and then
  // result() holds that sub-hop's detection.
  bool push(float sample, std::uint64_t end_time) noexcept {
    ring_[write_pos_] = sample;
    write_pos_ = (write_pos_ + 1) & (window_size_ - 1);
    if (++fill_ < hop_) return false;
    fill_ = 0;
    process(end_time);
    return true;
  }
  const OnsetResult& result() const noexcept { return result_; }

 private:
  void process(std::uint64_t end_time) noexcept;

  std::uint32_t sample_rate_;
  std::uint32_t window_size_;
  std::uint32_t hop_;
  RealFft fft_;
  std::vector<float> window_;
  std::vector<float> ring_;  // circular, window_size_ samples
  std::size_t write_pos_ = 0;
  std::uint32_t fill_ = 0;
  float magnitude_scale_ = 1.0F;  // full-scale sine → 1.0 at its bin

  // Filterbank: band b covers bins [edges_[b], edges_[b+1]).
  std::vector<std::size_t> edges_;
  std::size_t band_count_ = 0;
  // Filterbank bands [first, second) that make up each instrument band.
  std::array<std::pair<std::size_t, std::size_t>, kOnsetBandCount> groups_{};
  static constexpr std::size_t kLag = 2;  // sub-hops between the spectrum and its newest reference row
  std::size_t reference_rows_ = 1;        // rows the reference takes its maximum over (see process)
  std::vector<float> log_bands_;          // (kLag + reference_rows_) rows of band_count_, circular by row
  std::vector<float> reference_;          // per band: the reference of the current flux
  std::size_t row_ = 0;
  std::size_t frames_seen_ = 0;

  OnsetPicker full_picker_;
  std::array<OnsetPicker, kOnsetBandCount> band_pickers_;
  float strength_peak_ = 0.0F;  // decaying peak of odf for normalisation
  std::array<float, kOnsetBandCount> band_peak_{};
  std::array<float, kOnsetBandCount> level_peak_{};  // decaying peak of each band's power
  float level_decay_ = 1.0F;
  std::array<bool, kOnsetBandCount> band_pending_{};  // picker fired, waiting for the energy gate
  float peak_decay_ = 1.0F, intensity_release_ = 1.0F;
  double odf_delay_frames_ = 0.0;
  OnsetResult result_{};
};

}  // namespace lumina
