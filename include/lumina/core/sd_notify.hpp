#pragma once
// systemd's notify protocol, written directly to $NOTIFY_SOCKET (an AF_UNIX
// datagram socket; a leading '@' means the abstract namespace), so luminad
// needs no libsystemd. Without NOTIFY_SOCKET every call is a no-op.
#include <chrono>
#include <optional>
#include <string>

namespace lumina {

class SystemdNotifier {
 public:
  // Reads NOTIFY_SOCKET and WATCHDOG_USEC (honouring WATCHDOG_PID) once.
  SystemdNotifier();

  bool enabled() const noexcept { return !socket_path_.empty(); }
  // Not RT-safe (syscall). Sends e.g. "READY=1\nSTATUS=running". False on error or when disabled.
  bool notify(const std::string& state) const;
  bool ready(const std::string& status) const { return notify("READY=1\nSTATUS=" + status); }
  bool stopping() const { return notify("STOPPING=1"); }
  // A ping only when systemd asked for one (WATCHDOG_USEC for this pid); false otherwise.
  bool watchdog() const { return watchdog_.has_value() && notify("WATCHDOG=1"); }
  // The interval systemd expects pings within, when the watchdog is enabled for us.
  std::optional<std::chrono::microseconds> watchdog_interval() const noexcept { return watchdog_; }

 private:
  std::string socket_path_;
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace lumina
