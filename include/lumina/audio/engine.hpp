#pragma once
// AudioEngine holds everything the realtime callback touches. process() is
// the callback body for every backend (PortAudio or the null clock). All
// resources are prepared before the stream starts; process() only reads and
// writes pre-allocated memory, SPSC rings and atomics.
//
// Control flows in through an SPSC command ring (one producer: the audio
// controller, which serialises callers) applied at block boundaries. State
// flows out through relaxed atomics (TransportSnapshot) and counters.
#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <type_traits>

#include "lumina/audio/audio_stats.hpp"
#include "lumina/audio/file_reader.hpp"
#include "lumina/core/audio_chunk.hpp"
#include "lumina/core/spsc_ring.hpp"

namespace lumina {

enum class SourceKind : std::uint8_t {
  kDeviceInput,  // the backend's input buffer (silence when the backend has none)
  kDemo,         // the pre-rendered synth:demo loop
  kFile,         // the FileReader's ring
};

enum class TransportState : std::uint8_t { kStopped, kPlaying, kPaused };

// Backend status bits passed to process().
inline constexpr std::uint32_t kStatusInputOverflow = 1U << 0;
inline constexpr std::uint32_t kStatusOutputUnderflow = 1U << 1;

struct EngineCommand {
  enum class Kind : std::uint8_t {
    kSetSource,   // source; for kFile also generation + total_frames (file stopped at 0)
    kStart,       // run the source (fade in)
    kStop,        // silence the source (fade out)
    kFilePlay,    // fade in from the current position
    kFilePause,   // fade out, keep the position
    kFileStop,    // fade out, then position 0 as `generation`
    kFileSeek,    // fade out if playing, continue at `frame` as `generation`
    kSetMonitor,  // flag: copy the source to the output device
  };
  Kind kind = Kind::kStart;
  SourceKind source = SourceKind::kDeviceInput;
  bool flag = false;
  std::uint32_t generation = 0;
  std::uint64_t frame = 0;
  std::uint64_t total_frames = 0;
  std::uint32_t seq = 0;  // echoed in TransportSnapshot::applied_seq once fully applied (after any fade)
};
static_assert(std::is_trivially_copyable_v<EngineCommand>);

// What the callback last did, readable from any thread (each field atomic).
struct TransportSnapshot {
  bool running = false;
  SourceKind source = SourceKind::kDeviceInput;
  TransportState state = TransportState::kStopped;
  std::uint64_t position = 0;      // audible frame (engine rate) of the file
  std::uint64_t total_frames = 0;  // file length at the engine rate
  std::uint32_t generation = 0;
  bool ended = false;              // stopped because the file ended
  bool monitor = false;
  std::uint64_t changes = 0;       // bumps on every transport state change (incl. end of file)
  std::uint32_t applied_seq = 0;   // seq of the last command fully applied
};

class AudioEngine {
 public:
  // Not RT-safe. `ring` is the producer side toward the analysis thread.
  explicit AudioEngine(AudioChunkRing& ring);

  // Not RT-safe; call while no stream runs. The rate the backend opened at;
  // sets the fade length (5 ms).
  void prepare(std::uint32_t sample_rate);
  // Not RT-safe; call while no stream runs. The demo loop (must outlive the
  // stream) and the file ring (its consumer side becomes the callback's).
  void attach(std::span<const float> demo, FileRing* file_ring);

  // Control thread (single producer). Lock-free; false when the queue is full.
  bool post(const EngineCommand& command) noexcept;

  // The callback body. RT-safe: no allocation, lock, syscall, log or wait.
  // `input` is interleaved with `in_channels` (may be null), `output`
  // interleaved with `out_channels` (may be null) and is always fully written.
  void process(const float* input, std::uint32_t in_channels, float* output, std::uint32_t out_channels,
               std::uint32_t frames, std::uint32_t status) noexcept;

  // Any thread. Lock-free snapshots.
  AudioStats stats() const noexcept;
  TransportSnapshot transport() const noexcept;
  std::uint32_t sample_rate() const noexcept { return sample_rate_; }

 private:
  static constexpr std::uint32_t kBlock = AudioChunk::kMaxFrames;  // internal sub-block
  enum class Pending : std::uint8_t { kNone, kStop, kPause, kFileStop, kSeek };

  void apply(const EngineCommand& c) noexcept;
  void begin_fade_out(Pending action, const EngineCommand& c) noexcept;
  void finish_pending() noexcept;
  void render_source(const float* input, std::uint32_t in_channels, std::uint32_t n) noexcept;
  std::uint32_t render_file(std::uint32_t n) noexcept;
  void apply_fade(std::uint32_t n) noexcept;
  void push_analysis(std::uint32_t n, std::uint64_t sample_time, std::int64_t captured_ns) noexcept;
  void set_state(TransportState state, bool ended = false) noexcept;
  void record_duration(std::int64_t ns) noexcept;
  bool audible() const noexcept;

  AudioChunkRing& ring_;
  SpscRing<EngineCommand> commands_{256};
  std::uint32_t sample_rate_ = 48000;
  float fade_step_ = 1.0F / 240.0F;
  std::span<const float> demo_;
  std::size_t demo_pos_ = 0;
  FileRing* file_ring_ = nullptr;

  // Callback-thread state.
  std::uint64_t sample_clock_ = 0;
  SourceKind source_ = SourceKind::kDeviceInput;
  bool running_ = true;
  bool monitor_ = false;
  TransportState state_ = TransportState::kStopped;
  std::uint64_t position_ = 0;
  std::uint64_t total_frames_ = 0;
  std::uint32_t generation_ = 0;
  std::uint32_t chunk_offset_ = 0;  // frames already used from the ring's front chunk
  bool primed_ = false;             // data of this generation has arrived since play/seek
  float gain_ = 1.0F;
  float gain_step_ = 0.0F;
  Pending pending_ = Pending::kNone;
  EngineCommand pending_command_{};
  std::array<float, 2 * kBlock> scratch_{};  // stereo source audio of one sub-block

  std::atomic<std::uint64_t> blocks_{0}, frames_{0}, xruns_{0}, ring_overflows_{0}, underruns_{0};
  std::atomic<std::int64_t> last_ns_{0}, max_ns_{0};
  std::array<std::atomic<std::uint64_t>, kCallbackBucketsUs.size() + 1> histogram_{};
  std::atomic<bool> pub_running_{true}, pub_ended_{false}, pub_monitor_{false};
  // Set while a callback runs. When a stalled device is replaced by another
  // clock, its late callback finds the flag set and outputs silence instead
  // of touching the engine concurrently.
  std::atomic<bool> in_process_{false};
  std::atomic<std::uint64_t> rejected_callbacks_{0};
  std::atomic<std::uint8_t> pub_source_{0}, pub_state_{0};
  std::atomic<std::uint64_t> pub_position_{0}, pub_total_{0}, pub_changes_{0};
  std::atomic<std::uint32_t> pub_generation_{0}, pub_applied_seq_{0};
  static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
  static_assert(std::atomic<std::int64_t>::is_always_lock_free);
};

}  // namespace lumina
