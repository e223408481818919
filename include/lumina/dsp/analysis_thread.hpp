#pragma once
// The analysis thread: consumes AudioChunks from the callback's ring, runs
// the Analyzer, and publishes the newest AnalysisFrame lock-free.
//
// Parameter changes (set_params, from a control thread) build the new
// Analyzer on the calling thread (allocation, FFTW planning), hand it over
// through an atomic pointer, and the analysis thread swaps it in at a hop
// boundary, carrying meters, counters and (same sample rate) the onset and
// beat state across. The replaced Analyzer goes back through a second atomic
// pointer and is freed by the control thread (next set_params, reclaim(),
// or the destructor), never on the analysis or audio thread.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "lumina/core/audio_chunk.hpp"
#include "lumina/core/latest_value.hpp"
#include "lumina/dsp/analysis_frame.hpp"
#include "lumina/dsp/analyzer.hpp"

namespace lumina {

// A side consumer of the analysed audio (the classifier's offer point). Called
// on the analysis thread with every chunk it consumes, after analysis, so it
// must be cheap and must never block, allocate or wait (the classifier's tap
// copies into a fixed block and try-pushes it into a bounded queue).
class ChunkTap {
 public:
  virtual void on_chunk(const AudioChunk& chunk) noexcept = 0;

 protected:
  ~ChunkTap() = default;
};

struct AnalysisStats {
  std::uint64_t frames = 0;       // AnalysisFrames published
  std::uint64_t chunks = 0;       // AudioChunks consumed
  std::uint64_t gaps = 0;         // clock discontinuities (audio dropped before analysis)
  std::uint64_t param_swaps = 0;  // parameter sets taken over by the analysis thread
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

  // Before start(): run the thread SCHED_FIFO at `priority` when the system
  // permits (below the DMX thread, so a frame is ready when a tick wants it;
  // the analysis is ~1 % of a core, so it cannot starve anything). 0 = normal.
  void set_realtime_priority(int priority) noexcept { realtime_priority_ = priority; }
  void start();
  void stop();  // idempotent
  AnalysisStats stats() const noexcept;

  // Control thread(s). Not RT-safe: validates, then builds the new Analyzer
  // here and queues it; the analysis thread takes it at its next hop
  // boundary (immediately when the thread is not running). Returns the
  // validation error naming the field and its allowed range, or nullopt.
  // A newer call before the swap replaces the queued parameters.
  std::optional<std::string> set_params(const AnalyzerParams& params);
  // The parameters of the last accepted set_params (or the constructor).
  AnalyzerParams params() const;
  // Control thread. Frees an Analyzer the analysis thread has retired.
  void reclaim();
  // Control thread. Attaches (or with nullptr detaches) the chunk tap. The tap
  // must outlive the analysis thread's use of it: detach, or stop(), before
  // destroying it.
  void set_tap(ChunkTap* tap) noexcept { tap_.store(tap, std::memory_order_release); }

 private:
  void run();
  void feed(const AudioChunk& chunk);
  void swap_in(Analyzer* next) noexcept;
  Analyzer::FrameSink make_sink();

  AudioChunkRing& ring_;
  LatestValue<AnalysisFrame>& out_;
  std::unique_ptr<Analyzer> analyzer_;  // owned and used by the analysis thread while running
  // Control → analysis: the next Analyzer. Analysis → control: the replaced one.
  std::atomic<Analyzer*> pending_{nullptr};
  std::atomic<Analyzer*> retired_{nullptr};
  static_assert(std::atomic<Analyzer*>::is_always_lock_free);
  mutable std::mutex control_mutex_;  // serialises control threads only; the analysis thread never takes it
  AnalyzerParams params_;             // guarded by control_mutex_
  std::thread thread_;
  std::atomic<bool> running_{false};
  int realtime_priority_ = 0;
  std::atomic<ChunkTap*> tap_{nullptr};
  std::atomic<std::uint64_t> frames_{0}, chunks_{0}, gaps_{0}, swaps_{0};
  std::atomic<std::int64_t> last_hop_ns_{0}, max_hop_ns_{0};
  std::int64_t hop_started_ns_ = 0;
};

}  // namespace lumina
