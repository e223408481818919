#pragma once
// sACN (ANSI E1.31-2018): DMX512 over ACN-framed UDP, port 5568.
// Packets are encoded byte by byte into a caller buffer; every multi-byte
// field is big-endian. Each PDU starts with a Flags-and-Length word: 0x7 in
// the top 4 bits, the PDU length (from that word to the end of the packet)
// in the low 12 bits.
//
// Data packet (126 + slots bytes; 638 for a full universe):
//   Root layer      0..1 Preamble 0x0010, 2..3 Postamble 0, 4..15 ACN packet
//                   identifier "ASC-E1.17\0\0\0", 16..17 Flags+Length,
//                   18..21 Vector 0x00000004 (VECTOR_ROOT_E131_DATA), 22..37 CID
//   Framing layer   38..39 Flags+Length, 40..43 Vector 0x00000002
//                   (VECTOR_E131_DATA_PACKET), 44..107 Source Name (UTF-8, NUL
//                   terminated), 108 Priority 0..200, 109..110 Sync Address,
//                   111 Sequence, 112 Options, 113..114 Universe 1..63999
//   DMP layer       115..116 Flags+Length, 117 Vector 0x02 (VECTOR_DMP_SET_PROPERTY),
//                   118 Address & Data Type 0xA1, 119..120 First Property
//                   Address 0, 121..122 Address Increment 1, 123..124
//                   Property Value Count (slots + 1), 125 START code, 126.. slots
//
// Synchronization packet (49 bytes):
//   Root layer      as above with Vector 0x00000008 (VECTOR_ROOT_E131_EXTENDED)
//   Framing layer   38..39 Flags+Length, 40..43 Vector 0x00000001
//                   (VECTOR_E131_EXTENDED_SYNCHRONIZATION), 44 Sequence,
//                   45..46 Synchronization Address, 47..48 Reserved 0
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace lumina {

using SacnCid = std::array<std::uint8_t, 16>;

inline constexpr std::uint16_t kSacnPort = 5568;
inline constexpr std::uint16_t kSacnMinUniverse = 1;
inline constexpr std::uint16_t kSacnMaxUniverse = 63999;
inline constexpr std::uint8_t kSacnMaxPriority = 200;
inline constexpr std::uint8_t kSacnDefaultPriority = 100;
inline constexpr std::size_t kSacnDataHeaderSize = 126;  // through the START code
inline constexpr std::size_t kSacnMaxSlots = 512;
inline constexpr std::size_t kSacnMaxDataPacketSize = kSacnDataHeaderSize + kSacnMaxSlots;  // 638
inline constexpr std::size_t kSacnSyncPacketSize = 49;
inline constexpr std::size_t kSacnSourceNameSize = 64;

inline constexpr std::uint32_t kSacnVectorRootData = 0x00000004;
inline constexpr std::uint32_t kSacnVectorRootExtended = 0x00000008;
inline constexpr std::uint32_t kSacnVectorDataPacket = 0x00000002;
inline constexpr std::uint32_t kSacnVectorExtendedSync = 0x00000001;

// Framing-layer Options bits.
inline constexpr std::uint8_t kSacnOptionPreview = 0x80;           // bit 7: Preview_Data
inline constexpr std::uint8_t kSacnOptionStreamTerminated = 0x40;  // bit 6: Stream_Terminated
inline constexpr std::uint8_t kSacnOptionForceSync = 0x20;         // bit 5: Force_Synchronization

// The framing-layer fields of a data packet; the slots travel separately.
struct SacnDataHeader {
  SacnCid cid{};
  std::array<char, kSacnSourceNameSize> source_name{};  // NUL-terminated UTF-8
  std::uint8_t priority = kSacnDefaultPriority;
  std::uint16_t sync_address = 0;  // 0 = not synchronised
  std::uint8_t sequence = 0;
  std::uint8_t options = 0;
  std::uint16_t universe = 1;
  std::uint8_t start_code = 0;  // 0 = DMX512 null START code
};

// A decoded data packet; `slots` points into the parsed datagram.
struct SacnDataView {
  SacnDataHeader header;
  std::span<const std::uint8_t> slots;
};

struct SacnSyncPacket {
  SacnCid cid{};
  std::uint8_t sequence = 0;
  std::uint16_t sync_address = 1;
};

// Copies `name` into the 64-byte Source Name field, truncated to 63 bytes on
// a UTF-8 character boundary, zero-filled. RT-safe.
void set_sacn_source_name(std::array<char, kSacnSourceNameSize>& field, std::string_view name) noexcept;

// Bytes of a data packet carrying `slots` (1..512) slots, or 0. RT-safe.
[[nodiscard]] constexpr std::size_t sacn_data_packet_size(std::size_t slots) noexcept {
  return slots == 0 || slots > kSacnMaxSlots ? 0 : kSacnDataHeaderSize + slots;
}

// Writes one E1.31 data packet. Returns its size, or 0 (nothing written) when
// `slots` is not 1..512, the universe is outside 1..63999, the priority
// exceeds 200, or `out_size` is too small. RT-safe: no allocation, no syscalls.
[[nodiscard]] std::size_t encode_sacn_data(const SacnDataHeader& header, const std::uint8_t* slots,
                                           std::size_t slot_count, std::uint8_t* out, std::size_t out_size) noexcept;

// Writes a 49-byte E1.31 synchronization packet; 0 when the sync address is
// outside 1..63999 or `out_size` is too small. RT-safe.
[[nodiscard]] std::size_t encode_sacn_sync(const SacnSyncPacket& sync, std::uint8_t* out,
                                           std::size_t out_size) noexcept;

// Validates and decodes a data packet: preamble, postamble, identifier,
// every vector, every Flags+Length consistent with the datagram size, the
// DMP address type/first address/increment, a property count of 1..513 and
// a universe of 1..63999. nullopt for anything else. RT-safe.
[[nodiscard]] std::optional<SacnDataView> parse_sacn_data(const std::uint8_t* datagram, std::size_t size) noexcept;

// Validates and decodes a synchronization packet likewise. RT-safe.
[[nodiscard]] std::optional<SacnSyncPacket> parse_sacn_sync(const std::uint8_t* datagram, std::size_t size) noexcept;

// The multicast group of a universe, 239.255.<hi>.<lo>, in host byte order
// (0 for a universe outside 1..63999). RT-safe.
[[nodiscard]] constexpr std::uint32_t sacn_multicast_group(std::uint16_t universe) noexcept {
  if (universe < kSacnMinUniverse || universe > kSacnMaxUniverse) return 0;
  return (239U << 24) | (255U << 16) | universe;
}

// Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex, either case, hyphens
// exactly there); nullopt otherwise. Not on the tick path.
[[nodiscard]] std::optional<SacnCid> parse_sacn_cid(std::string_view text) noexcept;

// Lower-case 8-4-4-4-12 text of a CID (36 characters). Not RT-safe: allocates.
[[nodiscard]] std::string format_sacn_cid(const SacnCid& cid);

// A random version-4 UUID (RFC 4122 variant) from std::random_device.
// Not RT-safe: may read /dev/urandom.
[[nodiscard]] SacnCid generate_sacn_cid();

}  // namespace lumina
