#pragma once
// Training the content model offline: a one-hidden-layer MLP (softmax
// output) fitted with Adam on class-balanced cross-entropy, deterministic for
// a given seed. Also the held-out evaluation (accuracy, confusion matrix).
#include <cstdint>
#include <string>
#include <vector>

#include "lumina/classify/features.hpp"
#include "lumina/classify/model.hpp"

namespace lumina {

struct LabelledWindow {
  FeatureVector features{};
  std::size_t label = 0;
  bool held_out = false;
  std::string file;  // the clip it came from (held-out splits are per clip, never per window)
};

struct TrainSettings {
  std::string name = "lumina-content";
  std::uint32_t version = 1;
  std::size_t hidden = 32;
  std::size_t epochs = 300;
  std::size_t batch = 64;
  double learning_rate = 0.005;
  double l2 = 1e-4;
  std::uint32_t seed = 1;
};

struct Evaluation {
  std::size_t total = 0, correct = 0;
  std::vector<std::vector<std::size_t>> confusion;  // [true][predicted]
  double accuracy() const { return total ? static_cast<double>(correct) / static_cast<double>(total) : 0.0; }
};

ClassifierModel train_model(const std::vector<LabelledWindow>& data, const std::vector<std::string>& labels,
                            const TrainSettings& settings);
Evaluation evaluate(ClassifierModel& model, const std::vector<LabelledWindow>& data, bool held_out);

}  // namespace lumina
