// lumina-classifier: the classifier's offline tool (used by scripts/train-classifier).
//   lumina-classifier features CORPUS_DIR          TSV of window features for CORPUS_DIR/{train,test}/<label>/*.wav
//   lumina-classifier train FEATURES.tsv --labels a,b,.. --out MODEL.json --report REPORT.md
//                          [--name N] [--version N] [--hidden N] [--epochs N] [--seed N]
//   lumina-classifier classify --model MODEL.json FILE...   majority label per file (and per window with --windows)
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lumina/audio/sound_file.hpp"
#include "lumina/classify/file_windows.hpp"
#include "trainer.hpp"

namespace fs = std::filesystem;
using namespace lumina;

namespace {

int usage() {
  std::cerr << "usage: lumina-classifier features CORPUS_DIR\n"
               "       lumina-classifier train FEATURES.tsv --labels a,b,... --out MODEL.json --report REPORT.md\n"
               "                         [--name N] [--version N] [--hidden N] [--epochs N] [--seed N]\n"
               "       lumina-classifier classify --model MODEL.json [--windows] FILE...\n";
  return 2;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, sep)) out.push_back(item);
  return out;
}

int run_features(const fs::path& corpus) {
  std::vector<fs::path> files;
  for (const char* part : {"train", "test"}) {
    const fs::path dir = corpus / part;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (entry.is_regular_file() && entry.path().extension() == ".wav") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << "lumina-classifier: no .wav files under " << corpus << "/{train,test}/<label>/\n";
    return 1;
  }
  std::string line;
  for (const fs::path& file : files) {
    const fs::path rel = fs::relative(file, corpus);
    auto it = rel.begin();
    const std::string part = (it++)->string();
    const std::string label = (it++)->string();
    try {
      classify_file(file, nullptr, {}, [&](const ClassifiedWindow& w) {
        line = part + "\t" + label + "\t" + rel.string();
        char buf[32];
        for (float f : *w.features) {
          std::snprintf(buf, sizeof buf, "\t%.6g", static_cast<double>(f));
          line += buf;
        }
        std::cout << line << "\n";
      });
    } catch (const std::exception& e) {
      std::cerr << "lumina-classifier: " << file << ": " << e.what() << "\n";
      return 1;
    }
  }
  return 0;
}

std::string percent(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", 100.0 * v);
  return buf;
}

void write_report(std::ostream& out, const std::vector<std::string>& labels, const std::vector<LabelledWindow>& data,
                  ClassifierModel& model, const TrainSettings& settings) {
  const Evaluation train = evaluate(model, data, false);
  const Evaluation test = evaluate(model, data, true);
  const std::size_t L = labels.size();
  std::vector<std::size_t> clips_train(L), clips_test(L), win_train(L), win_test(L);
  std::map<std::string, std::pair<std::size_t, bool>> clips;
  for (const auto& w : data) {
    (w.held_out ? win_test : win_train)[w.label]++;
    clips[w.file] = {w.label, w.held_out};
  }
  for (const auto& [file, info] : clips) (info.second ? clips_test : clips_train)[info.first]++;

  out << "Model `" << model.id() << "` (feature set `" << kFeatureSet << "`, " << kFeatureCount << " features, "
      << "MLP " << kFeatureCount << "→" << settings.hidden << "→" << L << ", " << settings.epochs
      << " epochs, seed " << settings.seed << ").\n\n";
  out << "| label | train clips | train windows | held-out clips | held-out windows |\n|---|---|---|---|---|\n";
  for (std::size_t c = 0; c < L; ++c) {
    out << "| " << labels[c] << " | " << clips_train[c] << " | " << win_train[c] << " | " << clips_test[c] << " | "
        << win_test[c] << " |\n";
  }
  out << "\n**Held-out accuracy: " << percent(test.accuracy()) << "** (" << test.correct << " of " << test.total
      << " windows; training set " << percent(train.accuracy()) << ").\n\n";
  // Per clip: the label most of its windows got (what a listener would say about the clip).
  std::map<std::string, std::vector<std::size_t>> clip_votes;
  std::map<std::string, std::size_t> clip_truth;
  std::vector<float> probabilities(L);
  for (const auto& w : data) {
    if (!w.held_out) continue;
    auto& votes = clip_votes[w.file];
    votes.resize(L);
    ++votes[model.infer(w.features, probabilities)];
    clip_truth[w.file] = w.label;
  }
  std::size_t clips_right = 0;
  for (const auto& [file, votes] : clip_votes) {
    const auto best = static_cast<std::size_t>(std::max_element(votes.begin(), votes.end()) - votes.begin());
    clips_right += best == clip_truth[file] ? 1 : 0;
  }
  out << "Held-out clips classified by majority of their windows: " << clips_right << " of " << clip_votes.size()
      << ".\n\n";
  out << "Held-out confusion matrix (rows: true label, columns: predicted; windows):\n\n| true \\ predicted |";
  for (const auto& l : labels) out << " " << l << " |";
  out << " recall |\n|---|";
  for (std::size_t c = 0; c <= L; ++c) out << "---|";
  out << "\n";
  for (std::size_t t = 0; t < L; ++t) {
    std::size_t row = 0;
    out << "| " << labels[t] << " |";
    for (std::size_t p = 0; p < L; ++p) {
      out << " " << test.confusion[t][p] << " |";
      row += test.confusion[t][p];
    }
    out << " " << (row ? percent(static_cast<double>(test.confusion[t][t]) / static_cast<double>(row)) : "–") << " |\n";
  }
  out << "| precision |";
  for (std::size_t p = 0; p < L; ++p) {
    std::size_t col = 0;
    for (std::size_t t = 0; t < L; ++t) col += test.confusion[t][p];
    out << " " << (col ? percent(static_cast<double>(test.confusion[p][p]) / static_cast<double>(col)) : "–") << " |";
  }
  out << " |\n";
}

int run_train(int argc, char** argv) {
  if (argc < 3) return usage();
  std::string features_path = argv[2], out_path, report_path, labels_arg;
  TrainSettings settings;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--labels") labels_arg = value;
    else if (key == "--out") out_path = value;
    else if (key == "--report") report_path = value;
    else if (key == "--name") settings.name = value;
    else if (key == "--version") settings.version = static_cast<std::uint32_t>(std::stoul(value));
    else if (key == "--hidden") settings.hidden = std::stoul(value);
    else if (key == "--epochs") settings.epochs = std::stoul(value);
    else if (key == "--seed") settings.seed = static_cast<std::uint32_t>(std::stoul(value));
    else return usage();
  }
  if (labels_arg.empty() || out_path.empty() || report_path.empty()) return usage();
  const std::vector<std::string> labels = split(labels_arg, ',');
  std::ifstream in(features_path);
  if (!in) {
    std::cerr << "lumina-classifier: cannot read " << features_path << "\n";
    return 1;
  }
  std::vector<LabelledWindow> data;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const auto cols = split(line, '\t');
    if (cols.size() != 3 + kFeatureCount) {
      std::cerr << "lumina-classifier: " << features_path << ":" << line_no << ": expected " << 3 + kFeatureCount
                << " columns, got " << cols.size() << "\n";
      return 1;
    }
    const auto label = std::find(labels.begin(), labels.end(), cols[1]);
    if (label == labels.end()) continue;  // a corpus label the model does not learn
    LabelledWindow w;
    w.held_out = cols[0] == "test";
    w.label = static_cast<std::size_t>(label - labels.begin());
    w.file = cols[2];
    for (std::size_t f = 0; f < kFeatureCount; ++f) w.features[f] = std::stof(cols[3 + f]);
    data.push_back(std::move(w));
  }
  ClassifierModel model = train_model(data, labels, settings);
  nlohmann::json doc = model.to_json();
  {
    std::ofstream out(out_path);
    out << doc.dump() << "\n";
    if (!out) {
      std::cerr << "lumina-classifier: cannot write " << out_path << "\n";
      return 1;
    }
  }
  std::ofstream report(report_path);
  write_report(report, labels, data, model, settings);
  const Evaluation test = evaluate(model, data, true);
  std::cout << "held-out accuracy " << percent(test.accuracy()) << " (" << test.correct << "/" << test.total
            << "); model " << out_path << ", report " << report_path << "\n";
  return 0;
}

int run_classify(int argc, char** argv) {
  std::string model_path;
  bool windows = false;
  std::vector<std::string> files;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--model" && i + 1 < argc) model_path = argv[++i];
    else if (a == "--windows") windows = true;
    else files.push_back(a);
  }
  if (model_path.empty() || files.empty()) return usage();
  try {
    ClassifierModel model = ClassifierModel::load(model_path);
    for (const auto& file : files) {
      std::vector<std::size_t> votes(model.label_count(), 0);
      std::size_t total = 0;
      classify_file(file, &model, {}, [&](const ClassifiedWindow& w) {
        ++votes[w.top];
        ++total;
        if (windows) {
          std::cout << file << "\t" << static_cast<double>(w.end_time) / w.sample_rate << "\t" << model.labels()[w.top]
                    << "\t" << w.probabilities[w.top] << "\t" << model.labels()[w.decision.label] << "\n";
        }
      });
      const auto best = static_cast<std::size_t>(std::max_element(votes.begin(), votes.end()) - votes.begin());
      std::cout << file << "\t" << (total ? model.labels()[best] : "none") << "\t" << votes[best] << "/" << total
                << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "lumina-classifier: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string command = argv[1];
  if (command == "features" && argc == 3) return run_features(argv[2]);
  if (command == "train") return run_train(argc, argv);
  if (command == "classify") return run_classify(argc, argv);
  return usage();
}
