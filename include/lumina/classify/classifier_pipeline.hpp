#pragma once
// Side-chain blocks in, classified windows out: gap handling, feature
// extraction, inference and hysteresis in one place, so the daemon's worker
// and the offline tool (training features, file classification) run the
// identical path. Single-threaded; owned by whoever drives it.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "lumina/classify/features.hpp"
#include "lumina/classify/label_smoother.hpp"
#include "lumina/classify/model.hpp"
#include "lumina/classify/side_chain_block.hpp"

namespace lumina {

struct ClassifiedWindow {
  std::uint64_t end_time = 0;    // sample-clock index just past the window
  std::uint32_t sample_rate = 0;
  const FeatureVector* features = nullptr;
  // With a model: its probabilities, its own top label, and the smoothed decision.
  std::span<const float> probabilities;
  std::size_t top = 0;
  LabelSmoother::Decision decision{};
  std::int64_t inference_ns = 0;
};

class ClassifierPipeline {
 public:
  using WindowSink = std::function<void(const ClassifiedWindow&)>;

  // `model` may be null: features only (the training tool).
  ClassifierPipeline(ClassifierModel* model, LabelSmoother::Settings smoothing);

  // Not RT-safe on the first block or a sample-rate change (builds the
  // extractor); otherwise no allocation besides what `sink` does.
  void consume(const SideChainBlock& block, const WindowSink& sink);

  std::uint64_t gaps() const noexcept { return gaps_; }
  // CPU time of the last block's feature work (frames, and the window when one completed).
  std::int64_t last_feature_ns() const noexcept { return last_feature_ns_; }

 private:
  ClassifierModel* model_;
  LabelSmoother smoother_;
  std::unique_ptr<FeatureExtractor> extractor_;
  std::vector<float> probabilities_;
  std::uint64_t expected_time_ = 0;
  std::uint64_t gaps_ = 0;
  std::int64_t last_feature_ns_ = 0;
};

}  // namespace lumina
