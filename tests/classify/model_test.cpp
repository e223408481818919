// Model files: the shipped one loads and classifies; every kind of broken
// file is refused with an error naming the file and the field.
#include "lumina/classify/model.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "classify_test_support.hpp"
#include "integration/daemon_process.hpp"

namespace lumina {
namespace {

using nlohmann::json;
using testing::TempDir;

std::string load_error(const std::filesystem::path& path) {
  try {
    (void)ClassifierModel::load(path);
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

void write(const std::filesystem::path& path, const std::string& text) { std::ofstream(path) << text; }

json shipped() {
  std::ifstream in(testing::shipped_model_path());
  return json::parse(in);
}

TEST(ClassifierModel, ShippedModelLoadsWithNameVersionAndTheFourLabels) {
  ClassifierModel model = ClassifierModel::load(testing::shipped_model_path());
  EXPECT_EQ(model.name(), "lumina-content");
  EXPECT_GE(model.version(), 1U);
  EXPECT_EQ(model.id(), "lumina-content@" + std::to_string(model.version()));
  for (const char* label : {"silence", "speech", "music", "noise"}) {
    EXPECT_NE(std::find(model.labels().begin(), model.labels().end(), label), model.labels().end()) << label;
  }
  FeatureVector features{};
  std::vector<float> p(model.label_count());
  const std::size_t top = model.infer(features, p);
  float sum = 0.0F;
  for (float v : p) sum += v;
  EXPECT_NEAR(sum, 1.0F, 1e-4F);
  EXPECT_LT(top, model.label_count());
}

TEST(ClassifierModel, RoundTripsThroughJson) {
  ClassifierModel a = ClassifierModel::load(testing::shipped_model_path());
  ClassifierModel b = ClassifierModel::from_json(a.to_json(), "round trip");
  FeatureVector features{};
  for (std::size_t i = 0; i < kFeatureCount; ++i) features[i] = static_cast<float>(i % 7) - 3.0F;
  std::vector<float> pa(a.label_count()), pb(b.label_count());
  EXPECT_EQ(a.infer(features, pa), b.infer(features, pb));
  for (std::size_t i = 0; i < pa.size(); ++i) EXPECT_FLOAT_EQ(pa[i], pb[i]);
}

TEST(ClassifierModel, MissingFileNamesThePath) {
  TempDir dir;
  const auto path = dir.path() / "nope.json";
  const std::string error = load_error(path);
  EXPECT_NE(error.find(path.string()), std::string::npos) << error;
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
}

TEST(ClassifierModel, CorruptJsonIsRefused) {
  TempDir dir;
  const auto path = dir.path() / "corrupt.json";
  write(path, "{\"name\": \"x\", \"layers\": [1, 2");
  const std::string error = load_error(path);
  EXPECT_NE(error.find(path.string()), std::string::npos) << error;
  EXPECT_NE(error.find("invalid JSON"), std::string::npos) << error;
}

TEST(ClassifierModel, WrongDimensionsNameTheField) {
  TempDir dir;
  const auto path = dir.path() / "bad.json";

  json doc = shipped();
  doc["layers"][0]["inputs"] = kFeatureCount + 1;
  write(path, doc.dump());
  std::string error = load_error(path);
  EXPECT_NE(error.find("layers[0].weights"), std::string::npos) << error;

  doc = shipped();
  doc["normalization"]["mean"].erase(0);
  write(path, doc.dump());
  error = load_error(path);
  EXPECT_NE(error.find("normalization.mean"), std::string::npos) << error;
  EXPECT_NE(error.find(std::to_string(kFeatureCount)), std::string::npos) << error;

  doc = shipped();
  doc["labels"].push_back("extra");
  write(path, doc.dump());
  error = load_error(path);
  EXPECT_NE(error.find("labels"), std::string::npos) << error;

  doc = shipped();
  doc["layers"][1]["bias"][0] = "x";
  write(path, doc.dump());
  error = load_error(path);
  EXPECT_NE(error.find("layers[1].bias[0]"), std::string::npos) << error;
}

TEST(ClassifierModel, OtherFeatureSetOrMissingKeysAreRefused) {
  TempDir dir;
  const auto path = dir.path() / "bad.json";
  json doc = shipped();
  doc["featureSet"] = "lumina-fx-0";
  write(path, doc.dump());
  std::string error = load_error(path);
  EXPECT_NE(error.find("featureSet"), std::string::npos) << error;

  doc = shipped();
  doc.erase("version");
  write(path, doc.dump());
  error = load_error(path);
  EXPECT_NE(error.find("missing key 'version'"), std::string::npos) << error;

  doc = shipped();
  doc["layers"][1]["activation"] = "relu";
  write(path, doc.dump());
  error = load_error(path);
  EXPECT_NE(error.find("softmax"), std::string::npos) << error;
}

}  // namespace
}  // namespace lumina
