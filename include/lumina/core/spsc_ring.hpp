#pragma once
// Bounded single-producer/single-consumer ring (rigtorp-style): cache-line
// separated indices, each side keeps a cached copy of the other side's index
// so the common case touches only its own cache line.
#include <atomic>
#include <bit>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>

namespace lumina {

inline constexpr std::size_t kCacheLine = 64;

template <typename T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>, "SpscRing carries trivially copyable data only");
  static_assert(std::atomic<std::size_t>::is_always_lock_free);

 public:
  // Not RT-safe: allocates. Capacity is rounded up to a power of two.
  explicit SpscRing(std::size_t capacity)
      : capacity_(std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity)),
        mask_(capacity_ - 1),
        slots_(std::make_unique<T[]>(capacity_)) {}

  // Copying would create a second producer or consumer and break the promise.
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Producer only. RT-safe: wait-free, no allocation. False when full.
  [[nodiscard]] bool try_push(const T& value) noexcept {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_cache_ == capacity_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head - tail_cache_ == capacity_) return false;
    }
    slots_[head & mask_] = value;
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  // Consumer only. RT-safe: wait-free, no allocation. False when empty.
  [[nodiscard]] bool try_pop(T& out) noexcept {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_cache_) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail == head_cache_) return false;
    }
    out = slots_[tail & mask_];
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Consumer only: pointer to the oldest element or nullptr; pop() releases it.
  // Avoids copying large elements out. RT-safe: wait-free.
  [[nodiscard]] const T* front() noexcept {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_cache_) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail == head_cache_) return nullptr;
    }
    return &slots_[tail & mask_];
  }
  void pop() noexcept { tail_.store(tail_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

  // Producer only: a slot to fill in place, or nullptr when full; push() publishes it.
  [[nodiscard]] T* prepare() noexcept {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_cache_ == capacity_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head - tail_cache_ == capacity_) return nullptr;
    }
    return &slots_[head & mask_];
  }
  void push() noexcept { head_.store(head_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

  // Either side; a snapshot that may be stale by the time it is used.
  [[nodiscard]] std::size_t size_approx() const noexcept {
    return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire);
  }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  const std::size_t capacity_;
  const std::size_t mask_;
  std::unique_ptr<T[]> slots_;
  alignas(kCacheLine) std::atomic<std::size_t> head_{0};  // written by producer
  alignas(kCacheLine) std::size_t tail_cache_{0};         // producer's copy of tail_
  alignas(kCacheLine) std::atomic<std::size_t> tail_{0};  // written by consumer
  alignas(kCacheLine) std::size_t head_cache_{0};         // consumer's copy of head_
};

}  // namespace lumina
