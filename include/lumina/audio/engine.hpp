#pragma once
// AudioEngine holds everything the realtime callback touches. process() is
// the callback body for every backend (PortAudio or the null clock). All
// resources are prepared before the stream starts; process() only reads
// and writes pre-allocated memory, the SPSC ring and atomics.
#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

#include "lumina/audio/audio_stats.hpp"
#include "lumina/core/audio_chunk.hpp"

namespace lumina {

enum class SourceKind : std::uint8_t {
  kDeviceInput,  // the backend's input buffer (silence when the backend has none)
  kDemo,         // the pre-rendered synth:demo loop
};

// Backend status bits passed to process().
inline constexpr std::uint32_t kStatusInputOverflow = 1U << 0;
inline constexpr std::uint32_t kStatusOutputUnderflow = 1U << 1;

class AudioEngine {
 public:
  // Not RT-safe. `ring` is the producer side toward the analysis thread.
  explicit AudioEngine(AudioChunkRing& ring);

  // Not RT-safe; call while no stream runs. Sets the rate the backend opened at.
  void prepare(std::uint32_t sample_rate);
  // Not RT-safe; call while no stream runs. `demo` must outlive the stream.
  void set_source(SourceKind kind, std::span<const float> demo = {});

  // The callback body. RT-safe: no allocation, lock, syscall, log or wait.
  // `input` is interleaved with `in_channels` (may be null), `output`
  // interleaved with `out_channels` (may be null) and is always fully written.
  void process(const float* input, std::uint32_t in_channels, float* output, std::uint32_t out_channels,
               std::uint32_t frames, std::uint32_t status) noexcept;

  // Any thread. Lock-free snapshot.
  AudioStats stats() const noexcept;
  std::uint32_t sample_rate() const noexcept { return sample_rate_; }
  SourceKind source() const noexcept { return source_; }

 private:
  void record_duration(std::int64_t ns) noexcept;

  AudioChunkRing& ring_;
  std::uint32_t sample_rate_ = 48000;
  SourceKind source_ = SourceKind::kDeviceInput;
  std::span<const float> demo_;
  std::size_t demo_pos_ = 0;
  std::uint64_t sample_clock_ = 0;  // callback thread only

  std::atomic<std::uint64_t> blocks_{0}, frames_{0}, xruns_{0}, ring_overflows_{0};
  std::atomic<std::int64_t> last_ns_{0}, max_ns_{0};
  std::array<std::atomic<std::uint64_t>, kCallbackBucketsUs.size() + 1> histogram_{};
  static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
  static_assert(std::atomic<std::int64_t>::is_always_lock_free);
};

}  // namespace lumina
