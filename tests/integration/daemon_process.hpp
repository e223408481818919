#pragma once
// Runs the real luminad binary as a child process for integration tests:
// temporary data dir, free loopback port, environment overrides, captured log.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lumina::testing {

// A temporary directory removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_tcp_port();

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  std::string output;  // stdout + stderr
};

// Runs luminad with args/env to completion (killed after `timeout`).
RunResult run_luminad(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(20));

using Env = std::map<std::string, std::string>;

class DaemonProcess {
 public:
  // Starts luminad with LUMINA_PORT, LUMINA_DATA_DIR set (plus `env`); does not wait.
  DaemonProcess(std::map<std::string, std::string> env, std::vector<std::string> args = {});
  ~DaemonProcess();  // SIGKILLs the child if still running
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // Polls GET /health until 200 or timeout. False (and the log is available) otherwise.
  bool wait_healthy(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Sends `sig` and waits up to `timeout` for exit; returns the exit code, or
  // nullopt when still running (then the caller may kill) or killed by a signal.
  std::optional<int> stop(int sig, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool running();

  std::uint16_t port() const { return port_; }
  const std::filesystem::path& data_dir() const { return data_dir_.path(); }
  std::string log() const;  // everything the daemon printed so far
  pid_t pid() const { return pid_; }

 private:
  TempDir data_dir_;
  TempDir log_dir_;
  std::uint16_t port_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

}  // namespace lumina::testing
