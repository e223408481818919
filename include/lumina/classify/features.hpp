#pragma once
// Content features over ~1 s windows, the classifier's input. Shared by the
// daemon's classifier worker and the offline training tool, so the model is
// trained on exactly what it sees live.
//
// Short-time frames (≈ 21 ms FFT, 50 % overlap) are summarised into a ring;
// every `step` frames (≈ 0.5 s) the last ≈ 1 s of frames becomes one window
// of kFeatureCount statistics: log-mel shape and variability, level and its
// spread, pause ratio, spectral centroid / flatness / flux / crest / rolloff,
// onset rate, the level envelope's modulation spectrum (1–8 Hz, where
// syllables live) and frame-to-frame spectral correlation.
// Only 50 Hz–8 kHz is used: speech synthesisers and many sources carry
// nothing above, and features there would teach the model the recording
// chain instead of the content.
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "lumina/dsp/fft.hpp"

namespace lumina {

inline constexpr std::size_t kMelBands = 24;
inline constexpr std::size_t kModulationRates = 5;  // 1, 2, 4, 6, 8 Hz
inline constexpr std::size_t kFeatureCount = 2 * kMelBands + 20;
// Bumped whenever the features change meaning; a model names the set it was trained on.
inline constexpr std::string_view kFeatureSet = "lumina-fx-1";

using FeatureVector = std::array<float, kFeatureCount>;

// Short names of the features, in order (for reports and debugging).
std::string_view feature_name(std::size_t index) noexcept;

class FeatureExtractor {
 public:
  // Not RT-safe: allocates the FFT, filterbank and frame ring. Throws
  // std::invalid_argument for a sample rate outside 16000..192000.
  explicit FeatureExtractor(std::uint32_t sample_rate);
  FeatureExtractor(const FeatureExtractor&) = delete;
  FeatureExtractor& operator=(const FeatureExtractor&) = delete;

  std::uint32_t sample_rate() const noexcept { return sample_rate_; }
  // Seconds between two windows and the length of one window.
  double window_step_seconds() const noexcept;
  double window_seconds() const noexcept;

  // No allocation. Feeds contiguous samples; calls on_window(const FeatureVector&)
  // for every window completed by them.
  template <typename OnWindow>
  void push(const float* samples, std::size_t count, OnWindow&& on_window) {
    for (std::size_t i = 0; i < count; ++i) {
      frame_buf_[fill_++] = samples[i];
      if (fill_ == frame_size_) {
        if (analyse_frame()) on_window(static_cast<const FeatureVector&>(window_));
      }
    }
  }
  // No allocation. Forgets all history (after a gap in the audio).
  void reset() noexcept;

 private:
  struct FrameStats {
    std::array<float, kMelBands> mel{};  // dB
    float level_db = 0, centroid = 0, flatness = 0, flux = 0, crest = 0, rolloff = 0;
  };
  bool analyse_frame() noexcept;  // true when a window is complete
  void compute_frame(FrameStats& out) noexcept;
  void compute_window() noexcept;

  std::uint32_t sample_rate_;
  std::size_t frame_size_, frame_hop_, lo_bin_, hi_bin_;
  std::size_t frames_per_window_, frames_per_step_;
  RealFft fft_;
  std::vector<float> hann_, frame_buf_, power_;
  std::vector<float> mel_weights_;            // kMelBands × bins (dense; small)
  std::vector<FrameStats> ring_;              // frames_per_window_ entries
  std::vector<float> scratch_;                // frames_per_window_ floats (sorting, envelopes)
  std::size_t fill_ = 0, ring_pos_ = 0, frames_seen_ = 0, since_window_ = 0;
  std::array<float, kMelBands> prev_mel_{};
  FeatureVector window_{};
};

}  // namespace lumina
