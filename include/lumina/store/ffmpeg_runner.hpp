#pragma once
// Runs ffmpeg as a child process the safe way: an argument vector (never a
// shell), stdin from /dev/null, stdout discarded, stderr kept (the last
// bytes) for the error message, a wall-clock timeout after which the child
// is killed, and CPU / address-space / file-size limits set in the child.
// Not RT-safe: blocks until the child ends. Call from a worker thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lumina {

struct FfmpegLimits {
  std::string program = "ffmpeg";  // a path, or a name looked up in PATH
  std::chrono::seconds timeout{600};
  std::uint64_t max_memory_bytes = 4ULL << 30;  // RLIMIT_AS
  std::uint64_t max_output_bytes = 8ULL << 30;  // RLIMIT_FSIZE
  // When set and it becomes true (daemon stopping), the child is killed
  // within a second and the result says `cancelled`.
  const std::atomic<bool>* cancel = nullptr;
};

struct FfmpegResult {
  bool not_found = false;  // the program does not exist or cannot be executed
  bool timed_out = false;  // killed after FfmpegLimits::timeout
  bool cancelled = false;  // killed because FfmpegLimits::cancel became true
  int exit_code = -1;      // -1 when killed by a signal
  int signal = 0;          // the signal that ended it, 0 when it exited
  std::string stderr_text; // the last 16 KiB of stderr
  bool ok() const { return !not_found && !timed_out && !cancelled && exit_code == 0; }
};

// The absolute path of `program` (PATH lookup for bare names), empty when
// there is no executable file of that name.
std::filesystem::path find_executable(const std::string& program);

// Not RT-safe. Runs `program args...` under `limits` and waits for it.
FfmpegResult run_ffmpeg(const FfmpegLimits& limits, const std::vector<std::string>& args);

}  // namespace lumina
