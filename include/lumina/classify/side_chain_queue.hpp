#pragma once
// The classifier's inbox: a bounded queue with an explicit discard-new
// overflow policy (as spdlog's async logger offers). The analysis thread
// offers windows with try_offer(); when the worker is behind, the window is
// dropped and counted, so a slow model can never hold up analysis.
#include <atomic>
#include <cstdint>

#include "lumina/core/spsc_ring.hpp"

namespace lumina {

struct SideChainCounters {
  std::uint64_t offered = 0;
  std::uint64_t enqueued = 0;
  std::uint64_t dropped = 0;
  std::size_t depth = 0;
  std::size_t capacity = 0;
};

template <typename Window>
class SideChainQueue {
 public:
  // Not RT-safe: allocates the ring.
  explicit SideChainQueue(std::size_t capacity) : ring_(capacity) {}

  // Producer only. Wait-free: never blocks, never allocates. False = dropped (counted).
  bool try_offer(const Window& window) noexcept {
    offered_.fetch_add(1, std::memory_order_relaxed);
    if (ring_.try_push(window)) {
      enqueued_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  // Consumer only. Wait-free.
  bool try_take(Window& out) noexcept { return ring_.try_pop(out); }

  SideChainCounters counters() const noexcept {
    return {offered_.load(std::memory_order_relaxed), enqueued_.load(std::memory_order_relaxed),
            dropped_.load(std::memory_order_relaxed), ring_.size_approx(), ring_.capacity()};
  }

 private:
  SpscRing<Window> ring_;
  std::atomic<std::uint64_t> offered_{0}, enqueued_{0}, dropped_{0};
};

}  // namespace lumina
