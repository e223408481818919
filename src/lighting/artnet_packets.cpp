#include "lumina/lighting/artnet_packets.hpp"

#include <algorithm>

#include "lumina/lighting/artdmx.hpp"

namespace lumina {
namespace {

constexpr std::array<std::uint8_t, 8> kArtNetId = {'A', 'r', 't', '-', 'N', 'e', 't', '\0'};

// Writes the 8-byte ID and the little-endian OpCode (bytes 0..9). RT-safe.
void put_header(std::uint8_t* out, std::uint16_t opcode) noexcept {
  std::copy(kArtNetId.begin(), kArtNetId.end(), out);
  out[8] = static_cast<std::uint8_t>(opcode & 0xFFU);
  out[9] = static_cast<std::uint8_t>(opcode >> 8);
}

void put_be16(std::uint8_t* out, std::uint16_t value) noexcept {
  out[0] = static_cast<std::uint8_t>(value >> 8);
  out[1] = static_cast<std::uint8_t>(value & 0xFFU);
}

void put_le16(std::uint8_t* out, std::uint16_t value) noexcept {
  out[0] = static_cast<std::uint8_t>(value & 0xFFU);
  out[1] = static_cast<std::uint8_t>(value >> 8);
}

// Reads a field of a datagram that may be shorter than the current layout:
// bytes past `size` read as zero ("missing fields are assumed to be zero").
class FieldReader {
 public:
  FieldReader(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}
  [[nodiscard]] std::uint8_t u8(std::size_t offset) const noexcept { return offset < size_ ? data_[offset] : 0; }
  [[nodiscard]] std::uint16_t be16(std::size_t offset) const noexcept {
    return static_cast<std::uint16_t>((u8(offset) << 8) | u8(offset + 1));
  }
  [[nodiscard]] std::uint16_t le16(std::size_t offset) const noexcept {
    return static_cast<std::uint16_t>(u8(offset) | (u8(offset + 1) << 8));
  }
  template <std::size_t N>
  void bytes(std::size_t offset, std::array<std::uint8_t, N>& out) const noexcept {
    for (std::size_t i = 0; i < N; ++i) out[i] = u8(offset + i);
  }
  template <std::size_t N>
  void text(std::size_t offset, std::array<char, N>& out) const noexcept {
    for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<char>(u8(offset + i));
    out[N - 1] = '\0';  // a sender that filled the field completely still yields a terminated string
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
};

template <std::size_t N>
void put_bytes(std::uint8_t* out, const std::array<std::uint8_t, N>& field) noexcept {
  std::copy(field.begin(), field.end(), out);
}

template <std::size_t N>
void put_text(std::uint8_t* out, const std::array<char, N>& field) noexcept {
  for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<std::uint8_t>(field[i]);
  out[N - 1] = 0;
}

}  // namespace

// RT-safe: reads the caller's buffer only.
std::uint16_t artnet_opcode(const std::uint8_t* datagram, std::size_t size) noexcept {
  if (datagram == nullptr || size < 10) return 0;
  if (!std::equal(kArtNetId.begin(), kArtNetId.end(), datagram)) return 0;
  return static_cast<std::uint16_t>(datagram[8] | (datagram[9] << 8));
}

// RT-safe: writes into the caller's buffer only.
std::size_t encode_artpoll(const ArtPoll& poll, std::uint8_t* out, std::size_t out_size) noexcept {
  if (out == nullptr || out_size < kArtPollSize) return 0;
  put_header(out, kArtPollOpCode);
  put_be16(out + 10, kArtNetProtocolVersion);
  out[12] = poll.flags;
  out[13] = poll.diag_priority;
  put_be16(out + 14, poll.target_top);
  put_be16(out + 16, poll.target_bottom);
  put_be16(out + 18, poll.esta_manufacturer);
  put_be16(out + 20, poll.oem);
  return kArtPollSize;
}

// RT-safe: reads the caller's buffer only.
std::optional<ArtPoll> parse_artpoll(const std::uint8_t* datagram, std::size_t size) noexcept {
  if (size < kArtPollMinSize || artnet_opcode(datagram, size) != kArtPollOpCode) return std::nullopt;
  const FieldReader r(datagram, size);
  ArtPoll poll;
  poll.protocol_version = r.be16(10);
  if (poll.protocol_version < kArtNetProtocolVersion) return std::nullopt;
  poll.flags = r.u8(12);
  poll.diag_priority = r.u8(13);
  poll.target_top = r.be16(14);
  poll.target_bottom = r.be16(16);
  poll.esta_manufacturer = r.be16(18);
  poll.oem = r.be16(20);
  return poll;
}

// RT-safe: writes into the caller's buffer only.
std::size_t encode_artpollreply(const ArtPollReply& reply, std::uint8_t* out, std::size_t out_size) noexcept {
  if (out == nullptr || out_size < kArtPollReplySize) return 0;
  std::fill(out, out + kArtPollReplySize, std::uint8_t{0});  // spare and filler bytes are zero
  put_header(out, kArtPollReplyOpCode);
  put_bytes(out + 10, reply.ip);
  put_le16(out + 14, reply.port);  // the one little-endian port field in Art-Net
  put_be16(out + 16, reply.version_info);
  out[18] = reply.net_switch;
  out[19] = reply.sub_switch;
  put_be16(out + 20, reply.oem);
  out[22] = reply.ubea_version;
  out[23] = reply.status1;
  put_le16(out + 24, reply.esta_manufacturer);  // EstaManLo precedes EstaManHi
  put_text(out + 26, reply.short_name);
  put_text(out + 44, reply.long_name);
  put_text(out + 108, reply.node_report);
  put_be16(out + 172, reply.num_ports);
  put_bytes(out + 174, reply.port_types);
  put_bytes(out + 178, reply.good_input);
  put_bytes(out + 182, reply.good_output_a);
  put_bytes(out + 186, reply.sw_in);
  put_bytes(out + 190, reply.sw_out);
  out[194] = reply.acn_priority;
  out[195] = reply.sw_macro;
  out[196] = reply.sw_remote;
  // 197..199 spare
  out[200] = reply.style;
  put_bytes(out + 201, reply.mac);
  put_bytes(out + 207, reply.bind_ip);
  out[211] = reply.bind_index;
  out[212] = reply.status2;
  put_bytes(out + 213, reply.good_output_b);
  out[217] = reply.status3;
  put_bytes(out + 218, reply.default_responder_uid);
  put_be16(out + 224, reply.user);
  put_be16(out + 226, reply.refresh_rate);
  // 228..238 filler
  return kArtPollReplySize;
}

// RT-safe: reads the caller's buffer only.
std::optional<ArtPollReply> parse_artpollreply(const std::uint8_t* datagram, std::size_t size) noexcept {
  if (size < kArtPollReplyMinSize || artnet_opcode(datagram, size) != kArtPollReplyOpCode) return std::nullopt;
  const FieldReader r(datagram, size);
  ArtPollReply reply;
  r.bytes(10, reply.ip);
  reply.port = r.le16(14);
  reply.version_info = r.be16(16);
  reply.net_switch = r.u8(18);
  reply.sub_switch = r.u8(19);
  reply.oem = r.be16(20);
  reply.ubea_version = r.u8(22);
  reply.status1 = r.u8(23);
  reply.esta_manufacturer = r.le16(24);
  r.text(26, reply.short_name);
  r.text(44, reply.long_name);
  r.text(108, reply.node_report);
  reply.num_ports = r.be16(172);
  r.bytes(174, reply.port_types);
  r.bytes(178, reply.good_input);
  r.bytes(182, reply.good_output_a);
  r.bytes(186, reply.sw_in);
  r.bytes(190, reply.sw_out);
  reply.acn_priority = r.u8(194);
  reply.sw_macro = r.u8(195);
  reply.sw_remote = r.u8(196);
  reply.style = r.u8(200);
  r.bytes(201, reply.mac);
  r.bytes(207, reply.bind_ip);
  reply.bind_index = r.u8(211);
  reply.status2 = r.u8(212);
  r.bytes(213, reply.good_output_b);
  reply.status3 = r.u8(217);
  r.bytes(218, reply.default_responder_uid);
  reply.user = r.be16(224);
  reply.refresh_rate = r.be16(226);
  return reply;
}

// RT-safe: writes into the caller's buffer only.
std::size_t encode_artsync(std::uint8_t* out, std::size_t out_size) noexcept {
  if (out == nullptr || out_size < kArtSyncSize) return 0;
  put_header(out, kArtSyncOpCode);
  put_be16(out + 10, kArtNetProtocolVersion);
  out[12] = 0;  // Aux1
  out[13] = 0;  // Aux2
  return kArtSyncSize;
}

// RT-safe: reads the caller's buffer only.
bool parse_artsync(const std::uint8_t* datagram, std::size_t size) noexcept {
  if (size < kArtSyncSize || artnet_opcode(datagram, size) != kArtSyncOpCode) return false;
  return ((datagram[10] << 8) | datagram[11]) >= kArtNetProtocolVersion;
}

// RT-safe: formats digits by hand (no snprintf locale, no allocation).
void format_node_report(std::array<char, 64>& field, std::uint16_t code, std::uint32_t counter,
                        std::string_view text) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  std::array<char, 64> buffer{};
  std::size_t n = 0;
  buffer[n++] = '#';
  for (int shift = 12; shift >= 0; shift -= 4) buffer[n++] = kHex[(code >> shift) & 0xFU];
  buffer[n++] = ' ';
  buffer[n++] = '[';
  const std::uint32_t count = counter % 10000U;
  for (std::uint32_t divisor = 1000; divisor > 0; divisor /= 10) {
    buffer[n++] = static_cast<char>('0' + (count / divisor) % 10U);
  }
  buffer[n++] = ']';
  buffer[n++] = ' ';
  for (std::size_t i = 0; i < text.size() && n < buffer.size() - 1; ++i) buffer[n++] = text[i];
  set_artnet_string(field, std::string_view(buffer.data(), n));
}

}  // namespace lumina
