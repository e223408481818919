#pragma once
// The media registry: one SQLite database (<dataDir>/lumina.db) with a row per
// registered file. WAL journal, synchronous=FULL, foreign keys on, a busy
// timeout, and a schema versioned by PRAGMA user_version with ordered
// migrations. Paths are stored relative to the data dir. Thread-safe (one
// connection behind a mutex); never call it from a realtime thread.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;

namespace lumina {

class RegistryError : public std::runtime_error {
 public:
  enum class Kind {
    kOther,
    kDiskFull,  // the disk is full or failing: the client is told 507
    kBusy,      // another process holds the write lock past the busy timeout: retry later (503)
  };
  RegistryError(const std::string& message, Kind kind) : std::runtime_error(message), kind_(kind) {}
  bool disk_full() const noexcept { return kind_ == Kind::kDiskFull; }
  bool busy() const noexcept { return kind_ == Kind::kBusy; }

 private:
  Kind kind_ = Kind::kOther;
};

struct MediaRecord {
  std::string id;      // fileId: 24 lowercase hex digits (or a legacy id kept by import-legacy)
  std::string sha256;  // 64 lowercase hex digits of the original's bytes
  std::string name;    // display name (sanitised; never a path)
  std::string original_path;  // relative to the data dir
  std::string playable_path;  // relative to the data dir; may equal original_path
  std::uint32_t sample_rate = 0;  // of the playable file
  std::uint32_t channels = 0;     // of the playable file (1 or 2)
  std::uint64_t frames = 0;
  double duration = 0.0;  // seconds
  bool from_video = false;  // audio extracted by ffmpeg
  std::uint64_t size = 0;   // bytes of the original
  std::int64_t created = 0; // unix seconds
  bool missing = false;     // hidden: its files vanished (see MediaLibrary::reconcile)
};

class MediaRegistry {
 public:
  // The schema version this build writes.
  static constexpr int kSchemaVersion = 1;

  // Not RT-safe. Opens (creating) the database and migrates it to
  // kSchemaVersion. Throws RegistryError naming the file and SQLite's reason,
  // or when the database was written by a newer luminad.
  explicit MediaRegistry(const std::filesystem::path& db_path);
  ~MediaRegistry();
  MediaRegistry(const MediaRegistry&) = delete;
  MediaRegistry& operator=(const MediaRegistry&) = delete;

  int schema_version();
  // Inserts a row; false (nothing changed) when its id or sha256 exists already.
  bool insert(const MediaRecord& record);
  // Every row, oldest first; hidden (missing) rows only when asked.
  std::vector<MediaRecord> list(bool include_missing = false);
  std::optional<MediaRecord> find_by_id(const std::string& id);
  std::optional<MediaRecord> find_by_sha256(const std::string& sha256);
  // False when there is no such row.
  bool remove(const std::string& id);
  void set_missing(const std::string& id, bool missing);

 private:
  void exec(const char* sql);
  [[noreturn]] void fail(const std::string& what);
  std::vector<MediaRecord> query(const char* sql, const std::string& arg);

  std::filesystem::path path_;
  std::mutex mutex_;
  sqlite3* db_ = nullptr;
};

}  // namespace lumina
