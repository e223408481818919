#pragma once
#include <array>
#include <cstdint>
#include <type_traits>

namespace lumina {

inline constexpr std::size_t kDmxChannels = 512;
using DmxUniverseData = std::array<std::uint8_t, kDmxChannels>;

// A manual channel write from the control plane (legacy {ch,val}, optional u).
struct DmxOverride {
  std::uint16_t universe = 0;  // 15-bit Art-Net port-address
  std::uint16_t channel = 1;   // 1..512
  std::uint8_t value = 0;
};
static_assert(std::is_trivially_copyable_v<DmxOverride>);

// Counters published by the DMX thread (snapshot; each field read atomically).
struct DmxStats {
  std::uint64_t ticks = 0;          // ticks rendered and sent
  std::uint64_t missed_ticks = 0;   // deadlines skipped because the thread woke too late
  std::uint64_t packets_sent = 0;   // ArtDmx datagrams accepted by the kernel
  std::uint64_t send_errors = 0;    // sendto failures (EAGAIN, unreachable, ...)
  std::uint64_t overrides_dropped = 0;  // override queue full
  std::int64_t last_lateness_ns = 0;    // wake-up lateness of the last tick
  std::int64_t max_lateness_ns = 0;     // worst wake-up lateness since start
  double latency_ms = 0.0;  // audio capture → wire of the last tick (-1 when unknown)
};

}  // namespace lumina
