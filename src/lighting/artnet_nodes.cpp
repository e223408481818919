#include "lumina/lighting/artnet_nodes.hpp"

#include "lumina/lighting/artdmx.hpp"

namespace lumina {

// RT-safe: bounded loops, no allocation.
bool ArtNetNodeTable::update(const ArtPollReply& reply, std::uint32_t source_ip, std::int64_t now_ns) noexcept {
  ArtNetNodeInfo fresh;
  fresh.ip = source_ip;
  fresh.data_port = reply.port != 0 ? reply.port : kArtNetDefaultPort;
  fresh.bind_index = reply.bind_index;
  fresh.style = reply.style;
  // NumPorts may be 0 in replies that still fill PortTypes; the spec says
  // nodes can ignore it because PortTypes is authoritative, so read all 4.
  for (std::size_t i = 0; i < 4; ++i) {
    if (reply.port_types[i] & kArtPortTypeOutput) {
      fresh.output_port_addresses[fresh.output_count++] = reply.output_port_address(i);
    }
  }
  fresh.short_name = reply.short_name;
  fresh.long_name = reply.long_name;
  fresh.short_name.back() = '\0';
  fresh.long_name.back() = '\0';
  fresh.last_seen_ns = now_ns;

  std::size_t free_slot = kArtNetNodeCapacity;
  std::size_t oldest = 0;
  for (std::size_t i = 0; i < kArtNetNodeCapacity; ++i) {
    if (!used_[i]) {
      if (free_slot == kArtNetNodeCapacity) free_slot = i;
      continue;
    }
    ArtNetNodeInfo& node = nodes_[i];
    if (node.ip == fresh.ip && node.bind_index == fresh.bind_index) {
      const bool changed = node.data_port != fresh.data_port || node.style != fresh.style ||
                           node.output_count != fresh.output_count ||
                           node.output_port_addresses != fresh.output_port_addresses ||
                           node.short_name != fresh.short_name || node.long_name != fresh.long_name;
      node = fresh;
      return changed;
    }
    if (!used_[oldest] || node.last_seen_ns < nodes_[oldest].last_seen_ns) oldest = i;
  }
  const std::size_t slot = free_slot != kArtNetNodeCapacity ? free_slot : oldest;
  if (!used_[slot]) ++count_;
  nodes_[slot] = fresh;
  used_[slot] = true;
  return true;
}

// RT-safe: one pass over the fixed table.
std::size_t ArtNetNodeTable::expire(std::int64_t now_ns) noexcept {
  std::size_t removed = 0;
  for (std::size_t i = 0; i < kArtNetNodeCapacity; ++i) {
    if (used_[i] && now_ns - nodes_[i].last_seen_ns > kArtNetNodeExpiryNs) {
      used_[i] = false;
      nodes_[i] = ArtNetNodeInfo{};
      --count_;
      ++removed;
    }
  }
  return removed;
}

}  // namespace lumina
