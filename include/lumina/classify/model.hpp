#pragma once
// The content model: a small multilayer perceptron (or, with one layer, a
// logistic regression) over standardised FeatureVectors, loaded from a JSON
// file in config/models/. Inference allocates nothing: the activations live
// in buffers sized at load.
//
// File format (all keys required):
//   {"name": "lumina-content", "version": 1, "featureSet": "lumina-fx-1",
//    "labels": ["silence", "speech", "music", "noise"],
//    "normalization": {"mean": [F floats], "std": [F floats]},
//    "layers": [{"inputs": F, "outputs": H, "activation": "relu",
//                "weights": [H×F floats, row-major by output], "bias": [H floats]},
//               ..., {"outputs": L, "activation": "softmax", ...}]}
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lumina/classify/features.hpp"

namespace lumina {

// A model file that cannot be used; what() names the file and the field.
class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ClassifierModel {
 public:
  enum class Activation { kRelu, kTanh, kSoftmax };
  struct Layer {
    std::size_t inputs = 0, outputs = 0;
    Activation activation = Activation::kRelu;
    std::vector<float> weights;  // outputs × inputs, row-major
    std::vector<float> bias;
  };

  // Not RT-safe. Throws ModelError naming the file and the offending field
  // (missing file, invalid JSON, wrong feature set or dimensions, ...).
  static ClassifierModel load(const std::filesystem::path& path);
  // Not RT-safe. The same checks on an already parsed document; `origin` names it in errors.
  static ClassifierModel from_json(const nlohmann::json& doc, const std::string& origin);
  // The document load() reads (for the trainer).
  nlohmann::json to_json() const;

  // Builds a model from parts (trainer); throws ModelError when inconsistent.
  ClassifierModel(std::string name, std::uint32_t version, std::vector<std::string> labels,
                  std::vector<float> mean, std::vector<float> stddev, std::vector<Layer> layers);
  ClassifierModel(ClassifierModel&&) noexcept = default;
  ClassifierModel& operator=(ClassifierModel&&) noexcept = default;

  const std::string& name() const noexcept { return name_; }
  std::uint32_t version() const noexcept { return version_; }
  // "name@version", as reported in events and status.
  const std::string& id() const noexcept { return id_; }
  const std::vector<std::string>& labels() const noexcept { return labels_; }
  std::size_t label_count() const noexcept { return labels_.size(); }
  const std::vector<Layer>& layers() const noexcept { return layers_; }

  // No allocation. Writes label_count() probabilities (summing to 1) to
  // `probabilities` and returns the most probable label's index. Not
  // thread-safe (uses the model's activation buffers).
  std::size_t infer(const FeatureVector& features, std::span<float> probabilities) noexcept;

 private:
  void check_and_size(const std::string& origin);

  std::string name_, id_;
  std::uint32_t version_ = 0;
  std::vector<std::string> labels_;
  std::vector<float> mean_, std_;
  std::vector<Layer> layers_;
  std::vector<std::vector<float>> activations_;  // one per layer output, sized at load
  std::vector<float> input_;
};

}  // namespace lumina
