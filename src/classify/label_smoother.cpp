#include "lumina/classify/label_smoother.hpp"

#include <algorithm>

namespace lumina {

void LabelSmoother::reset() noexcept {
  smoothed_.fill(0.0F);
  has_label_ = false;
  candidate_windows_ = 0;
}

LabelSmoother::Decision LabelSmoother::update(std::span<const float> probabilities) noexcept {
  const std::size_t n = std::min(probabilities.size(), kMaxLabels);
  if (n == 0) return {label_, 0.0F, false};
  std::size_t leader = 0;
  for (std::size_t i = 0; i < n; ++i) {
    smoothed_[i] = has_label_ ? 0.5F * smoothed_[i] + 0.5F * probabilities[i] : probabilities[i];
    if (smoothed_[i] > smoothed_[leader]) leader = i;
  }
  if (!has_label_) {
    has_label_ = true;
    label_ = leader;
    candidate_windows_ = 0;
    return {label_, smoothed_[label_], true};
  }
  bool changed = false;
  if (leader == label_ || smoothed_[leader] < settings_.min_confidence) {
    candidate_windows_ = 0;
  } else {
    candidate_windows_ = leader == candidate_ ? candidate_windows_ + 1 : 1;
    candidate_ = leader;
    if (candidate_windows_ >= std::max<std::size_t>(1, settings_.switch_windows)) {
      label_ = leader;
      candidate_windows_ = 0;
      changed = true;
    }
  }
  return {label_, smoothed_[label_], changed};
}

}  // namespace lumina
