#pragma once
// Hysteresis between the model's per-window answer and the label the show
// sees: probabilities are smoothed (one-pole, half weight to the newest
// window), and the reported label changes only when another label has led
// the smoothed probabilities for `switch_windows` consecutive windows with
// at least `min_confidence`. One noisy window cannot flip the lights.
#include <array>
#include <cstddef>
#include <span>

namespace lumina {

class LabelSmoother {
 public:
  static constexpr std::size_t kMaxLabels = 16;

  struct Settings {
    std::size_t switch_windows = 2;  // ≥ 1; 1 = switch as soon as another label leads
    float min_confidence = 0.5F;     // smoothed probability a newcomer needs
  };
  struct Decision {
    std::size_t label = 0;
    float confidence = 0.0F;  // smoothed probability of `label`
    bool changed = false;     // the label differs from the previous decision (or is the first)
  };

  LabelSmoother() = default;
  explicit LabelSmoother(Settings settings) noexcept : settings_(settings) {}

  // No allocation. Takes one window's probabilities (≤ kMaxLabels entries).
  Decision update(std::span<const float> probabilities) noexcept;
  void reset() noexcept;

 private:
  Settings settings_{};
  std::array<float, kMaxLabels> smoothed_{};
  bool has_label_ = false;
  std::size_t label_ = 0, candidate_ = 0, candidate_windows_ = 0;
};

}  // namespace lumina
