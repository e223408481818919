#include "lumina/classify/model.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace lumina {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxLayers = 8;
constexpr std::size_t kMaxWidth = 1024;

[[noreturn]] void fail(const std::string& origin, const std::string& what) { throw ModelError(origin + ": " + what); }

const json& member(const json& object, const char* key, const std::string& origin, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) fail(origin, "missing key '" + where + key + "'");
  return *it;
}

std::vector<float> float_array(const json& value, std::size_t expected, const std::string& origin,
                               const std::string& key) {
  if (!value.is_array()) fail(origin, "key '" + key + "' must be an array of numbers");
  if (value.size() != expected) {
    fail(origin, "key '" + key + "' must have " + std::to_string(expected) + " entries, got " +
                     std::to_string(value.size()));
  }
  std::vector<float> out;
  out.reserve(expected);
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_number()) fail(origin, "key '" + key + "[" + std::to_string(i) + "]' must be a number");
    const double v = value[i].get<double>();
    if (!std::isfinite(v)) fail(origin, "key '" + key + "[" + std::to_string(i) + "]' must be finite");
    out.push_back(static_cast<float>(v));
  }
  return out;
}

std::size_t positive_size(const json& value, const std::string& origin, const std::string& key) {
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0 || value.get<std::uint64_t>() > kMaxWidth) {
    fail(origin, "key '" + key + "' must be an integer in 1.." + std::to_string(kMaxWidth));
  }
  return value.get<std::size_t>();
}

const char* activation_name(ClassifierModel::Activation a) {
  switch (a) {
    case ClassifierModel::Activation::kRelu: return "relu";
    case ClassifierModel::Activation::kTanh: return "tanh";
    case ClassifierModel::Activation::kSoftmax: return "softmax";
  }
  return "relu";
}

}  // namespace

ClassifierModel::ClassifierModel(std::string name, std::uint32_t version, std::vector<std::string> labels,
                                 std::vector<float> mean, std::vector<float> stddev, std::vector<Layer> layers)
    : name_(std::move(name)),
      version_(version),
      labels_(std::move(labels)),
      mean_(std::move(mean)),
      std_(std::move(stddev)),
      layers_(std::move(layers)) {
  check_and_size("model '" + name_ + "'");
}

void ClassifierModel::check_and_size(const std::string& origin) {
  if (name_.empty()) fail(origin, "key 'name' must be a non-empty string");
  if (labels_.size() < 2) fail(origin, "key 'labels' must name at least 2 labels");
  if (mean_.size() != kFeatureCount || std_.size() != kFeatureCount) {
    fail(origin, "normalization must have " + std::to_string(kFeatureCount) + " entries");
  }
  for (std::size_t i = 0; i < std_.size(); ++i) {
    if (!(std_[i] > 0.0F)) fail(origin, "key 'normalization.std[" + std::to_string(i) + "]' must be > 0");
  }
  if (layers_.empty() || layers_.size() > kMaxLayers) {
    fail(origin, "key 'layers' must hold 1.." + std::to_string(kMaxLayers) + " layers");
  }
  std::size_t width = kFeatureCount;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    const std::string key = "layers[" + std::to_string(l) + "]";
    if (layer.inputs != width) {
      fail(origin, "key '" + key + ".inputs' must be " + std::to_string(width) + " (the previous width), got " +
                       std::to_string(layer.inputs));
    }
    if (layer.weights.size() != layer.inputs * layer.outputs || layer.bias.size() != layer.outputs) {
      fail(origin, "key '" + key + "' weights/bias do not match inputs × outputs");
    }
    const bool last = l + 1 == layers_.size();
    if (last != (layer.activation == Activation::kSoftmax)) {
      fail(origin, "key '" + key + ".activation': softmax is required on the last layer and only there");
    }
    width = layer.outputs;
  }
  if (width != labels_.size()) {
    fail(origin, "the last layer has " + std::to_string(width) + " outputs but 'labels' names " +
                     std::to_string(labels_.size()));
  }
  id_ = name_ + "@" + std::to_string(version_);
  input_.assign(kFeatureCount, 0.0F);
  activations_.clear();
  for (const Layer& layer : layers_) activations_.emplace_back(layer.outputs, 0.0F);
}

ClassifierModel ClassifierModel::load(const std::filesystem::path& path) {
  const std::string origin = path.string();
  std::ifstream in(path);
  if (!in) fail(origin, "cannot open the model file");
  std::stringstream text;
  text << in.rdbuf();
  json doc;
  try {
    doc = json::parse(text.str());
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number such as 1e400
    fail(origin, std::string("invalid JSON: ") + e.what());
  }
  return from_json(doc, origin);
}

ClassifierModel ClassifierModel::from_json(const json& doc, const std::string& origin) {
  if (!doc.is_object()) fail(origin, "the model must be a JSON object");
  const json& name = member(doc, "name", origin, "");
  if (!name.is_string() || name.get<std::string>().empty()) fail(origin, "key 'name' must be a non-empty string");
  const json& version = member(doc, "version", origin, "");
  if (!version.is_number_unsigned() || version.get<std::uint64_t>() > 1'000'000) {
    fail(origin, "key 'version' must be a non-negative integer");
  }
  const json& feature_set = member(doc, "featureSet", origin, "");
  if (!feature_set.is_string() || feature_set.get<std::string>() != kFeatureSet) {
    fail(origin, "key 'featureSet' must be \"" + std::string(kFeatureSet) + "\" (the features this build computes), got " +
                     feature_set.dump());
  }
  const json& labels_json = member(doc, "labels", origin, "");
  if (!labels_json.is_array()) fail(origin, "key 'labels' must be an array of strings");
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < labels_json.size(); ++i) {
    if (!labels_json[i].is_string() || labels_json[i].get<std::string>().empty()) {
      fail(origin, "key 'labels[" + std::to_string(i) + "]' must be a non-empty string");
    }
    labels.push_back(labels_json[i].get<std::string>());
  }
  const json& norm = member(doc, "normalization", origin, "");
  if (!norm.is_object()) fail(origin, "key 'normalization' must be an object");
  std::vector<float> mean = float_array(member(norm, "mean", origin, "normalization."), kFeatureCount, origin,
                                        "normalization.mean");
  std::vector<float> stddev = float_array(member(norm, "std", origin, "normalization."), kFeatureCount, origin,
                                          "normalization.std");
  const json& layers_json = member(doc, "layers", origin, "");
  if (!layers_json.is_array() || layers_json.empty() || layers_json.size() > kMaxLayers) {
    fail(origin, "key 'layers' must be an array of 1.." + std::to_string(kMaxLayers) + " layers");
  }
  std::vector<Layer> layers;
  for (std::size_t l = 0; l < layers_json.size(); ++l) {
    const json& lj = layers_json[l];
    const std::string where = "layers[" + std::to_string(l) + "].";
    if (!lj.is_object()) fail(origin, "key 'layers[" + std::to_string(l) + "]' must be an object");
    Layer layer;
    layer.inputs = positive_size(member(lj, "inputs", origin, where), origin, where + "inputs");
    layer.outputs = positive_size(member(lj, "outputs", origin, where), origin, where + "outputs");
    const json& act = member(lj, "activation", origin, where);
    const std::string a = act.is_string() ? act.get<std::string>() : "";
    if (a == "relu") layer.activation = Activation::kRelu;
    else if (a == "tanh") layer.activation = Activation::kTanh;
    else if (a == "softmax") layer.activation = Activation::kSoftmax;
    else fail(origin, "key '" + where + "activation' must be \"relu\", \"tanh\" or \"softmax\", got " + act.dump());
    layer.weights = float_array(member(lj, "weights", origin, where), layer.inputs * layer.outputs, origin,
                                where + "weights");
    layer.bias = float_array(member(lj, "bias", origin, where), layer.outputs, origin, where + "bias");
    layers.push_back(std::move(layer));
  }
  try {
    ClassifierModel model(name.get<std::string>(), version.get<std::uint32_t>(), std::move(labels), std::move(mean),
                          std::move(stddev), std::move(layers));
    return model;
  } catch (const ModelError& e) {
    // Re-raise under the file's name rather than the model's.
    const std::string what = e.what();
    const auto colon = what.find(": ");
    fail(origin, colon == std::string::npos ? what : what.substr(colon + 2));
  }
}

json ClassifierModel::to_json() const {
  json layers = json::array();
  for (const Layer& l : layers_) {
    layers.push_back({{"inputs", l.inputs},
                      {"outputs", l.outputs},
                      {"activation", activation_name(l.activation)},
                      {"weights", l.weights},
                      {"bias", l.bias}});
  }
  return {{"name", name_},
          {"version", version_},
          {"featureSet", std::string(kFeatureSet)},
          {"labels", labels_},
          {"normalization", {{"mean", mean_}, {"std", std_}}},
          {"layers", layers}};
}

std::size_t ClassifierModel::infer(const FeatureVector& features, std::span<float> probabilities) noexcept {
  for (std::size_t i = 0; i < kFeatureCount; ++i) {
    const float z = (features[i] - mean_[i]) / std_[i];
    input_[i] = std::isfinite(z) ? std::clamp(z, -20.0F, 20.0F) : 0.0F;  // a broken feature cannot blow up the net
  }
  const float* in = input_.data();
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    float* out = activations_[l].data();
    for (std::size_t o = 0; o < layer.outputs; ++o) {
      const float* w = layer.weights.data() + o * layer.inputs;
      float acc = layer.bias[o];
      for (std::size_t i = 0; i < layer.inputs; ++i) acc += w[i] * in[i];
      out[o] = acc;
    }
    if (layer.activation == Activation::kRelu) {
      for (std::size_t o = 0; o < layer.outputs; ++o) out[o] = std::max(0.0F, out[o]);
    } else if (layer.activation == Activation::kTanh) {
      for (std::size_t o = 0; o < layer.outputs; ++o) out[o] = std::tanh(out[o]);
    } else {
      const float top = *std::max_element(out, out + layer.outputs);
      float sum = 0.0F;
      for (std::size_t o = 0; o < layer.outputs; ++o) sum += out[o] = std::exp(out[o] - top);
      for (std::size_t o = 0; o < layer.outputs; ++o) out[o] /= sum;
    }
    in = out;
  }
  std::size_t best = 0;
  const std::size_t n = std::min(probabilities.size(), labels_.size());
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    if (i < n) probabilities[i] = in[i];
    if (in[i] > in[best]) best = i;
  }
  return best;
}

}  // namespace lumina
