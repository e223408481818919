#pragma once
// The hand-off from the audio callback to the analysis thread: a small block
// of mono samples stamped with its sample-clock position, carried by value in
// an SpscRing<AudioChunk>. The stamp keeps analysis time exact even when the
// ring overflows and chunks are dropped.
#include <array>
#include <cstdint>
#include <type_traits>

#include "lumina/core/spsc_ring.hpp"

namespace lumina {

struct AudioChunk {
  static constexpr std::uint32_t kMaxFrames = 256;  // larger callback blocks are split
  std::uint64_t sample_time = 0;  // sample-clock index of samples[0]
  std::int64_t captured_ns = 0;   // CLOCK_MONOTONIC at callback entry (for latency)
  std::uint32_t frames = 0;
  std::uint32_t sample_rate = 0;
  std::array<float, kMaxFrames> samples{};
};
static_assert(std::is_trivially_copyable_v<AudioChunk>);

using AudioChunkRing = SpscRing<AudioChunk>;

}  // namespace lumina
