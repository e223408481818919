#include "lumina/dsp/analysis_thread.hpp"

#include <pthread.h>

#include <chrono>

#include "lumina/core/clock.hpp"
#include "lumina/core/realtime.hpp"

namespace lumina {
namespace {
// The callback never signals (a futex wake is a syscall it must not make), so
// the consumer polls. 1 ms keeps added latency far below one 10 ms hop.
constexpr auto kIdlePoll = std::chrono::milliseconds(1);
}  // namespace

AnalysisThread::AnalysisThread(const AnalyzerParams& params, AudioChunkRing& ring, LatestValue<AnalysisFrame>& out)
    : ring_(ring), out_(out), params_(params) {
  analyzer_ = std::make_unique<Analyzer>(params, make_sink());
}

AnalysisThread::~AnalysisThread() {
  stop();
  delete pending_.exchange(nullptr);
  delete retired_.exchange(nullptr);
}

Analyzer::FrameSink AnalysisThread::make_sink() {
  return [this](const AnalysisFrame& frame) {
    out_.store(frame);
    frames_.fetch_add(1, std::memory_order_relaxed);
    const std::int64_t now = monotonic_ns();
    const std::int64_t cost = now - hop_started_ns_;
    last_hop_ns_.store(cost, std::memory_order_relaxed);
    if (cost > max_hop_ns_.load(std::memory_order_relaxed)) max_hop_ns_.store(cost, std::memory_order_relaxed);
    hop_started_ns_ = now;
  };
}

void AnalysisThread::start() {
  std::lock_guard lock(control_mutex_);
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { run(); });
}

void AnalysisThread::stop() {
  std::lock_guard lock(control_mutex_);
  running_.store(false);
  if (thread_.joinable()) thread_.join();
}

std::optional<std::string> AnalysisThread::set_params(const AnalyzerParams& params) {
  if (auto error = validate_analyzer_params(params)) return error;
  auto next = std::make_unique<Analyzer>(params, make_sink());
  std::lock_guard lock(control_mutex_);
  params_ = params;
  delete retired_.exchange(nullptr, std::memory_order_acquire);
  if (!running_.load()) {
    // No analysis thread to race with (before start or after stop): swap here.
    next->adopt(*analyzer_);
    delete pending_.exchange(nullptr, std::memory_order_acquire);
    analyzer_ = std::move(next);
    swaps_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  // An Analyzer still queued from an earlier call was never touched by the analysis thread.
  delete pending_.exchange(next.release(), std::memory_order_acq_rel);
  return std::nullopt;
}

AnalyzerParams AnalysisThread::params() const {
  std::lock_guard lock(control_mutex_);
  return params_;
}

void AnalysisThread::reclaim() {
  std::lock_guard lock(control_mutex_);
  delete retired_.exchange(nullptr, std::memory_order_acquire);
}

void AnalysisThread::swap_in(Analyzer* next) noexcept {
  next->adopt(*analyzer_);
  Analyzer* old = analyzer_.release();
  analyzer_.reset(next);
  retired_.store(old, std::memory_order_release);
  swaps_.fetch_add(1, std::memory_order_relaxed);
}

void AnalysisThread::feed(const AudioChunk& chunk) {
  std::size_t offset = 0;
  while (offset < chunk.frames) {
    // Swap only when the retired slot is free: the old Analyzer must have
    // somewhere to go that is not this thread's delete.
    if (pending_.load(std::memory_order_relaxed) != nullptr && retired_.load(std::memory_order_acquire) == nullptr) {
      const std::size_t to_boundary = analyzer_->samples_to_hop_boundary();
      if (to_boundary <= chunk.frames - offset) {
        if (to_boundary > 0) {
          analyzer_->feed(chunk.samples.data() + offset, to_boundary, chunk.sample_time + offset, chunk.captured_ns);
          offset += to_boundary;
        }
        if (Analyzer* next = pending_.exchange(nullptr, std::memory_order_acq_rel)) swap_in(next);
        continue;
      }
    }
    analyzer_->feed(chunk.samples.data() + offset, chunk.frames - offset, chunk.sample_time + offset,
                    chunk.captured_ns);
    break;
  }
}

void AnalysisThread::run() {
  pthread_setname_np(pthread_self(), "lumina-analysis");
  // Best effort: without permission the thread runs at normal priority, as before.
  if (realtime_priority_ > 0) (void)try_set_realtime_priority(realtime_priority_);
  while (running_.load(std::memory_order_relaxed)) {
    const AudioChunk* chunk = ring_.front();
    if (!chunk) {
      std::this_thread::sleep_for(kIdlePoll);
      continue;
    }
    hop_started_ns_ = monotonic_ns();
    feed(*chunk);
    if (ChunkTap* tap = tap_.load(std::memory_order_acquire)) tap->on_chunk(*chunk);
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
  s.param_swaps = swaps_.load(std::memory_order_relaxed);
  s.last_hop_ns = last_hop_ns_.load(std::memory_order_relaxed);
  s.max_hop_ns = max_hop_ns_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace lumina
