#include "lumina/lighting/sacn.hpp"

#include <algorithm>
#include <random>

namespace lumina {
namespace {

// ACN packet identifier "ASC-E1.17" padded with NULs to 12 bytes.
constexpr std::array<std::uint8_t, 12> kAcnPacketIdentifier = {0x41, 0x53, 0x43, 0x2d, 0x45, 0x31,
                                                               0x2e, 0x31, 0x37, 0x00, 0x00, 0x00};
constexpr std::uint16_t kPreambleSize = 0x0010;
constexpr std::uint16_t kPostambleSize = 0x0000;
constexpr std::size_t kRootFlagsOffset = 16;
constexpr std::size_t kFramingFlagsOffset = 38;
constexpr std::size_t kDmpFlagsOffset = 115;
constexpr std::uint8_t kDmpVectorSetProperty = 0x02;
constexpr std::uint8_t kDmpAddressType = 0xA1;  // relative addresses, 1-byte data, 2-byte address and increment

void put_be16(std::uint8_t* out, std::uint16_t value) noexcept {
  out[0] = static_cast<std::uint8_t>(value >> 8);
  out[1] = static_cast<std::uint8_t>(value & 0xFFU);
}

void put_be32(std::uint8_t* out, std::uint32_t value) noexcept {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
}

std::uint16_t be16(const std::uint8_t* in) noexcept { return static_cast<std::uint16_t>((in[0] << 8) | in[1]); }

std::uint32_t be32(const std::uint8_t* in) noexcept {
  return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) | in[3];
}

// Flags (0x7) and the length of the PDU starting at `offset` to the end of a
// `total`-byte packet. RT-safe.
void put_flags_length(std::uint8_t* out, std::size_t offset, std::size_t total) noexcept {
  put_be16(out + offset, static_cast<std::uint16_t>(0x7000U | ((total - offset) & 0x0FFFU)));
}

bool flags_length_ok(const std::uint8_t* in, std::size_t offset, std::size_t total) noexcept {
  return be16(in + offset) == (0x7000U | ((total - offset) & 0x0FFFU));
}

// Root layer for a packet of `total` bytes. RT-safe.
void put_root(std::uint8_t* out, std::size_t total, std::uint32_t vector, const SacnCid& cid) noexcept {
  put_be16(out + 0, kPreambleSize);
  put_be16(out + 2, kPostambleSize);
  std::copy(kAcnPacketIdentifier.begin(), kAcnPacketIdentifier.end(), out + 4);
  put_flags_length(out, kRootFlagsOffset, total);
  put_be32(out + 18, vector);
  std::copy(cid.begin(), cid.end(), out + 22);
}

bool root_ok(const std::uint8_t* in, std::size_t total, std::uint32_t vector) noexcept {
  return be16(in + 0) == kPreambleSize && be16(in + 2) == kPostambleSize &&
         std::equal(kAcnPacketIdentifier.begin(), kAcnPacketIdentifier.end(), in + 4) &&
         flags_length_ok(in, kRootFlagsOffset, total) && be32(in + 18) == vector;
}

bool universe_ok(std::uint16_t universe) noexcept {
  return universe >= kSacnMinUniverse && universe <= kSacnMaxUniverse;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

// RT-safe: no allocation.
void set_sacn_source_name(std::array<char, kSacnSourceNameSize>& field, std::string_view name) noexcept {
  std::size_t length = std::min(name.size(), kSacnSourceNameSize - 1);
  if (length < name.size()) {
    // Never cut a UTF-8 sequence: step back over continuation bytes.
    while (length > 0 && (static_cast<unsigned char>(name[length]) & 0xC0U) == 0x80U) --length;
  }
  for (std::size_t i = 0; i < field.size(); ++i) field[i] = i < length ? name[i] : '\0';
}

// RT-safe: writes into the caller's buffer only.
std::size_t encode_sacn_data(const SacnDataHeader& header, const std::uint8_t* slots, std::size_t slot_count,
                             std::uint8_t* out, std::size_t out_size) noexcept {
  const std::size_t total = sacn_data_packet_size(slot_count);
  if (total == 0 || slots == nullptr || out == nullptr || out_size < total || !universe_ok(header.universe) ||
      header.priority > kSacnMaxPriority) {
    return 0;
  }
  put_root(out, total, kSacnVectorRootData, header.cid);

  put_flags_length(out, kFramingFlagsOffset, total);
  put_be32(out + 40, kSacnVectorDataPacket);
  for (std::size_t i = 0; i < kSacnSourceNameSize; ++i) out[44 + i] = static_cast<std::uint8_t>(header.source_name[i]);
  out[44 + kSacnSourceNameSize - 1] = 0;  // always NUL-terminated on the wire
  out[108] = header.priority;
  put_be16(out + 109, header.sync_address);
  out[111] = header.sequence;
  out[112] = header.options;
  put_be16(out + 113, header.universe);

  put_flags_length(out, kDmpFlagsOffset, total);
  out[117] = kDmpVectorSetProperty;
  out[118] = kDmpAddressType;
  put_be16(out + 119, 0);  // First Property Address
  put_be16(out + 121, 1);  // Address Increment
  put_be16(out + 123, static_cast<std::uint16_t>(slot_count + 1));  // the START code counts as a property
  out[125] = header.start_code;
  std::copy(slots, slots + slot_count, out + kSacnDataHeaderSize);
  return total;
}

// RT-safe: writes into the caller's buffer only.
std::size_t encode_sacn_sync(const SacnSyncPacket& sync, std::uint8_t* out, std::size_t out_size) noexcept {
  if (out == nullptr || out_size < kSacnSyncPacketSize || !universe_ok(sync.sync_address)) return 0;
  put_root(out, kSacnSyncPacketSize, kSacnVectorRootExtended, sync.cid);
  put_flags_length(out, kFramingFlagsOffset, kSacnSyncPacketSize);
  put_be32(out + 40, kSacnVectorExtendedSync);
  out[44] = sync.sequence;
  put_be16(out + 45, sync.sync_address);
  put_be16(out + 47, 0);  // Reserved
  return kSacnSyncPacketSize;
}

// RT-safe: reads the caller's buffer only.
std::optional<SacnDataView> parse_sacn_data(const std::uint8_t* datagram, std::size_t size) noexcept {
  if (datagram == nullptr || size < kSacnDataHeaderSize || size > kSacnMaxDataPacketSize) return std::nullopt;
  if (!root_ok(datagram, size, kSacnVectorRootData)) return std::nullopt;
  if (!flags_length_ok(datagram, kFramingFlagsOffset, size) || be32(datagram + 40) != kSacnVectorDataPacket) {
    return std::nullopt;
  }
  if (!flags_length_ok(datagram, kDmpFlagsOffset, size) || datagram[117] != kDmpVectorSetProperty ||
      datagram[118] != kDmpAddressType || be16(datagram + 119) != 0 || be16(datagram + 121) != 1) {
    return std::nullopt;
  }
  const std::size_t property_count = be16(datagram + 123);
  if (property_count != size - (kSacnDataHeaderSize - 1)) return std::nullopt;

  SacnDataView view;
  std::copy(datagram + 22, datagram + 38, view.header.cid.begin());
  for (std::size_t i = 0; i < kSacnSourceNameSize; ++i) view.header.source_name[i] = static_cast<char>(datagram[44 + i]);
  view.header.source_name[kSacnSourceNameSize - 1] = '\0';
  view.header.priority = datagram[108];
  view.header.sync_address = be16(datagram + 109);
  view.header.sequence = datagram[111];
  view.header.options = datagram[112];
  view.header.universe = be16(datagram + 113);
  view.header.start_code = datagram[125];
  if (!universe_ok(view.header.universe) || view.header.priority > kSacnMaxPriority) return std::nullopt;
  view.slots = std::span<const std::uint8_t>(datagram + kSacnDataHeaderSize, size - kSacnDataHeaderSize);
  return view;
}

// RT-safe: reads the caller's buffer only.
std::optional<SacnSyncPacket> parse_sacn_sync(const std::uint8_t* datagram, std::size_t size) noexcept {
  if (datagram == nullptr || size != kSacnSyncPacketSize) return std::nullopt;
  if (!root_ok(datagram, size, kSacnVectorRootExtended)) return std::nullopt;
  if (!flags_length_ok(datagram, kFramingFlagsOffset, size) || be32(datagram + 40) != kSacnVectorExtendedSync) {
    return std::nullopt;
  }
  SacnSyncPacket sync;
  std::copy(datagram + 22, datagram + 38, sync.cid.begin());
  sync.sequence = datagram[44];
  sync.sync_address = be16(datagram + 45);
  if (!universe_ok(sync.sync_address)) return std::nullopt;
  return sync;
}

std::optional<SacnCid> parse_sacn_cid(std::string_view text) noexcept {
  if (text.size() != 36) return std::nullopt;
  SacnCid cid{};
  std::size_t byte = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const int hi = hex_value(text[i]);
    const int lo = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
    if (hi < 0 || lo < 0 || byte >= cid.size()) return std::nullopt;
    cid[byte++] = static_cast<std::uint8_t>((hi << 4) | lo);
    i += 2;
  }
  if (byte != cid.size()) return std::nullopt;
  return cid;
}

std::string format_sacn_cid(const SacnCid& cid) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < cid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(kHex[cid[i] >> 4]);
    text.push_back(kHex[cid[i] & 0xFU]);
  }
  return text;
}

SacnCid generate_sacn_cid() {
  std::random_device device;
  SacnCid cid{};
  for (std::size_t i = 0; i < cid.size(); i += 4) {
    const std::uint32_t word = device();
    for (std::size_t j = 0; j < 4; ++j) cid[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
  }
  cid[6] = static_cast<std::uint8_t>((cid[6] & 0x0FU) | 0x40U);  // version 4 (random)
  cid[8] = static_cast<std::uint8_t>((cid[8] & 0x3FU) | 0x80U);  // RFC 4122 variant
  return cid;
}

}  // namespace lumina
