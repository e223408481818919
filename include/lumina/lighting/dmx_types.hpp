#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace lumina {

inline constexpr std::size_t kDmxChannels = 512;
using DmxUniverseData = std::array<std::uint8_t, kDmxChannels>;

// One bit per channel (bit index = channel - 1): which channels of a
// universe a layer sets. Bits rather than bools so that the DMX thread
// publishes a layer's mask as a 64-byte copy. RT-safe helpers.
using DmxChannelMask = std::array<std::uint64_t, kDmxChannels / 64>;
constexpr bool mask_test(const DmxChannelMask& mask, std::size_t index) noexcept {
  return ((mask[index / 64] >> (index % 64)) & 1U) != 0;
}
constexpr void mask_assign(DmxChannelMask& mask, std::size_t index, bool on) noexcept {
  const std::uint64_t bit = std::uint64_t{1} << (index % 64);
  mask[index / 64] = on ? (mask[index / 64] | bit) : (mask[index / 64] & ~bit);
}
constexpr bool mask_empty(const DmxChannelMask& mask) noexcept {
  for (const std::uint64_t word : mask) {
    if (word != 0) return false;
  }
  return true;
}

// A manual channel write from the control plane (legacy {ch,val}, optional u).
struct DmxOverride {
  std::uint16_t universe = 0;  // 15-bit Art-Net port-address
  std::uint16_t channel = 1;   // 1..512
  std::uint8_t value = 0;
};
static_assert(std::is_trivially_copyable_v<DmxOverride>);

// Figures published by the DMX thread (snapshot; each field read atomically,
// the set is not one instant). Percentiles are over a rolling window of the
// latest ticks (kPacingWindow, ~25 s at 40 FPS).
struct DmxStats {
  static constexpr std::size_t kPacingWindow = 1024;
  std::uint64_t ticks = 0;              // ticks rendered and sent
  std::uint64_t missed_ticks = 0;       // deadlines skipped because the thread woke too late
  std::uint64_t packets_sent = 0;       // Art-Net + sACN datagrams accepted by the kernel
  std::uint64_t send_errors = 0;        // sendto failures (EAGAIN, unreachable, ...)
  int last_send_errno = 0;              // errno of the latest failure, 0 if none
  std::uint64_t overrides_dropped = 0;  // control commands dropped: queue full
  std::uint64_t universes_dropped = 0;  // universes that did not fit a frame (max universes)
  std::uint64_t shows_swapped = 0;
  std::int64_t last_lateness_ns = 0;    // wake-up lateness of the last tick
  std::int64_t max_lateness_ns = 0;     // worst wake-up lateness since start
  double lateness_p50_ms = 0.0;         // tick pacing: wake-up lateness percentiles
  double lateness_p99_ms = 0.0;
  double lateness_window_max_ms = 0.0;
  double latency_ms = -1.0;       // audio capture → Art-Net wire, last tick (-1 unknown)
  double sacn_latency_ms = -1.0;  // audio capture → sACN wire, last tick (-1 unknown)
  double latency_p50_ms = -1.0;   // audio → Art-Net wire percentiles over the window
  double latency_p99_ms = -1.0;
  std::uint64_t onsets_measured = 0;  // onsets timed from their audio to the wire
  double onset_to_wire_p50_ms = -1.0;
  double onset_to_wire_p99_ms = -1.0;
  bool realtime = false;  // the thread runs SCHED_FIFO
};

}  // namespace lumina
