#pragma once
// The audio files in <dataDir>/media, as playable sources. Until the media
// registry exists, a file copied into that folder becomes `file:<fileId>`,
// where fileId is the first 24 hex digits of the SHA-256 of its bytes (the
// same id an upload of those bytes gets). Hashes are cached by path, size and
// modification time, so a scan only reads new or changed files.
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace lumina {

struct MediaEntry {
  std::string file_id;  // 24 lowercase hex digits
  std::string name;     // display name (the file name)
  std::filesystem::path path;
  std::uint32_t sample_rate = 0;
  std::uint32_t channels = 0;
  std::uint64_t frames = 0;
  double duration = 0.0;  // seconds
};

// Not RT-safe. Lowercase hex SHA-256 of a file's bytes (OpenSSL EVP, streamed).
// Throws std::runtime_error naming the file when it cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);

class MediaFolder {
 public:
  explicit MediaFolder(std::filesystem::path dir);

  // Not RT-safe. Every readable audio file in the folder, sorted by name.
  // Files libsndfile cannot decode are skipped (and listed by skipped()).
  std::vector<MediaEntry> scan();
  // Not RT-safe. The entry for `file_id` (rescans the folder).
  std::optional<MediaEntry> find(const std::string& file_id);
  // Files of the last scan that are not playable audio, with the reason.
  std::vector<std::string> skipped() const;

 private:
  struct Cached {
    std::uintmax_t size = 0;
    std::filesystem::file_time_type mtime;
    std::optional<MediaEntry> entry;  // nullopt: not audio
    std::string problem;
  };
  std::filesystem::path dir_;
  mutable std::mutex mutex_;
  std::map<std::filesystem::path, Cached> cache_;
};

}  // namespace lumina
