#pragma once
#include <array>
#include <cstdint>

namespace lumina {

// Upper bounds (µs) of the callback-duration histogram buckets; the last bucket is open-ended.
inline constexpr std::array<std::uint32_t, 10> kCallbackBucketsUs{25, 50, 100, 200, 400, 800, 1600, 3200, 6400, 12800};

// A snapshot of the audio engine's counters (each field read atomically).
struct AudioStats {
  std::uint64_t blocks = 0;            // callbacks run
  std::uint64_t frames = 0;            // sample clock: frames processed since start
  std::uint64_t xruns = 0;             // over/underflows reported by the backend
  std::uint64_t ring_overflows = 0;    // chunks dropped because analysis fell behind
  std::uint64_t underruns = 0;         // blocks where file data was due but not read yet (played as silence)
  std::uint64_t rejected_callbacks = 0;  // callbacks that found another clock inside the engine (device hand-over)
  std::int64_t last_callback_ns = 0;   // duration of the last callback
  std::int64_t max_callback_ns = 0;    // worst callback duration since start
  std::array<std::uint64_t, kCallbackBucketsUs.size() + 1> callback_histogram{};
};

}  // namespace lumina
