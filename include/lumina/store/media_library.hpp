#pragma once
// The media library: everything between "bytes arrive" and "a playable source
// is registered". Layout under the data dir:
//   tmp/        uploads and conversions in progress (emptied at start)
//   library/    <sha256>.orig (the bytes as uploaded) and <sha256>.wav (what
//               the engine plays: its sample rate, <= 2 channels, PCM/float WAV)
//   lumina.db   the registry (MediaRegistry)
// Crash safety: file data is fsynced and renamed into library/ (directory
// fsynced) before its row commits; a delete commits the row removal before
// unlinking. So a kill at any moment leaves either a complete entry or none
// (files without a row are ignored). Not RT-safe anywhere; thread-safe.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "lumina/core/api_error.hpp"
#include "lumina/store/ffmpeg_runner.hpp"
#include "lumina/store/media_registry.hpp"

namespace lumina {

struct MediaLibraryOptions {
  std::filesystem::path root;       // the data dir
  std::uint32_t sample_rate = 48000;  // what the engine plays; imports are converted to it
  std::uint64_t max_upload_bytes = 4ULL << 30;
  FfmpegLimits ffmpeg;
};

struct IngestResult {
  MediaRecord record;
  bool dedup = false;  // the same bytes were registered already
};

struct ReconcileReport {
  std::size_t temporaries_removed = 0;
  std::vector<std::string> hidden;    // ids whose files vanished (now hidden)
  std::vector<std::string> restored;  // hidden ids whose files are back
};

// "C:\\x\\..\\evil\x01name.wav" → "evilname.wav": the last path component,
// control characters and invalid UTF-8 removed, at most 200 bytes (cut on a
// character boundary); "upload.bin" when nothing usable is left.
std::string sanitize_display_name(std::string_view raw);

class MediaLibrary;

// One file being received. append() streams into tmp/ with SHA-256 updated
// as it goes; destroying it without MediaLibrary::commit() removes the temp.
class PendingUpload {
 public:
  ~PendingUpload();
  PendingUpload(const PendingUpload&) = delete;
  PendingUpload& operator=(const PendingUpload&) = delete;

  // Throws ApiError: 413 past max_upload_bytes, 507 on a full disk
  // (ENOSPC, EDQUOT, EFBIG), 500 for other write errors.
  void append(const char* data, std::size_t size);
  std::uint64_t size() const noexcept { return size_; }
  const std::string& name() const noexcept { return name_; }

 private:
  friend class MediaLibrary;
  PendingUpload(MediaLibrary& library, std::string name);
  struct Hasher;
  MediaLibrary& library_;
  std::string name_;
  std::filesystem::path temp_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::uint64_t written_back_ = 0;  // bytes whose write-back has been started
  std::unique_ptr<Hasher> hasher_;
};

class MediaLibrary {
 public:
  // Creates tmp/ and library/, opens the registry, reconciles. Throws
  // RegistryError or std::runtime_error naming the path.
  explicit MediaLibrary(MediaLibraryOptions options);
  ~MediaLibrary();

  const MediaLibraryOptions& options() const noexcept { return options_; }
  const ReconcileReport& last_reconcile() const noexcept { return reconcile_; }

  // Starts receiving a file (creates its temporary). Throws ApiError.
  std::unique_ptr<PendingUpload> begin(std::string display_name);
  // Hashes are final: dedup, probe, convert, move into library/, register.
  // Blocks (fsync, ffmpeg): call from a worker thread. Throws ApiError;
  // nothing is registered and no temporary remains after a failure.
  IngestResult commit(PendingUpload& upload);
  // Imports a file already on disk (copied, never moved). `id` keeps a
  // legacy fileId; `extracted_audio` is a WAV already extracted from `path`
  // (fromVideo). Throws ApiError.
  IngestResult import_file(const std::filesystem::path& path, const std::string& display_name,
                           const std::optional<std::string>& id = std::nullopt,
                           const std::optional<std::filesystem::path>& extracted_audio = std::nullopt);

  // Visible entries, oldest first (a cached snapshot: no database access).
  std::vector<MediaRecord> list() const;
  std::optional<MediaRecord> find(const std::string& id) const;
  std::filesystem::path absolute(const std::string& relative_path) const { return options_.root / relative_path; }
  // Removes the row, then the files. False when the id is unknown.
  bool remove(const std::string& id);

  // Removes orphan temporaries; hides rows whose files vanished (and shows
  // them again when the files are back). Run at construction.
  ReconcileReport reconcile();

  // Kills running ffmpeg conversions (their uploads get 503) and refuses
  // new ones: called when the daemon stops, so shutdown never waits for a
  // long conversion. Any thread.
  void cancel_conversions() noexcept { stopping_.store(true); }

  std::filesystem::path temp_dir() const { return options_.root / "tmp"; }
  std::filesystem::path library_dir() const { return options_.root / "library"; }

 private:
  friend class PendingUpload;
  struct Prepared;
  IngestResult ingest(const std::filesystem::path& temp, std::uint64_t size, const std::string& sha256,
                      const std::string& name, const std::optional<std::string>& id,
                      const std::optional<std::filesystem::path>& extracted_audio);
  void refresh_snapshot();

  MediaLibraryOptions options_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<MediaRegistry> registry_;
  ReconcileReport reconcile_;
  std::mutex commit_mutex_;  // dedup check + rename + insert happen as one step
  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const std::vector<MediaRecord>> snapshot_;
};

}  // namespace lumina
