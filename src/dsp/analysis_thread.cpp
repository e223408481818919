#include "lumina/dsp/analysis_thread.hpp"

#include <pthread.h>

#include <chrono>

#include "lumina/core/clock.hpp"

namespace lumina {
namespace {
// The callback never signals (a futex wake is a syscall it must not make), so
// the consumer polls. 1 ms keeps added latency far below one 10 ms hop.
constexpr auto kIdlePoll = std::chrono::milliseconds(1);
}  // namespace

AnalysisThread::AnalysisThread(const AnalyzerParams& params, AudioChunkRing& ring, LatestValue<AnalysisFrame>& out)
    : ring_(ring), out_(out) {
  analyzer_ = std::make_unique<Analyzer>(params, [this](const AnalysisFrame& frame) {
    out_.store(frame);
    frames_.fetch_add(1, std::memory_order_relaxed);
    const std::int64_t now = monotonic_ns();
    const std::int64_t cost = now - hop_started_ns_;
    last_hop_ns_.store(cost, std::memory_order_relaxed);
    if (cost > max_hop_ns_.load(std::memory_order_relaxed)) max_hop_ns_.store(cost, std::memory_order_relaxed);
    hop_started_ns_ = now;
  });
}

AnalysisThread::~AnalysisThread() { stop(); }

void AnalysisThread::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { run(); });
}

void AnalysisThread::stop() {
  running_.store(false);
  if (thread_.joinable()) thread_.join();
}

void AnalysisThread::run() {
  pthread_setname_np(pthread_self(), "lumina-analysis");
  while (running_.load(std::memory_order_relaxed)) {
    const AudioChunk* chunk = ring_.front();
    if (!chunk) {
      std::this_thread::sleep_for(kIdlePoll);
      continue;
    }
    hop_started_ns_ = monotonic_ns();
    analyzer_->feed(chunk->samples.data(), chunk->frames, chunk->sample_time, chunk->captured_ns);
    ring_.pop();
    chunks_.fetch_add(1, std::memory_order_relaxed);
    gaps_.store(analyzer_->gaps(), std::memory_order_relaxed);
  }
}

AnalysisStats AnalysisThread::stats() const noexcept {
  AnalysisStats s;
  s.frames = frames_.load(std::memory_order_relaxed);
  s.chunks = chunks_.load(std::memory_order_relaxed);
  s.gaps = gaps_.load(std::memory_order_relaxed);
  s.last_hop_ns = last_hop_ns_.load(std::memory_order_relaxed);
  s.max_hop_ns = max_hop_ns_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace lumina
