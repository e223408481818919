#pragma once
// Sends one datagram to a fixed list of Art-Net targets over a single
// non-blocking UDP socket. Names are resolved once, at construction, so the
// DMX tick never waits on DNS; a send that would block fails and is counted.
#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lumina/core/config.hpp"

namespace lumina {

// Outcome of one send_to_all: how many targets accepted the datagram.
struct UdpSendResult {
  std::uint32_t sent = 0;    // sendto calls that queued the whole datagram
  std::uint32_t failed = 0;  // sendto calls that failed (EAGAIN, unreachable, ...)
  int last_errno = 0;        // errno of the last failure, 0 when none failed
};

class UdpSender {
 public:
  // Not RT-safe: resolves every target with getaddrinfo (IPv4) and opens a
  // non-blocking, close-on-exec socket with SO_BROADCAST so a broadcast
  // target (e.g. 2.255.255.255) works. Throws std::runtime_error naming the
  // target ("cannot resolve Art-Net target 'host:port': ...") or the socket
  // call that failed. An empty target list is allowed: nothing is sent.
  explicit UdpSender(const std::vector<ArtNetTarget>& targets);
  ~UdpSender();
  UdpSender(const UdpSender&) = delete;
  UdpSender& operator=(const UdpSender&) = delete;

  // Sends `data[0..size)` to every target with MSG_DONTWAIT.
  // RT-safe for the DMX tick: one non-blocking sendto per target, no
  // allocation, no locks, never throws.
  UdpSendResult send_to_all(const std::uint8_t* data, std::size_t size) noexcept;

  [[nodiscard]] std::size_t target_count() const noexcept { return addresses_.size(); }
  // "a.b.c.d:port" of each resolved target, for logs. Not RT-safe: allocates.
  [[nodiscard]] std::vector<std::string> describe_targets() const;

 private:
  int fd_ = -1;
  std::vector<sockaddr_in> addresses_;
};

}  // namespace lumina
