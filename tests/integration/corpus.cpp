#include "corpus.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace lumina::testing {

CorpusClip render_corpus_clip(const std::filesystem::path& dir, const std::string& clip, int variant) {
  if (std::system("command -v python3 >/dev/null && command -v sox >/dev/null") != 0) {
    throw std::runtime_error("rendering the corpus needs python3 and sox (scripts/setup installs them)");
  }
  // Variant 6 and up speak a vocal over the music (gen_corpus.py).
  if (variant >= 6 && std::system("command -v espeak-ng >/dev/null") != 0) {
    throw std::runtime_error("rendering corpus variant " + std::to_string(variant) +
                             " needs espeak-ng (scripts/setup installs it)");
  }
  const std::string command = std::string("python3 ") + LUMINA_SOURCE_DIR + "/scripts/eval/gen_corpus.py " +
                              dir.string() + " " + std::to_string(variant) + " --only " + clip + " >/dev/null";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  return {dir / (clip + ".wav"), dir / (clip + ".onsets"), dir / (clip + ".beats"), dir / (clip + ".json")};
}

std::vector<double> read_times(const std::filesystem::path& path) {
  std::vector<double> times;
  std::ifstream in(path);
  for (double t; in >> t;) times.push_back(t);
  return times;
}

}  // namespace lumina::testing
