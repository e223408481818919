#include "lumina/lighting/artdmx.hpp"

#include <algorithm>
#include <array>

namespace lumina {
namespace {

constexpr std::array<std::uint8_t, 8> kArtNetId = {'A', 'r', 't', '-', 'N', 'e', 't', '\0'};

}  // namespace

// RT-safe: writes into the caller's buffer only.
std::size_t encode_artdmx(std::uint16_t port_address, std::uint8_t sequence, const std::uint8_t* data,
                          std::size_t length, std::uint8_t* out, std::size_t out_size) noexcept {
  const std::size_t packet_size = artdmx_packet_size(length);
  if (packet_size == 0 || port_address > kArtNetMaxPortAddress || out == nullptr || out_size < packet_size ||
      data == nullptr) {
    return 0;
  }
  // Art-Net requires an even data length; like OLA, pad an odd frame with one
  // zero channel rather than send a packet some nodes would discard.
  const std::size_t wire_length = length + (length & 1U);

  std::copy(kArtNetId.begin(), kArtNetId.end(), out);
  out[8] = static_cast<std::uint8_t>(kArtDmxOpCode & 0xFFU);  // OpCode is little-endian...
  out[9] = static_cast<std::uint8_t>(kArtDmxOpCode >> 8);
  out[10] = static_cast<std::uint8_t>(kArtNetProtocolVersion >> 8);  // ...the version big-endian
  out[11] = static_cast<std::uint8_t>(kArtNetProtocolVersion & 0xFFU);
  out[12] = sequence;
  out[13] = 0;  // Physical: we are not relaying a physical input port
  out[14] = static_cast<std::uint8_t>(port_address & 0xFFU);  // SubUni: SubNet and Universe nibbles
  out[15] = static_cast<std::uint8_t>(port_address >> 8);     // Net: bits 8..14
  out[16] = static_cast<std::uint8_t>(wire_length >> 8);      // Length is big-endian
  out[17] = static_cast<std::uint8_t>(wire_length & 0xFFU);
  std::copy(data, data + length, out + kArtDmxHeaderSize);
  if (wire_length != length) out[kArtDmxHeaderSize + length] = 0;
  return packet_size;
}

// RT-safe: reads the caller's buffer only.
std::optional<ArtDmxView> parse_artdmx(const std::uint8_t* datagram, std::size_t size) noexcept {
  if (datagram == nullptr || size < kArtDmxHeaderSize) return std::nullopt;
  if (!std::equal(kArtNetId.begin(), kArtNetId.end(), datagram)) return std::nullopt;
  const auto opcode = static_cast<std::uint16_t>(datagram[8] | (datagram[9] << 8));
  if (opcode != kArtDmxOpCode) return std::nullopt;

  ArtDmxView view;
  view.protocol_version = static_cast<std::uint16_t>((datagram[10] << 8) | datagram[11]);
  if (view.protocol_version < kArtNetProtocolVersion) return std::nullopt;
  view.sequence = datagram[12];
  view.physical = datagram[13];
  // The port-address is 15 bits; a set top bit in Net is not a valid packet.
  if (datagram[15] & 0x80U) return std::nullopt;
  view.port_address = static_cast<std::uint16_t>((datagram[15] << 8) | datagram[14]);

  const std::size_t length = static_cast<std::size_t>((datagram[16] << 8) | datagram[17]);
  // Senders must use even lengths >= 2, but accepting an odd one costs nothing
  // and matches what deployed nodes tolerate.
  if (length == 0 || length > kArtDmxMaxData) return std::nullopt;
  if (size - kArtDmxHeaderSize < length) return std::nullopt;
  view.data = std::span<const std::uint8_t>(datagram + kArtDmxHeaderSize, length);
  return view;
}

// RT-safe: see encode_artdmx.
std::size_t ArtDmxEncoder::encode(const std::uint8_t* data, std::size_t length, std::uint8_t* out,
                                  std::size_t out_size) noexcept {
  const std::uint8_t sequence = next_artdmx_sequence(sequence_);
  const std::size_t written = encode_artdmx(port_address_, sequence, data, length, out, out_size);
  if (written != 0) sequence_ = sequence;
  return written;
}

}  // namespace lumina
