#pragma once
// ArtDmx (Art-Net 4, OpCode 0x5000): one DMX universe in one UDP datagram.
// Packets are encoded byte by byte into a caller-provided buffer, never by
// casting a packed struct, so the wire layout is explicit and endian-safe.
//
// Layout (offsets in bytes):
//   0..7   ID        "Art-Net\0"
//   8..9   OpCode    0x5000, little-endian (0x00, 0x50)
//   10     ProtVerHi 0
//   11     ProtVerLo 14
//   12     Sequence  1..255 (0 = sequencing disabled)
//   13     Physical  0 (informational input port)
//   14     SubUni    port-address bits 0..7
//   15     Net       port-address bits 8..14
//   16..17 Length    big-endian, even, 2..512
//   18..   Data      `Length` channel values
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace lumina {

inline constexpr std::uint16_t kArtNetDefaultPort = 6454;
inline constexpr std::uint16_t kArtDmxOpCode = 0x5000;
inline constexpr std::uint16_t kArtNetProtocolVersion = 14;
inline constexpr std::uint16_t kArtNetMaxPortAddress = 0x7FFF;  // 15 bits: Net(7) SubNet(4) Universe(4)
inline constexpr std::size_t kArtDmxHeaderSize = 18;
inline constexpr std::size_t kArtDmxMaxData = 512;
inline constexpr std::size_t kArtDmxMaxPacketSize = kArtDmxHeaderSize + kArtDmxMaxData;

// A decoded ArtDmx packet. `data` points into the parsed datagram (no copy),
// so it is valid only as long as that buffer is.
struct ArtDmxView {
  std::uint16_t protocol_version = 0;  // ProtVerHi << 8 | ProtVerLo
  std::uint8_t sequence = 0;
  std::uint8_t physical = 0;
  std::uint16_t port_address = 0;  // Net << 8 | SubUni
  std::span<const std::uint8_t> data;
};

// The sequence number after `current`: 1..255, wrapping 255 → 1. Zero is
// never produced because receivers read 0 as "sequencing disabled".
// RT-safe: pure arithmetic.
[[nodiscard]] constexpr std::uint8_t next_artdmx_sequence(std::uint8_t current) noexcept {
  return current >= 255 ? std::uint8_t{1} : static_cast<std::uint8_t>(current + 1);
}

// Bytes `encode_artdmx` writes for `length` channels (odd lengths padded), or
// 0 when `length` is outside 1..512. RT-safe: pure arithmetic.
[[nodiscard]] constexpr std::size_t artdmx_packet_size(std::size_t length) noexcept {
  if (length == 0 || length > kArtDmxMaxData) return 0;
  return kArtDmxHeaderSize + length + (length & 1U);
}

// Writes one ArtDmx packet carrying `data[0..length)` into `out`. Returns the
// packet size, or 0 (nothing written) when `length` is outside 1..512,
// `port_address` exceeds 15 bits, or `out_size` is too small.
// RT-safe: no allocation, no syscalls.
[[nodiscard]] std::size_t encode_artdmx(std::uint16_t port_address, std::uint8_t sequence,
                                        const std::uint8_t* data, std::size_t length, std::uint8_t* out,
                                        std::size_t out_size) noexcept;

// Validates and decodes an ArtDmx datagram: the ID, the OpCode, protocol
// version >= 14, a 15-bit port-address, a Length of 1..512 that the datagram
// actually holds (trailing bytes are ignored). nullopt for anything else.
// RT-safe: no allocation.
[[nodiscard]] std::optional<ArtDmxView> parse_artdmx(const std::uint8_t* datagram, std::size_t size) noexcept;

// Encodes successive packets for one universe, keeping its sequence number.
// One encoder per universe; not thread-safe (owned by the DMX thread).
class ArtDmxEncoder {
 public:
  // Port-addresses above 15 bits make every encode() fail.
  explicit ArtDmxEncoder(std::uint16_t port_address) noexcept : port_address_(port_address) {}

  // Encodes with the next sequence number (1 for the first packet) and
  // advances it only on success. Returns the packet size or 0 (see
  // encode_artdmx). RT-safe: no allocation, no syscalls.
  [[nodiscard]] std::size_t encode(const std::uint8_t* data, std::size_t length, std::uint8_t* out,
                                   std::size_t out_size) noexcept;

  [[nodiscard]] std::uint16_t port_address() const noexcept { return port_address_; }
  // Sequence of the last packet encoded; 0 before the first one.
  [[nodiscard]] std::uint8_t last_sequence() const noexcept { return sequence_; }

 private:
  std::uint16_t port_address_;
  std::uint8_t sequence_ = 0;
};

}  // namespace lumina
