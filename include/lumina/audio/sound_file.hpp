#pragma once
// Decoding audio files with libsndfile (WAV, FLAC, Ogg/Vorbis, Opus, MP3 on
// Debian 12's libsndfile 1.2, AIFF, ...). Used by the file reader thread and
// by `luminad analyze`; never by the realtime callback.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

namespace lumina {

class SoundFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SoundFileInfo {
  std::uint32_t sample_rate = 0;
  std::uint32_t channels = 0;
  std::uint64_t frames = 0;  // total frames (per channel)
  std::string format;        // e.g. "WAV (Microsoft) / Signed 16 bit PCM"
  double duration_seconds() const { return sample_rate ? static_cast<double>(frames) / sample_rate : 0.0; }
};

class SoundFile {
 public:
  // Not RT-safe (file I/O). Throws SoundFileError naming the file and libsndfile's reason.
  static SoundFile open(const std::filesystem::path& path);

  SoundFile(SoundFile&&) noexcept;
  SoundFile& operator=(SoundFile&&) noexcept;
  ~SoundFile();

  const SoundFileInfo& info() const noexcept { return info_; }
  const std::filesystem::path& path() const noexcept { return path_; }
  // Reads up to `frames` frames as interleaved float (info().channels per
  // frame) into `out`; returns the frames read (0 at the end). Not RT-safe.
  std::size_t read(float* out, std::size_t frames);
  // Positions the next read at `frame` (clamped to the end). Not RT-safe.
  void seek(std::uint64_t frame);

 private:
  SoundFile() = default;
  struct Handle;
  std::unique_ptr<Handle> handle_;
  SoundFileInfo info_;
  std::filesystem::path path_;
};

// Averages interleaved `channels`-channel frames into mono. RT-safe: no allocation.
void mix_to_mono(const float* interleaved, std::size_t frames, std::uint32_t channels, float* mono) noexcept;

}  // namespace lumina
