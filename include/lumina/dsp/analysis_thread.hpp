#pragma once
// The analysis thread: consumes AudioChunks from the callback's ring, runs
// the Analyzer, and publishes the newest AnalysisFrame lock-free.
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "lumina/core/audio_chunk.hpp"
#include "lumina/core/latest_value.hpp"
#include "lumina/dsp/analysis_frame.hpp"
#include "lumina/dsp/analyzer.hpp"

namespace lumina {

struct AnalysisStats {
  std::uint64_t frames = 0;       // AnalysisFrames published
  std::uint64_t chunks = 0;       // AudioChunks consumed
  std::uint64_t gaps = 0;         // clock discontinuities (audio dropped before analysis)
  std::int64_t last_hop_ns = 0;   // CPU time of the last hop's analysis
  std::int64_t max_hop_ns = 0;
};

class AnalysisThread {
 public:
  // Not RT-safe: builds the Analyzer. `ring` is consumed only by this thread.
  AnalysisThread(const AnalyzerParams& params, AudioChunkRing& ring, LatestValue<AnalysisFrame>& out);
  ~AnalysisThread();
  AnalysisThread(const AnalysisThread&) = delete;
  AnalysisThread& operator=(const AnalysisThread&) = delete;

  void start();
  void stop();  // idempotent
  AnalysisStats stats() const noexcept;

 private:
  void run();

  AudioChunkRing& ring_;
  LatestValue<AnalysisFrame>& out_;
  std::unique_ptr<Analyzer> analyzer_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> frames_{0}, chunks_{0}, gaps_{0};
  std::atomic<std::int64_t> last_hop_ns_{0}, max_hop_ns_{0};
  std::int64_t hop_started_ns_ = 0;
};

}  // namespace lumina
