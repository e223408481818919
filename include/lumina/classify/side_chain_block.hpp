#pragma once
// What the analysis thread hands the classifier: a fixed-size block of mono
// samples stamped with its sample-clock position, carried by value through
// the SideChainQueue. The tap fills one block from consecutive AudioChunks
// and try-offers it when full; the stamp lets the worker see where a block
// was dropped (by the queue or upstream) and restart its window there.
#include <array>
#include <cstdint>
#include <type_traits>

#include "lumina/classify/side_chain_queue.hpp"
#include "lumina/core/audio_chunk.hpp"
#include "lumina/dsp/analysis_thread.hpp"

namespace lumina {

struct SideChainBlock {
  static constexpr std::uint32_t kFrames = 2048;  // ≈ 43 ms at 48 kHz
  std::uint64_t sample_time = 0;  // sample-clock index of samples[0]
  std::uint32_t sample_rate = 0;
  std::uint32_t frames = 0;       // always kFrames for offered blocks
  std::array<float, kFrames> samples{};
};
static_assert(std::is_trivially_copyable_v<SideChainBlock>);

using SideChainBlockQueue = SideChainQueue<SideChainBlock>;

// The analysis thread's side of the side chain. on_chunk() is the offer
// point: it copies samples into a member block (no allocation) and, when the
// block is full, try-offers it; a full queue drops it (counted by the queue).
// A clock discontinuity in the chunks restarts the block so every offered
// block is contiguous audio.
class SideChainTap final : public ChunkTap {
 public:
  explicit SideChainTap(SideChainBlockQueue& queue) noexcept : queue_(queue) {}

  // Analysis thread. Wait-free: a copy and at most two try_offer()s.
  void on_chunk(const AudioChunk& chunk) noexcept override;

 private:
  SideChainBlockQueue& queue_;
  SideChainBlock block_{};
  std::uint64_t expected_time_ = 0;
};

}  // namespace lumina
