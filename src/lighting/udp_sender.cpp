#include "lumina/lighting/udp_sender.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace lumina {
namespace {

std::string target_name(const ArtNetTarget& target) { return target.host + ":" + std::to_string(target.port); }

// Not RT-safe: getaddrinfo may query DNS.
sockaddr_in resolve_ipv4(const ArtNetTarget& target) {
  const auto fail = [&](const std::string& why) {
    return std::runtime_error("cannot resolve Art-Net target '" + target_name(target) + "': " + why);
  };
  if (target.host.empty()) throw fail("empty host");
  if (target.port == 0) throw fail("port 0 is not a valid destination");

  addrinfo hints{};
  hints.ai_family = AF_INET;  // Art-Net is IPv4-only
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_protocol = IPPROTO_UDP;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* result = nullptr;
  const std::string service = std::to_string(target.port);
  const int rc = getaddrinfo(target.host.c_str(), service.c_str(), &hints, &result);
  if (rc != 0) {
    const int saved_errno = errno;
    throw fail(rc == EAI_SYSTEM ? std::strerror(saved_errno) : gai_strerror(rc));
  }
  sockaddr_in address{};
  bool found = false;
  for (const addrinfo* it = result; it != nullptr; it = it->ai_next) {
    if (it->ai_family == AF_INET && it->ai_addrlen >= sizeof(sockaddr_in)) {
      std::memcpy(&address, it->ai_addr, sizeof(sockaddr_in));
      found = true;
      break;
    }
  }
  freeaddrinfo(result);
  if (!found) throw fail("no IPv4 address");
  return address;
}

}  // namespace

UdpSender::UdpSender(const std::vector<ArtNetTarget>& targets) {
  addresses_.reserve(targets.size());
  for (const ArtNetTarget& target : targets) addresses_.push_back(resolve_ipv4(target));

  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd_ < 0) throw std::runtime_error(std::string("cannot open Art-Net UDP socket: ") + std::strerror(errno));
  // Without SO_BROADCAST the kernel refuses (EACCES) a datagram to a broadcast address.
  const int enable = 1;
  if (::setsockopt(fd_, SOL_SOCKET, SO_BROADCAST, &enable, sizeof(enable)) != 0) {
    const int saved_errno = errno;
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(std::string("cannot enable SO_BROADCAST on Art-Net socket: ") +
                             std::strerror(saved_errno));
  }
}

UdpSender::~UdpSender() {
  if (fd_ >= 0) ::close(fd_);
}

// RT-safe: non-blocking sendto per target, no allocation, no locks.
UdpSendResult UdpSender::send_to_all(const std::uint8_t* data, std::size_t size) noexcept {
  UdpSendResult result;
  for (const sockaddr_in& address : addresses_) {
    ssize_t rc = -1;
    // A signal can interrupt even a non-blocking call; retry once, never loop.
    for (int attempt = 0; attempt < 2; ++attempt) {
      rc = ::sendto(fd_, data, size, MSG_DONTWAIT | MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address),
                    sizeof(address));
      if (rc >= 0 || errno != EINTR) break;
    }
    if (rc == static_cast<ssize_t>(size)) {
      ++result.sent;
    } else {
      ++result.failed;
      result.last_errno = rc < 0 ? errno : EMSGSIZE;
    }
  }
  return result;
}

std::vector<std::string> UdpSender::describe_targets() const {
  std::vector<std::string> names;
  names.reserve(addresses_.size());
  for (const sockaddr_in& address : addresses_) {
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &address.sin_addr, text, sizeof(text));
    names.push_back(std::string(text) + ":" + std::to_string(ntohs(address.sin_port)));
  }
  return names;
}

}  // namespace lumina
