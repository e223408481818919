#include "lumina/core/sd_notify.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace lumina {
namespace {

// A fake systemd: a datagram socket the notifier writes to.
class FakeNotifySocket {
 public:
  FakeNotifySocket() {
    path_ = (std::filesystem::temp_directory_path() / ("lumina-notify-" + std::to_string(getpid()))).string();
    ::unlink(path_.c_str());
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path_.c_str());
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  }
  ~FakeNotifySocket() {
    close(fd_);
    ::unlink(path_.c_str());
  }
  std::string receive() {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 2000) != 1) return "(timeout)";
    char buf[512];
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "(error)";
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) { setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

TEST(SystemdNotifier, DisabledWithoutNotifySocket) {
  unsetenv("NOTIFY_SOCKET");
  SystemdNotifier notifier;
  EXPECT_FALSE(notifier.enabled());
  EXPECT_FALSE(notifier.ready("x"));
}

TEST(SystemdNotifier, SendsReadyWatchdogAndStopping) {
  FakeNotifySocket fake;
  ScopedEnv env("NOTIFY_SOCKET", fake.path());
  ScopedEnv usec("WATCHDOG_USEC", "4000000");
  SystemdNotifier notifier;
  ASSERT_TRUE(notifier.enabled());
  ASSERT_TRUE(notifier.watchdog_interval().has_value());
  EXPECT_EQ(notifier.watchdog_interval()->count(), 4'000'000);

  EXPECT_TRUE(notifier.ready("running"));
  EXPECT_EQ(fake.receive(), "READY=1\nSTATUS=running");
  EXPECT_TRUE(notifier.watchdog());
  EXPECT_EQ(fake.receive(), "WATCHDOG=1");
  EXPECT_TRUE(notifier.stopping());
  EXPECT_EQ(fake.receive(), "STOPPING=1");
}

TEST(SystemdNotifier, NoWatchdogPingUnlessSystemdAskedForOne) {
  FakeNotifySocket fake;
  ScopedEnv env("NOTIFY_SOCKET", fake.path());
  unsetenv("WATCHDOG_USEC");
  SystemdNotifier notifier;
  ASSERT_TRUE(notifier.enabled());
  EXPECT_FALSE(notifier.watchdog()) << "no WATCHDOG_USEC: nothing is sent";
  EXPECT_TRUE(notifier.stopping());
  EXPECT_EQ(fake.receive(), "STOPPING=1") << "the first datagram is the next message, not a ping";
}

TEST(SystemdNotifier, WatchdogForAnotherPidIsIgnored) {
  ScopedEnv usec("WATCHDOG_USEC", "4000000");
  ScopedEnv pid("WATCHDOG_PID", std::to_string(getpid() + 1));
  SystemdNotifier notifier;
  EXPECT_FALSE(notifier.watchdog_interval().has_value());
}

}  // namespace
}  // namespace lumina
