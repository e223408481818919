#pragma once
// One clip of the evaluation corpus (scripts/eval/gen_corpus.py), rendered
// for a test: the same audio and ground truth the scorer uses.
#include <filesystem>
#include <string>
#include <vector>

namespace lumina::testing {

struct CorpusClip {
  std::filesystem::path wav;
  std::filesystem::path onsets;  // one true onset time per line (s)
  std::filesystem::path beats;   // one true beat time per line (s)
  std::filesystem::path meta;    // NAME.json: tempo segments, duration
};

// Renders `clip` of corpus `variant` into `dir` (python3 and sox, and
// espeak-ng from variant 6; scripts/setup installs them). Throws
// std::runtime_error naming the missing tool or the failed command.
CorpusClip render_corpus_clip(const std::filesystem::path& dir, const std::string& clip, int variant);

// The times in a .onsets or .beats file.
std::vector<double> read_times(const std::filesystem::path& path);

}  // namespace lumina::testing
