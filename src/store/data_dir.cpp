#include "lumina/store/data_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace lumina {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

void write_all(int fd, const char* data, std::size_t size, const std::filesystem::path& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw DataDirError("cannot write " + path.string() + ": " + errno_text(errno));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void fsync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

DataDir::DataDir(const std::filesystem::path& root) : root_(std::filesystem::absolute(root)) {
  std::error_code ec;
  std::filesystem::create_directories(root_ / "media", ec);
  if (ec) throw DataDirError("cannot create data dir " + (root_ / "media").string() + ": " + ec.message());

  const auto lock_path = root_ / "luminad.lock";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throw DataDirError("data dir " + root_.string() + " is not writable: " + errno_text(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    const ssize_t n = ::pread(lock_fd_, buf, sizeof(buf) - 1, 0);
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (err == EWOULDBLOCK) {
      throw DataDirError("data dir " + root_.string() + " is in use by another luminad" +
                         (n > 0 ? " (pid " + std::string(buf, static_cast<std::size_t>(n)) + ")" : std::string{}));
    }
    throw DataDirError("cannot lock " + lock_path.string() + ": " + errno_text(err));
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(lock_fd_, 0) != 0 || ::pwrite(lock_fd_, pid.data(), pid.size(), 0) < 0) {
    const int err = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw DataDirError("data dir " + root_.string() + " is not writable: " + errno_text(err));
  }
}

DataDir::~DataDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

void write_file_atomically(const std::filesystem::path& target, const std::string& content) {
  const auto dir = target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path();
  std::string temp = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) throw DataDirError("cannot create a temporary file in " + dir.string() + ": " + errno_text(errno));
  try {
    write_all(fd, content.data(), content.size(), temp);
    if (::fsync(fd) != 0) throw DataDirError("cannot fsync " + temp + ": " + errno_text(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw DataDirError("cannot replace " + target.string() + ": " + errno_text(err));
  }
  fsync_dir(dir);
}

}  // namespace lumina
