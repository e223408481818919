#pragma once
// The file reader thread: decodes the current file with libsndfile (and
// converts its sample rate to the engine's when they differ) into a FileRing
// the callback consumes, keeping at least one second prebuffered. The
// callback never touches the file. Chunks carry a generation number: every
// load, seek or stop starts a new generation, and the callback discards
// chunks of older generations, so a seek never plays stale read-ahead.
#include <array>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "lumina/audio/sound_file.hpp"
#include "lumina/core/spsc_ring.hpp"

namespace lumina {

struct FileChunk {
  static constexpr std::uint32_t kMaxFrames = 256;
  std::uint32_t generation = 0;
  std::uint32_t frames = 0;    // valid frames (0 only in an end-of-file marker)
  std::uint64_t position = 0;  // engine-rate frame index of the first frame
  bool end_of_file = false;    // no frames of this generation follow
  std::array<float, kMaxFrames * 2> samples{};  // stereo, interleaved
};
static_assert(std::is_trivially_copyable_v<FileChunk>);

using FileRing = SpscRing<FileChunk>;

// What the engine needs to know about a loaded file, at the engine's rate.
struct LoadedFile {
  std::filesystem::path path;
  SoundFileInfo source;          // as stored on disk
  std::uint64_t frames = 0;      // length at the engine rate
  std::uint32_t sample_rate = 0; // the engine rate
  bool resampled = false;
};

class FileReader {
 public:
  // Not RT-safe. `ring_chunks` × 256 frames of read-ahead (default ≈ 1.4 s at 48 kHz).
  explicit FileReader(std::uint32_t engine_rate, std::size_t ring_chunks = 256);
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  // Control thread. Opens `path` (throws SoundFileError; the current file then
  // stays loaded) and starts reading generation `generation` from frame 0.
  LoadedFile load(const std::filesystem::path& path, std::uint32_t generation);
  // Control thread. Continues reading from `frame` (clamped) as `generation`.
  void seek(std::uint64_t frame, std::uint32_t generation);
  // Control thread. Forgets the file; nothing more is produced.
  void unload();

  // The consumer side belongs to the audio callback.
  FileRing& ring() noexcept { return ring_; }
  // Frames of read-ahead the ring can hold.
  std::size_t capacity_frames() const noexcept { return ring_.capacity() * FileChunk::kMaxFrames; }

 private:
  class Resampler;
  void run();
  bool produce_chunk();  // reader thread; false when the ring is full or nothing to read

  const std::uint32_t engine_rate_;
  FileRing ring_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool quit_ = false;

  // Requests from the control thread (under mutex_).
  struct Request {
    std::optional<SoundFile> file;  // a newly opened file to switch to
    std::uint64_t frame = 0;
    std::uint32_t generation = 0;
    bool unload = false;
  };
  std::optional<Request> request_;

  // Reader-thread state.
  std::optional<SoundFile> file_;
  std::unique_ptr<Resampler> resampler_;
  std::vector<float> read_buffer_;  // one chunk of file frames, file channels
  std::uint32_t generation_ = 0;
  std::uint64_t next_position_ = 0;
  std::uint64_t total_frames_ = 0;
  bool finished_ = true;  // end-of-file marker sent for this generation
};

}  // namespace lumina
