#pragma once
// The Art-Net node table: which nodes answered our ArtPoll and which
// port-addresses their output ports take, so ArtDmx for a universe can be
// unicast to exactly the nodes that want it. Fixed capacity, no allocation
// after construction; owned by the DMX thread (not thread-safe). Snapshots
// for other threads go through DmxOutput::nodes().
#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lumina/lighting/artnet_packets.hpp"

namespace lumina {

inline constexpr std::size_t kArtNetNodeCapacity = 64;
// A node that has not answered for this long is forgotten. Controllers poll
// every 2.5-3 s, so three missed replies.
inline constexpr std::int64_t kArtNetNodeExpiryNs = 10'000'000'000;

// One node (one ArtPollReply source: IP plus BindIndex).
struct ArtNetNodeInfo {
  std::uint32_t ip = 0;          // host byte order (the UDP source address of the reply)
  std::uint16_t data_port = 0;   // where ArtDmx goes: the reply's Port field, 6454 when zero
  std::uint8_t bind_index = 0;
  std::uint8_t style = 0;
  std::uint8_t output_count = 0;  // valid entries in output_port_addresses
  std::array<std::uint16_t, 4> output_port_addresses{};  // 15-bit port-addresses the node outputs
  std::array<char, 18> short_name{};
  std::array<char, 64> long_name{};
  std::int64_t last_seen_ns = 0;

  // RT-safe.
  [[nodiscard]] bool subscribes(std::uint16_t port_address) const noexcept {
    for (std::size_t i = 0; i < output_count; ++i) {
      if (output_port_addresses[i] == port_address) return true;
    }
    return false;
  }
};
static_assert(std::is_trivially_copyable_v<ArtNetNodeInfo>);

class ArtNetNodeTable {
 public:
  // Records (or refreshes) the node that sent `reply` from `source_ip`
  // (host order). Its output ports are those whose PortTypes bit 7 ("can
  // output from Art-Net") is set, among the first NumPorts (at most 4). When
  // the table is full, the entry seen longest ago is replaced. Returns true
  // when the table changed in a way a snapshot should show (new node, new
  // ports or names; a refreshed timestamp alone returns false).
  // RT-safe: bounded loops over the fixed table.
  bool update(const ArtPollReply& reply, std::uint32_t source_ip, std::int64_t now_ns) noexcept;

  // Forgets every node not seen for kArtNetNodeExpiryNs. Returns how many
  // were removed. RT-safe.
  std::size_t expire(std::int64_t now_ns) noexcept;

  // Calls `visit(const ArtNetNodeInfo&)` for each node that outputs
  // `port_address`, once per (IP, data port): bound sub-nodes sharing an IP
  // share one ArtDmx. RT-safe when `visit` is.
  template <typename Visit>
  void for_each_subscriber(std::uint16_t port_address, Visit&& visit) const noexcept {
    for (std::size_t i = 0; i < kArtNetNodeCapacity; ++i) {
      if (!used_[i] || !nodes_[i].subscribes(port_address)) continue;
      bool duplicate = false;
      for (std::size_t j = 0; j < i && !duplicate; ++j) {
        duplicate = used_[j] && nodes_[j].ip == nodes_[i].ip && nodes_[j].data_port == nodes_[i].data_port &&
                    nodes_[j].subscribes(port_address);
      }
      if (!duplicate) visit(nodes_[i]);
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  // The raw slots (unused ones have used(i) false), for snapshots. RT-safe.
  [[nodiscard]] const std::array<ArtNetNodeInfo, kArtNetNodeCapacity>& slots() const noexcept { return nodes_; }
  [[nodiscard]] bool used(std::size_t i) const noexcept { return used_[i]; }

 private:
  std::array<ArtNetNodeInfo, kArtNetNodeCapacity> nodes_{};
  std::array<bool, kArtNetNodeCapacity> used_{};
  std::size_t count_ = 0;
};

}  // namespace lumina
