#pragma once
// The data directory: created on first start, checked writable, and locked
// (flock on luminad.lock) so two daemons never share one media store.
#include <filesystem>
#include <stdexcept>
#include <string>

namespace lumina {

class DataDirError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class DataDir {
 public:
  // Not RT-safe. Creates `root` and `root/media` if needed, checks that files can
  // be created there, and takes an exclusive lock. Throws DataDirError naming
  // the path and the reason (permission, read-only, in use by pid N).
  explicit DataDir(const std::filesystem::path& root);
  ~DataDir();
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

  const std::filesystem::path& root() const noexcept { return root_; }
  std::filesystem::path media_dir() const { return root_ / "media"; }

 private:
  std::filesystem::path root_;
  int lock_fd_ = -1;
};

// Not RT-safe. Writes `content` to `target` atomically: a temporary file in
// the same directory, fsync, rename over the target, fsync the directory.
// A crash leaves either the old or the new file, never a mix.
void write_file_atomically(const std::filesystem::path& target, const std::string& content);

}  // namespace lumina
