#pragma once
// Shared helpers for the classifier tests: the shipped model, generated
// audio (sox / espeak-ng, as the training corpus is made), and feeding
// samples through the daemon's side-chain path.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "lumina/classify/classifier_pipeline.hpp"
#include "lumina/classify/side_chain_block.hpp"
#include "lumina/core/audio_chunk.hpp"

namespace lumina::testing {

inline std::filesystem::path shipped_model_path() {
  return std::filesystem::path(LUMINA_SOURCE_DIR) / "config" / "models" / "lumina-content.json";
}

// Runs a shell command; true on exit status 0.
inline bool run_command(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

// Sends mono samples through SideChainTap → SideChainBlockQueue → pipeline,
// in AudioChunk-sized pieces as the audio callback produces them.
inline std::vector<ClassifiedWindow> run_side_chain(const std::vector<float>& samples, std::uint32_t rate,
                                                    ClassifierPipeline& pipeline,
                                                    std::vector<std::size_t>* tops = nullptr) {
  SideChainBlockQueue queue(4);
  SideChainTap tap(queue);
  AudioChunk chunk;
  chunk.sample_rate = rate;
  SideChainBlock block;
  std::vector<ClassifiedWindow> out;
  for (std::size_t pos = 0; pos < samples.size(); pos += AudioChunk::kMaxFrames) {
    chunk.sample_time = pos;
    chunk.frames = static_cast<std::uint32_t>(std::min<std::size_t>(AudioChunk::kMaxFrames, samples.size() - pos));
    std::copy_n(samples.begin() + static_cast<std::ptrdiff_t>(pos), chunk.frames, chunk.samples.begin());
    tap.on_chunk(chunk);
    while (queue.try_take(block)) {
      pipeline.consume(block, [&](const ClassifiedWindow& w) {
        out.push_back(w);
        if (tops) tops->push_back(w.top);
      });
    }
  }
  return out;
}

}  // namespace lumina::testing
