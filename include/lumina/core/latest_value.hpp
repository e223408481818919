#pragma once
// Single-writer, many-reader "latest value" slot (a seqlock). The payload is
// stored as relaxed atomic words, so concurrent copies are data-race free
// (TSan-clean) while costing no more than a memcpy.
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace lumina {

template <typename T>
class LatestValue {
  static_assert(std::is_trivially_copyable_v<T>);
  static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
  static constexpr std::size_t kWords = (sizeof(T) + 7) / 8;

 public:
  // Writer only (one thread). RT-safe: wait-free.
  void store(const T& value) noexcept {
    std::array<std::uint64_t, kWords> words{};
    std::memcpy(words.data(), &value, sizeof(T));
    const std::uint64_t seq = seq_.load(std::memory_order_relaxed);
    seq_.store(seq + 1, std::memory_order_relaxed);
    // Release on each word orders the odd sequence before it: a reader whose
    // acquire load sees a new word then also sees the odd (or newer) sequence.
    // (Used instead of fences, which ThreadSanitizer does not model.)
    for (std::size_t i = 0; i < kWords; ++i) words_[i].store(words[i], std::memory_order_release);
    seq_.store(seq + 2, std::memory_order_release);
  }

  // Any thread. RT-safe: lock-free, bounded retries, never waits on the writer.
  // Returns false when nothing was ever stored or the writer kept racing.
  bool load(T& out, std::uint64_t* version = nullptr) const noexcept {
    for (int attempt = 0; attempt < 64; ++attempt) {
      const std::uint64_t before = seq_.load(std::memory_order_acquire);
      if (before == 0) return false;
      if (before & 1U) continue;
      std::array<std::uint64_t, kWords> words;
      for (std::size_t i = 0; i < kWords; ++i) words[i] = words_[i].load(std::memory_order_acquire);
      if (seq_.load(std::memory_order_relaxed) == before) {
        std::memcpy(static_cast<void*>(&out), words.data(), sizeof(T));
        if (version) *version = before / 2;
        return true;
      }
    }
    return false;
  }

  // Number of completed stores. RT-safe.
  std::uint64_t version() const noexcept { return seq_.load(std::memory_order_acquire) / 2; }

 private:
  std::atomic<std::uint64_t> seq_{0};
  std::array<std::atomic<std::uint64_t>, kWords> words_{};
};

}  // namespace lumina
