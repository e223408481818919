// Each label is produced on examples generated here (not the training
// corpus): espeak-ng speech with a text and voice the corpus does not use,
// sox-synthesised music, noise, silence, and the daemon's own demo pattern.
// Files go through the same path as in the daemon (tap, queue, pipeline).
#include <gtest/gtest.h>

#include <map>

#include "classify_test_support.hpp"
#include "integration/daemon_process.hpp"
#include "lumina/audio/demo_source.hpp"
#include "lumina/classify/file_windows.hpp"

namespace lumina {
namespace {

using testing::run_command;
using testing::TempDir;

class ClassifierLabels : public ::testing::Test {
 protected:
  ClassifierModel model = ClassifierModel::load(testing::shipped_model_path());
  TempDir dir;

  // The label most windows of the file get, and the share of windows that got it.
  std::pair<std::string, double> majority(const std::filesystem::path& file) {
    std::map<std::string, int> votes;
    int total = 0;
    classify_file(file, &model, {}, [&](const ClassifiedWindow& w) {
      ++votes[model.labels()[w.top]];
      ++total;
    });
    std::pair<std::string, double> best{"none", 0.0};
    for (const auto& [label, n] : votes) {
      if (n > best.second * total) best = {label, static_cast<double>(n) / total};
    }
    return best;
  }
  std::filesystem::path path(const std::string& name) { return dir.path() / name; }
};

TEST_F(ClassifierLabels, SpeechFromEspeak) {
  const auto raw = path("speech22k.wav");
  const auto file = path("speech.wav");
  ASSERT_TRUE(run_command("espeak-ng -v en-us+m3 -s 165 -w " + raw.string() +
                          " 'This is a short test announcement. The show starts in five minutes, please take your seats "
                          "and switch off your phones. Thank you very much for your patience this evening.'"));
  ASSERT_TRUE(run_command("sox " + raw.string() + " -r 48000 " + file.string() + " norm -20"));
  const auto [label, share] = majority(file);
  EXPECT_EQ(label, "speech") << share;
}

TEST_F(ClassifierLabels, MusicFromSoxChords) {
  const auto file = path("music.wav");
  std::string parts;
  const char* chords[] = {"pluck C3 pluck E3 pluck G3", "pluck A2 pluck C3 pluck E3", "pluck F2 pluck A2 pluck C3",
                          "pluck G2 pluck B2 pluck D3"};
  for (int i = 0; i < 12; ++i) {
    const auto part = path("c" + std::to_string(i) + ".wav");
    ASSERT_TRUE(run_command("sox -n -r 48000 -c 1 " + part.string() + " synth 0.5 " + chords[i % 4] +
                            " fade q 0.005 0.5 0.3 gain -10"));
    parts += " " + part.string();
  }
  ASSERT_TRUE(run_command("sox" + parts + " " + file.string() + " norm -14"));
  const auto [label, share] = majority(file);
  EXPECT_EQ(label, "music") << share;
}

TEST_F(ClassifierLabels, NoiseFromSox) {
  const auto file = path("noise.wav");
  ASSERT_TRUE(run_command("sox -n -r 48000 -c 1 " + file.string() + " synth 5 pinknoise gain -18"));
  const auto [label, share] = majority(file);
  EXPECT_EQ(label, "noise") << share;
}

TEST_F(ClassifierLabels, SilenceFromSox) {
  const auto file = path("silence.wav");
  ASSERT_TRUE(run_command("sox -n -r 48000 -c 1 " + file.string() + " trim 0 5"));
  const auto [label, share] = majority(file);
  EXPECT_EQ(label, "silence") << share;
}

TEST_F(ClassifierLabels, TheDemoPatternIsMusic) {
  // The daemon's synth:demo source, fed in AudioChunk-sized pieces like the callback does.
  const std::vector<float> demo = render_demo_pattern(48000);
  std::vector<float> audio;
  for (int loop = 0; loop < 2; ++loop) audio.insert(audio.end(), demo.begin(), demo.end());
  ClassifierPipeline pipeline(&model, {});
  std::vector<std::size_t> tops;
  testing::run_side_chain(audio, 48000, pipeline, &tops);
  ASSERT_GT(tops.size(), 10U);
  std::size_t music = 0;
  for (std::size_t t : tops) music += model.labels()[t] == "music" ? 1 : 0;
  EXPECT_GT(music * 2, tops.size()) << music << " of " << tops.size() << " windows";
}

}  // namespace
}  // namespace lumina
