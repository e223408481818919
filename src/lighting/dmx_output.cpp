#include "lumina/lighting/dmx_output.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "lumina/lighting/artdmx.hpp"

namespace lumina {
namespace {

constexpr std::size_t kArtNetUniverses = std::size_t{kArtNetMaxPortAddress} + 1;  // 32768
constexpr std::size_t kSacnUniverseSlots = std::size_t{kSacnMaxUniverse} + 1;     // index = universe
// ESTA manufacturer code for prototypes and in-house products (0x7FF0..0x7FFF
// are reserved by ESTA for that use); luminad has no assigned code.
constexpr std::uint16_t kEstaPrototype = 0x7FF0;
// Art-Net OEM code "OemUnknown": a product without an assigned OEM code.
constexpr std::uint16_t kOemUnknown = 0x00FF;
// Status1: indicators normal (bits 7-6 = 11), port-addresses set locally by
// configuration (bits 5-4 = 01: "front panel").
constexpr std::uint8_t kStatus1 = 0xD0;

std::string describe_address(const sockaddr_in& address) {
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &address.sin_addr, text, sizeof(text));
  return std::string(text) + ":" + std::to_string(ntohs(address.sin_port));
}

// Not RT-safe: getaddrinfo may query DNS. `key` names the config key in errors.
sockaddr_in resolve(const ArtNetTarget& target, const std::string& key) {
  const std::string name = target.host + ":" + std::to_string(target.port);
  const auto fail = [&](const std::string& why) {
    return std::runtime_error("cannot resolve " + key + " '" + name + "': " + why);
  };
  if (target.host.empty()) throw fail("empty host");
  if (target.port == 0) throw fail("port 0 is not a valid destination");
  addrinfo hints{};
  hints.ai_family = AF_INET;  // Art-Net and sACN (as sent here) are IPv4
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_protocol = IPPROTO_UDP;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* result = nullptr;
  const std::string service = std::to_string(target.port);
  const int rc = ::getaddrinfo(target.host.c_str(), service.c_str(), &hints, &result);
  if (rc != 0) {
    const int saved_errno = errno;
    throw fail(rc == EAI_SYSTEM ? std::strerror(saved_errno) : gai_strerror(rc));
  }
  sockaddr_in address{};
  bool found = false;
  for (const addrinfo* it = result; it != nullptr && !found; it = it->ai_next) {
    if (it->ai_family == AF_INET && it->ai_addrlen >= sizeof(sockaddr_in)) {
      std::memcpy(&address, it->ai_addr, sizeof(sockaddr_in));
      found = true;
    }
  }
  ::freeaddrinfo(result);
  if (!found) throw fail("no IPv4 address");
  return address;
}

ArtNetTarget parse_target(const std::string& text, std::uint16_t default_port, const std::string& key) {
  ArtNetTarget target = parse_artnet_target(text, key);
  if (text.rfind(':') == std::string::npos) target.port = default_port;
  return target;
}

std::uint32_t parse_ipv4(const std::string& text, const std::string& key) {
  in_addr address{};
  if (::inet_pton(AF_INET, text.c_str(), &address) != 1) {
    throw std::runtime_error(key + " must be a dotted IPv4 address, got '" + text + "'");
  }
  return ntohl(address.s_addr);
}

int open_udp_socket(const char* what) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) throw std::runtime_error(std::string("cannot open ") + what + " UDP socket: " + std::strerror(errno));
  return fd;
}

// Throws on failure; the constructor's handler closes the socket.
void set_option(int fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof(value)) != 0) {
    throw std::runtime_error(std::string("cannot set ") + what + ": " + std::strerror(errno));
  }
}

// A large send buffer absorbs a 512-universe burst (~270 KB) instead of
// failing with EAGAIN. Best effort: the kernel caps it at wmem_max.
void enlarge_send_buffer(int fd) noexcept {
  const int bytes = 1 << 20;
  (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
}

bool same_destination(const sockaddr_in& a, const sockaddr_in& b) noexcept {
  return a.sin_addr.s_addr == b.sin_addr.s_addr && a.sin_port == b.sin_port;
}

sockaddr_in make_address(std::uint32_t ip_host_order, std::uint16_t port) noexcept {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(ip_host_order);
  address.sin_port = htons(port);
  return address;
}

}  // namespace

DmxOutput::DmxOutput(const Config::Dmx& config, const SacnCid& sacn_cid)
    : artnet_config_(config.artnet), sacn_config_(config.sacn) {
  try {
    if (artnet_config_.enabled) {
      // Unicast: the legacy list (every universe) then the per-universe list.
      for (std::size_t i = 0; i < config.targets.size(); ++i) {
        artnet_unicast_.push_back({resolve(config.targets[i], "dmx.targets[" + std::to_string(i) + "]"), {}});
      }
      for (std::size_t i = 0; i < artnet_config_.unicast.size(); ++i) {
        const ArtNetUnicast& entry = artnet_config_.unicast[i];
        UnicastTarget target{resolve(entry.target, "dmx.artnet.unicast[" + std::to_string(i) + "].target"),
                             entry.universes};
        std::sort(target.universes.begin(), target.universes.end());
        artnet_unicast_.push_back(std::move(target));
      }
      if (!artnet_config_.broadcast.empty()) {
        broadcast_ = resolve(parse_target(artnet_config_.broadcast, kArtNetDefaultPort, "dmx.artnet.broadcast"),
                             "dmx.artnet.broadcast");
        has_broadcast_ = true;
      }
      if (!artnet_config_.poll_address.empty()) {
        poll_address_ = resolve(parse_target(artnet_config_.poll_address, kArtNetDefaultPort, "dmx.artnet.pollAddress"),
                                "dmx.artnet.pollAddress");
      } else if (has_broadcast_) {
        poll_address_ = broadcast_;
      } else {
        poll_address_ = make_address(INADDR_BROADCAST, kArtNetDefaultPort);
      }
      bind_ip_ = parse_ipv4(artnet_config_.bind, "dmx.artnet.bind");

      artnet_fd_ = open_udp_socket("Art-Net");
      // Without SO_BROADCAST the kernel refuses (EACCES) datagrams to a broadcast address.
      set_option(artnet_fd_, SOL_SOCKET, SO_BROADCAST, 1, "SO_BROADCAST on the Art-Net socket");
      enlarge_send_buffer(artnet_fd_);
      if (artnet_config_.port != 0) {
        // Several controllers (or a test beside the daemon) may share the port.
        set_option(artnet_fd_, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR on the Art-Net socket");
        set_option(artnet_fd_, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT on the Art-Net socket");
        // IP_PKTINFO tells which local address a poll arrived on: the IP our ArtPollReply reports.
        set_option(artnet_fd_, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO on the Art-Net socket");
        const sockaddr_in local = make_address(bind_ip_, artnet_config_.port);
        if (::bind(artnet_fd_, reinterpret_cast<const sockaddr*>(&local), sizeof(local)) == 0) {
          listen_port_ = artnet_config_.port;
        } else {
          spdlog::warn("Art-Net: cannot listen on {}:{} ({}); sending only, no discovery or ArtPollReply",
                       artnet_config_.bind, artnet_config_.port, std::strerror(errno));
        }
      }
    }

    if (sacn_config_.enabled) {
      for (std::size_t i = 0; i < sacn_config_.unicast.size(); ++i) {
        sacn_unicast_.push_back(resolve(sacn_config_.unicast[i], "dmx.sacn.unicast[" + std::to_string(i) + "]"));
      }
      sacn_fd_ = open_udp_socket("sACN");
      enlarge_send_buffer(sacn_fd_);
      set_option(sacn_fd_, IPPROTO_IP, IP_MULTICAST_TTL, sacn_config_.multicast_ttl, "IP_MULTICAST_TTL on the sACN socket");
      // Loopback lets a visualiser on this machine receive the multicast streams.
      set_option(sacn_fd_, IPPROTO_IP, IP_MULTICAST_LOOP, 1, "IP_MULTICAST_LOOP on the sACN socket");
      if (!sacn_config_.interface_address.empty()) {
        in_addr interface{};
        interface.s_addr = htonl(parse_ipv4(sacn_config_.interface_address, "dmx.sacn.interface"));
        if (::setsockopt(sacn_fd_, IPPROTO_IP, IP_MULTICAST_IF, &interface, sizeof(interface)) != 0) {
          throw std::runtime_error("cannot use dmx.sacn.interface '" + sacn_config_.interface_address +
                                   "' for multicast: " + std::strerror(errno));
        }
      }
    }
  } catch (...) {
    if (artnet_fd_ >= 0) ::close(artnet_fd_);
    if (sacn_fd_ >= 0) ::close(sacn_fd_);
    throw;
  }

  sacn_header_.cid = sacn_cid;
  if (!sacn_config_.cid.empty()) {
    const auto parsed = parse_sacn_cid(sacn_config_.cid);
    if (!parsed) {
      if (artnet_fd_ >= 0) ::close(artnet_fd_);
      if (sacn_fd_ >= 0) ::close(sacn_fd_);
      throw std::runtime_error("dmx.sacn.cid is not a UUID: '" + sacn_config_.cid + "'");
    }
    sacn_header_.cid = *parsed;
  }
  set_sacn_source_name(sacn_header_.source_name, sacn_config_.source_name);
  sacn_header_.priority = std::min(sacn_config_.priority, kSacnMaxPriority);
  sacn_header_.sync_address = sacn_config_.sync_universe;

  artnet_sequence_.assign(kArtNetUniverses, 0);
  sacn_sequence_.assign(kSacnUniverseSlots, 0);
  universes_in_use_.assign(kArtNetUniverses / 64, 0);
  publish_nodes();
}

DmxOutput::~DmxOutput() {
  if (artnet_fd_ >= 0) ::close(artnet_fd_);
  if (sacn_fd_ >= 0) ::close(sacn_fd_);
}

// RT-safe: one non-blocking sendto (retried once after EINTR).
void DmxOutput::send_one(int fd, const sockaddr_in& to, const std::uint8_t* data, std::size_t size,
                         SendTally& tally) noexcept {
  ssize_t rc = -1;
  for (int attempt = 0; attempt < 2; ++attempt) {
    rc = ::sendto(fd, data, size, MSG_DONTWAIT | MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
    if (rc >= 0 || errno != EINTR) break;
  }
  if (rc == static_cast<ssize_t>(size)) {
    ++tally.packets;
    tally.bytes += size;
  } else {
    ++tally.errors;
    tally.last_errno = rc < 0 ? errno : EMSGSIZE;
  }
}

// RT-safe: relaxed atomics.
void DmxOutput::commit_errors(const SendTally& tally) noexcept {
  if (tally.errors == 0) return;
  send_errors_.fetch_add(tally.errors, std::memory_order_relaxed);
  last_send_errno_.store(tally.last_errno, std::memory_order_relaxed);
}

// RT-safe: bounded linear search in a fixed array.
void DmxOutput::remember_destination(const sockaddr_in& to) noexcept {
  for (std::size_t i = 0; i < batch_destination_count_; ++i) {
    if (same_destination(batch_destinations_[i], to)) return;
  }
  if (batch_destination_count_ < kMaxSyncDestinations) batch_destinations_[batch_destination_count_++] = to;
}

// RT-safe: encodes into the member buffer, non-blocking sends, no allocation.
void DmxOutput::send_artnet(std::span<const UniverseFrame> frames) noexcept {
  if (artnet_fd_ < 0) return;
  const bool sync = artnet_config_.sync;
  batch_destination_count_ = 0;
  std::fill(universes_in_use_.begin(), universes_in_use_.end(), std::uint64_t{0});
  SendTally tally;
  std::uint64_t skipped = 0;

  for (const UniverseFrame& frame : frames) {
    if (frame.data == nullptr || frame.universe > kArtNetMaxPortAddress) {
      ++skipped;
      continue;
    }
    const std::uint16_t universe = frame.universe;
    std::uint8_t& sequence = artnet_sequence_[universe];
    const std::uint8_t next = next_artdmx_sequence(sequence);
    const std::size_t size =
        encode_artdmx(universe, next, frame.data->data(), frame.data->size(), packet_.data(), packet_.size());
    if (size == 0) {
      ++skipped;
      continue;
    }
    sequence = next;
    universes_in_use_[universe / 64] |= std::uint64_t{1} << (universe % 64);

    for (const UnicastTarget& target : artnet_unicast_) {
      if (!target.universes.empty() &&
          !std::binary_search(target.universes.begin(), target.universes.end(), universe)) {
        continue;
      }
      send_one(artnet_fd_, target.address, packet_.data(), size, tally);
      if (sync) remember_destination(target.address);
    }
    node_table_.for_each_subscriber(universe, [&](const ArtNetNodeInfo& node) noexcept {
      const sockaddr_in to = make_address(node.ip, node.data_port);
      // A node that is also a configured target for this universe already has it.
      for (const UnicastTarget& target : artnet_unicast_) {
        if (same_destination(target.address, to) &&
            (target.universes.empty() ||
             std::binary_search(target.universes.begin(), target.universes.end(), universe))) {
          return;
        }
      }
      send_one(artnet_fd_, to, packet_.data(), size, tally);
      if (sync) remember_destination(to);
    });
    if (has_broadcast_) send_one(artnet_fd_, broadcast_, packet_.data(), size, tally);
  }

  if (sync && (has_broadcast_ || batch_destination_count_ > 0)) {
    std::array<std::uint8_t, kArtSyncSize> sync_packet{};
    const std::size_t size = encode_artsync(sync_packet.data(), sync_packet.size());
    SendTally sync_tally;
    if (has_broadcast_) {
      send_one(artnet_fd_, broadcast_, sync_packet.data(), size, sync_tally);
    } else {
      for (std::size_t i = 0; i < batch_destination_count_; ++i) {
        send_one(artnet_fd_, batch_destinations_[i], sync_packet.data(), size, sync_tally);
      }
    }
    artnet_syncs_.fetch_add(sync_tally.packets, std::memory_order_relaxed);
    commit_errors(sync_tally);
  }

  artnet_packets_.fetch_add(tally.packets, std::memory_order_relaxed);
  artnet_bytes_.fetch_add(tally.bytes, std::memory_order_relaxed);
  if (skipped != 0) frames_skipped_.fetch_add(skipped, std::memory_order_relaxed);
  commit_errors(tally);
}

// RT-safe: encodes into the member buffer, non-blocking sends, no allocation.
void DmxOutput::send_sacn(std::span<const UniverseFrame> frames) noexcept {
  if (sacn_fd_ < 0) return;
  SendTally tally;
  std::uint64_t skipped = 0;
  for (const UniverseFrame& frame : frames) {
    const std::uint32_t universe = std::uint32_t{frame.universe} + sacn_config_.universe_offset;
    if (frame.data == nullptr || universe < kSacnMinUniverse || universe > kSacnMaxUniverse) {
      ++skipped;
      continue;
    }
    sacn_header_.universe = static_cast<std::uint16_t>(universe);
    sacn_header_.sequence = sacn_sequence_[universe];
    sacn_header_.options = 0;
    const std::size_t size =
        encode_sacn_data(sacn_header_, frame.data->data(), frame.data->size(), packet_.data(), packet_.size());
    if (size == 0) {
      ++skipped;
      continue;
    }
    // E1.31 sequences run 0..255 and wrap; receivers compare them modulo 256.
    ++sacn_sequence_[universe];
    if (sacn_config_.multicast) {
      send_one(sacn_fd_, make_address(sacn_multicast_group(sacn_header_.universe), kSacnPort), packet_.data(), size,
               tally);
    }
    for (const sockaddr_in& to : sacn_unicast_) send_one(sacn_fd_, to, packet_.data(), size, tally);
  }

  if (sacn_config_.sync_universe != 0 && tally.packets != 0) {
    std::array<std::uint8_t, kSacnSyncPacketSize> sync_packet{};
    const SacnSyncPacket sync{sacn_header_.cid, sacn_sync_sequence_++, sacn_config_.sync_universe};
    const std::size_t size = encode_sacn_sync(sync, sync_packet.data(), sync_packet.size());
    SendTally sync_tally;
    if (sacn_config_.multicast) {
      send_one(sacn_fd_, make_address(sacn_multicast_group(sacn_config_.sync_universe), kSacnPort), sync_packet.data(),
               size, sync_tally);
    }
    for (const sockaddr_in& to : sacn_unicast_) send_one(sacn_fd_, to, sync_packet.data(), size, sync_tally);
    sacn_syncs_.fetch_add(sync_tally.packets, std::memory_order_relaxed);
    commit_errors(sync_tally);
  }

  sacn_packets_.fetch_add(tally.packets, std::memory_order_relaxed);
  sacn_bytes_.fetch_add(tally.bytes, std::memory_order_relaxed);
  if (skipped != 0) frames_skipped_.fetch_add(skipped, std::memory_order_relaxed);
  commit_errors(tally);
}

// RT-safe: as send_sacn, three times per frame.
void DmxOutput::terminate_sacn(std::span<const UniverseFrame> frames) noexcept {
  if (sacn_fd_ < 0) return;
  SendTally tally;
  for (const UniverseFrame& frame : frames) {
    const std::uint32_t universe = std::uint32_t{frame.universe} + sacn_config_.universe_offset;
    if (frame.data == nullptr || universe < kSacnMinUniverse || universe > kSacnMaxUniverse) continue;
    sacn_header_.universe = static_cast<std::uint16_t>(universe);
    sacn_header_.options = kSacnOptionStreamTerminated;
    for (int copy = 0; copy < 3; ++copy) {
      sacn_header_.sequence = sacn_sequence_[universe]++;
      const std::size_t size =
          encode_sacn_data(sacn_header_, frame.data->data(), frame.data->size(), packet_.data(), packet_.size());
      if (size == 0) break;
      if (sacn_config_.multicast) {
        send_one(sacn_fd_, make_address(sacn_multicast_group(sacn_header_.universe), kSacnPort), packet_.data(),
                 size, tally);
      }
      for (const sockaddr_in& to : sacn_unicast_) send_one(sacn_fd_, to, packet_.data(), size, tally);
    }
  }
  sacn_header_.options = 0;
  sacn_packets_.fetch_add(tally.packets, std::memory_order_relaxed);
  sacn_bytes_.fetch_add(tally.bytes, std::memory_order_relaxed);
  commit_errors(tally);
}

// RT-safe: fixed-size reply built in a stack buffer; one sendto per group.
void DmxOutput::answer_poll(const ArtPoll& poll, const sockaddr_in& from, std::uint32_t local_ip) noexcept {
  ArtPollReply reply;
  const std::uint32_t ip = local_ip != 0 ? local_ip : bind_ip_;
  for (std::size_t i = 0; i < 4; ++i) reply.ip[i] = static_cast<std::uint8_t>(ip >> (24 - 8 * i));
  reply.port = kArtNetDefaultPort;
  reply.version_info = 1;
  reply.oem = kOemUnknown;
  reply.status1 = kStatus1;
  reply.esta_manufacturer = kEstaPrototype;
  set_artnet_string(reply.short_name, artnet_config_.short_name);
  set_artnet_string(reply.long_name, artnet_config_.long_name);
  reply.style = kArtStyleController;
  reply.bind_ip = reply.ip;
  reply.status2 = kArtStatus2PortAddress15Bit;

  std::array<std::uint8_t, kArtPollReplySize> buffer{};
  SendTally tally;
  const auto send_reply = [&]() noexcept {
    format_node_report(reply.node_report, kArtNodeReportPowerOk, ++reply_counter_, "luminad running");
    const std::size_t size = encode_artpollreply(reply, buffer.data(), buffer.size());
    send_one(artnet_fd_, from, buffer.data(), size, tally);
  };

  // One reply per group of up to 4 universes sharing Net and SubNet (a reply
  // carries one NetSwitch/SubSwitch), numbered by BindIndex as Art-Net 4
  // describes for devices with more than 4 ports. Each port is an input
  // (data flows from luminad onto the network).
  std::uint8_t bind_index = 0;
  std::size_t ports = 0;
  bool group_targeted = false;
  const auto flush = [&]() noexcept {
    if (ports == 0) return;
    reply.num_ports = static_cast<std::uint16_t>(ports);
    reply.bind_index = ++bind_index;
    if (group_targeted) send_reply();
    ports = 0;
    group_targeted = false;
    reply.port_types = {};
    reply.good_input = {};
    reply.sw_in = {};
  };
  for (std::size_t word = 0; word < universes_in_use_.size() && bind_index < 255; ++word) {
    std::uint64_t bits = universes_in_use_[word];
    while (bits != 0 && bind_index < 255) {
      const auto universe = static_cast<std::uint16_t>(word * 64 + static_cast<std::size_t>(std::countr_zero(bits)));
      bits &= bits - 1;
      const auto net = static_cast<std::uint8_t>(universe >> 8);
      const auto sub = static_cast<std::uint8_t>((universe >> 4) & 0x0FU);
      if (ports == 4 || (ports > 0 && (net != reply.net_switch || sub != reply.sub_switch))) flush();
      if (bind_index >= 255) break;
      reply.net_switch = net;
      reply.sub_switch = sub;
      reply.port_types[ports] = kArtPortTypeInput;  // DMX512 protocol (low bits 0), Art-Net input
      reply.good_input[ports] = kArtGoodInputDataReceived;
      reply.sw_in[ports] = static_cast<std::uint8_t>(universe & 0x0FU);
      group_targeted = group_targeted || poll.targets(universe);
      ++ports;
    }
  }
  flush();
  // Nothing sent yet: still announce the controller (no ports), unless the
  // poll is targeted at a range we do not serve.
  if (bind_index == 0 && (poll.flags & kArtPollFlagTargeted) == 0) {
    reply.net_switch = 0;
    reply.sub_switch = 0;
    reply.num_ports = 0;
    reply.bind_index = 1;
    send_reply();
  }
  replies_sent_.fetch_add(tally.packets, std::memory_order_relaxed);
  commit_errors(tally);
}

// RT-safe: copies the fixed table into the seqlock slot (wait-free store).
void DmxOutput::publish_nodes() noexcept {
  NodeSnapshot snapshot;
  for (std::size_t i = 0; i < kArtNetNodeCapacity; ++i) {
    if (node_table_.used(i)) snapshot.nodes[snapshot.count++] = node_table_.slots()[i];
  }
  node_snapshot_.store(snapshot);
  nodes_known_.store(snapshot.count, std::memory_order_relaxed);
}

// RT-safe: bounded non-blocking recvmsg loop, fixed buffers.
void DmxOutput::service(std::int64_t now_ns) noexcept {
  if (artnet_fd_ < 0 || listen_port_ == 0) return;
  bool table_changed = false;

  for (int n = 0; n < kMaxDatagramsPerService; ++n) {
    sockaddr_in from{};
    iovec io{receive_buffer_.data(), receive_buffer_.size()};
    alignas(cmsghdr) std::array<std::uint8_t, CMSG_SPACE(sizeof(in_pktinfo))> control{};
    msghdr message{};
    message.msg_name = &from;
    message.msg_namelen = sizeof(from);
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    const ssize_t received = ::recvmsg(artnet_fd_, &message, MSG_DONTWAIT);
    if (received < 0) {
      if (errno == EINTR) continue;
      break;  // EAGAIN: drained
    }
    const auto size = static_cast<std::size_t>(received);
    std::uint32_t local_ip = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo info{};
        std::memcpy(&info, CMSG_DATA(c), sizeof(info));
        local_ip = ntohl(info.ipi_spec_dst.s_addr);  // our address on the receiving interface
      }
    }
    const std::uint16_t opcode = artnet_opcode(receive_buffer_.data(), size);
    if (opcode == kArtPollOpCode) {
      const auto poll = parse_artpoll(receive_buffer_.data(), size);
      if (!poll) continue;
      polls_received_.fetch_add(1, std::memory_order_relaxed);
      // Art-Net 4: a controller answers its own poll too (so node tools list it).
      answer_poll(*poll, from, local_ip);
    } else if (opcode == kArtPollReplyOpCode) {
      // Our own reply to our own broadcast poll comes back from our own
      // address and port: that is not a node to send DMX to.
      if (ntohs(from.sin_port) == listen_port_ && ntohl(from.sin_addr.s_addr) == local_ip) continue;
      const auto reply = parse_artpollreply(receive_buffer_.data(), size);
      if (!reply) continue;
      replies_received_.fetch_add(1, std::memory_order_relaxed);
      table_changed = node_table_.update(*reply, ntohl(from.sin_addr.s_addr), now_ns) || table_changed;
    }
  }

  if (node_table_.expire(now_ns) != 0) table_changed = true;
  if (table_changed) publish_nodes();

  if (artnet_config_.discovery && (!poll_scheduled_ || now_ns >= next_poll_ns_)) {
    ArtPoll poll;
    poll.flags = kArtPollFlagReplyOnChange;
    poll.esta_manufacturer = kEstaPrototype;
    poll.oem = kOemUnknown;
    std::array<std::uint8_t, kArtPollSize> buffer{};
    const std::size_t size = encode_artpoll(poll, buffer.data(), buffer.size());
    SendTally tally;
    send_one(artnet_fd_, poll_address_, buffer.data(), size, tally);
    polls_sent_.fetch_add(tally.packets, std::memory_order_relaxed);
    commit_errors(tally);
    next_poll_ns_ = now_ns + kPollIntervalNs;
    poll_scheduled_ = true;
  }
}

DmxOutputStats DmxOutput::stats() const noexcept {
  DmxOutputStats s;
  s.artnet_packets = artnet_packets_.load(std::memory_order_relaxed);
  s.artnet_bytes = artnet_bytes_.load(std::memory_order_relaxed);
  s.artnet_syncs = artnet_syncs_.load(std::memory_order_relaxed);
  s.sacn_packets = sacn_packets_.load(std::memory_order_relaxed);
  s.sacn_bytes = sacn_bytes_.load(std::memory_order_relaxed);
  s.sacn_syncs = sacn_syncs_.load(std::memory_order_relaxed);
  s.send_errors = send_errors_.load(std::memory_order_relaxed);
  s.last_send_errno = last_send_errno_.load(std::memory_order_relaxed);
  s.frames_skipped = frames_skipped_.load(std::memory_order_relaxed);
  s.polls_sent = polls_sent_.load(std::memory_order_relaxed);
  s.polls_received = polls_received_.load(std::memory_order_relaxed);
  s.replies_sent = replies_sent_.load(std::memory_order_relaxed);
  s.replies_received = replies_received_.load(std::memory_order_relaxed);
  s.nodes_known = nodes_known_.load(std::memory_order_relaxed);
  return s;
}

std::vector<ArtNetNodeInfo> DmxOutput::nodes() const {
  // The snapshot is ~7 KB; keep it off the caller's stack.
  auto snapshot = std::make_unique<NodeSnapshot>();
  if (!node_snapshot_.load(*snapshot)) return {};
  return {snapshot->nodes.begin(), snapshot->nodes.begin() + snapshot->count};
}

std::vector<std::string> DmxOutput::describe() const {
  std::vector<std::string> lines;
  for (const UnicastTarget& target : artnet_unicast_) {
    std::string line = "artnet " + describe_address(target.address);
    if (!target.universes.empty()) {
      line += " universes";
      for (std::uint16_t u : target.universes) line += " " + std::to_string(u);
    }
    lines.push_back(line);
  }
  if (has_broadcast_) lines.push_back("artnet broadcast " + describe_address(broadcast_));
  if (artnet_fd_ >= 0 && artnet_config_.discovery && listen_port_ != 0) {
    lines.push_back("artnet poll " + describe_address(poll_address_));
  }
  if (sacn_fd_ >= 0 && sacn_config_.multicast) lines.push_back("sacn multicast 239.255.x.y:5568");
  for (const sockaddr_in& to : sacn_unicast_) lines.push_back("sacn " + describe_address(to));
  return lines;
}

}  // namespace lumina
