#pragma once
// A UDP socket on 127.0.0.1 with an ephemeral port for the output-stage
// tests: raw datagrams in and out, every receive bounded by a timeout.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

namespace lumina::testing {

struct Datagram {
  std::vector<std::uint8_t> bytes;
  sockaddr_in from{};
  [[nodiscard]] std::uint16_t from_port() const { return ntohs(from.sin_port); }
};

class UdpTestSocket {
 public:
  UdpTestSocket() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    // Room for a burst of hundreds of universes; SO_RCVBUFFORCE works as root.
    const int bytes = 8 << 20;
    if (::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0) {
      (void)::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
    }
    sockaddr_in address = loopback(0);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
      throw std::runtime_error("bind failed");
    }
    socklen_t length = sizeof(address);
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("getsockname failed");
    }
    port_ = ntohs(address.sin_port);
  }
  ~UdpTestSocket() { ::close(fd_); }
  UdpTestSocket(const UdpTestSocket&) = delete;
  UdpTestSocket& operator=(const UdpTestSocket&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }

  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    return address;
  }

  void send_to(const sockaddr_in& to, const std::vector<std::uint8_t>& bytes) const {
    if (::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) !=
        static_cast<ssize_t>(bytes.size())) {
      throw std::runtime_error("sendto failed");
    }
  }

  // The next datagram, or nullopt after `timeout`.
  std::optional<Datagram> receive(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() < 0) return std::nullopt;
      pollfd pfd{fd_, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return std::nullopt;
      Datagram datagram;
      datagram.bytes.resize(2048);
      socklen_t length = sizeof(datagram.from);
      const ssize_t size = ::recvfrom(fd_, datagram.bytes.data(), datagram.bytes.size(), MSG_DONTWAIT,
                                      reinterpret_cast<sockaddr*>(&datagram.from), &length);
      if (size < 0) continue;
      datagram.bytes.resize(static_cast<std::size_t>(size));
      return datagram;
    }
  }

  // Everything that arrives until the socket stays quiet for `quiet`.
  std::vector<Datagram> drain(std::chrono::milliseconds quiet) const {
    std::vector<Datagram> all;
    while (auto datagram = receive(quiet)) all.push_back(std::move(*datagram));
    return all;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// A port that was free a moment ago on 127.0.0.1 (for the daemon side to bind).
inline std::uint16_t free_udp_port() {
  UdpTestSocket probe;
  return probe.port();
}

}  // namespace lumina::testing
