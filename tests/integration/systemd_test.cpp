// systemd integration: the unit file passes `systemd-analyze verify`, and the
// real luminad speaks the notify protocol to a test-owned NOTIFY_SOCKET —
// READY=1 once it serves, WATCHDOG=1 pings when WATCHDOG_USEC asks for them,
// STOPPING=1 on SIGTERM.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon_process.hpp"
#include "loopback.hpp"

namespace lumina::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// The listening end of $NOTIFY_SOCKET, as systemd holds it.
class NotifySocket {
 public:
  explicit NotifySocket(const fs::path& dir) : path_((dir / "notify").string()) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path_.c_str());
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~NotifySocket() { ::close(fd_); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  bool bound() const { return bound_; }
  const std::string& path() const { return path_; }

  // Datagrams until one contains `line` as a whole line, or the deadline.
  // Everything received is kept in received().
  bool wait_for(const std::string& line, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) != 1) continue;
      std::array<char, 4096> buf{};
      const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
      if (n <= 0) continue;
      received_.emplace_back(buf.data(), static_cast<std::size_t>(n));
      if (has_line(received_.back(), line)) return true;
    }
    return false;
  }
  int count(const std::string& line) const {
    int n = 0;
    for (const auto& m : received_) n += has_line(m, line) ? 1 : 0;
    return n;
  }
  std::string all() const {
    std::string s;
    for (const auto& m : received_) s += "[" + m + "] ";
    return s;
  }

 private:
  static bool has_line(const std::string& message, const std::string& line) {
    std::istringstream in(message);
    for (std::string l; std::getline(in, l);) {
      if (l == line) return true;
    }
    return false;
  }

  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
  std::vector<std::string> received_;
};

Env demo_env(const NotifySocket& notify) {
  return {{"LUMINA_AUDIO_BACKEND", "null"}, {"LUMINA_AUDIO_SOURCE", "synth:demo"}, {"NOTIFY_SOCKET", notify.path()}};
}

TEST(SystemdNotifyIntegration, ReadyAfterServingWatchdogPingsAndStoppingOnSigterm) {
  TempDir dir;
  NotifySocket notify(dir.path());
  ASSERT_TRUE(notify.bound()) << notify.path();
  Env env = demo_env(notify);
  env["WATCHDOG_USEC"] = "1000000";  // pings every 0.5 s while audio and DMX progress
  DaemonProcess daemon(env);

  ASSERT_TRUE(notify.wait_for("READY=1", 30s)) << notify.all() << "\n" << daemon.log();
  // READY=1 promises a serving daemon: /health answers at once.
  EXPECT_EQ(http_request(daemon.port(), "GET", "/health").status, 200) << daemon.log();
  EXPECT_EQ(notify.count("WATCHDOG=1"), 0) << "no ping before READY=1: " << notify.all();

  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(notify.wait_for("WATCHDOG=1", 20s)) << "ping " << i << ": " << notify.all() << "\n" << daemon.log();
  }
  EXPECT_EQ(daemon.stop(SIGTERM, 20s), 0) << daemon.log();
  EXPECT_TRUE(notify.wait_for("STOPPING=1", 5s)) << notify.all();
  EXPECT_EQ(notify.count("READY=1"), 1) << notify.all();
}

TEST(SystemdNotifyIntegration, ReadyAndStoppingWithoutAWatchdog) {
  // Without WATCHDOG_USEC luminad does not ping; readiness and stopping are unchanged.
  TempDir dir;
  NotifySocket notify(dir.path());
  ASSERT_TRUE(notify.bound()) << notify.path();
  DaemonProcess daemon(demo_env(notify));
  ASSERT_TRUE(notify.wait_for("READY=1", 30s)) << notify.all() << "\n" << daemon.log();
  EXPECT_EQ(http_request(daemon.port(), "GET", "/health").status, 200) << daemon.log();
  std::this_thread::sleep_for(2500ms);  // more than two report intervals
  EXPECT_EQ(daemon.stop(SIGTERM, 20s), 0) << daemon.log();
  EXPECT_TRUE(notify.wait_for("STOPPING=1", 5s)) << notify.all();
  EXPECT_EQ(notify.count("READY=1"), 1) << notify.all();
  EXPECT_EQ(notify.count("WATCHDOG=1"), 0) << notify.all();
}

// Runs a command, returning its exit status and combined output.
std::pair<int, std::string> run_command(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::array<char, 512> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe)) output += buf.data();
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(SystemdUnit, VerifyPassesWithoutWarnings) {
  if (run_command("command -v systemd-analyze").first != 0) GTEST_SKIP() << "systemd-analyze not installed";
  // verify checks that ExecStart exists, so check a copy that runs the built binary.
  std::ifstream in(std::string(LUMINA_SOURCE_DIR) + "/scripts/luminad.service");
  ASSERT_TRUE(in) << "scripts/luminad.service missing";
  std::stringstream unit;
  for (std::string line; std::getline(in, line);) {
    const std::string key = "ExecStart=/usr/local/bin/luminad";
    if (line.rfind(key, 0) == 0) line = "ExecStart=" + std::string(LUMINAD_PATH) + line.substr(key.size());
    unit << line << "\n";
  }
  TempDir dir;
  const fs::path copy = dir.path() / "luminad.service";
  std::ofstream(copy) << unit.str();
  const auto [status, output] = run_command("systemd-analyze verify '" + copy.string() + "'");
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "") << "systemd-analyze verify warned";
  EXPECT_NE(unit.str().find(LUMINAD_PATH), std::string::npos) << "ExecStart was not rewritten";
}

}  // namespace
}  // namespace lumina::testing
