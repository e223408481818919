#pragma once
// Art-Net 4 discovery and synchronisation packets: ArtPoll (OpCode 0x2000),
// ArtPollReply (0x2100) and ArtSync (0x5200). ArtDmx lives in artdmx.hpp.
// Like ArtDmx, every packet is encoded byte by byte into a caller buffer;
// OpCodes are little-endian, every other 16-bit field big-endian unless the
// layout below says otherwise.
//
// ArtPoll (22 bytes; receivers must accept 12 or more, missing fields = 0):
//   0..7 ID, 8..9 OpCode, 10..11 ProtVer 14, 12 Flags, 13 DiagPriority,
//   14..15 TargetPortAddressTop, 16..17 TargetPortAddressBottom,
//   18..19 EstaMan, 20..21 Oem
//
// ArtPollReply (239 bytes; receivers must accept 198 or more):
//   0..7 ID, 8..9 OpCode, 10..13 IP, 14..15 Port 0x1936 (little-endian),
//   16..17 VersInfo, 18 NetSwitch, 19 SubSwitch, 20..21 Oem, 22 UbeaVersion,
//   23 Status1, 24..25 EstaMan (little-endian: Lo, Hi), 26..43 ShortName[18],
//   44..107 LongName[64], 108..171 NodeReport[64], 172..173 NumPorts,
//   174..177 PortTypes[4], 178..181 GoodInput[4], 182..185 GoodOutputA[4],
//   186..189 SwIn[4], 190..193 SwOut[4], 194 AcnPriority, 195 SwMacro,
//   196 SwRemote, 197..199 spare, 200 Style, 201..206 MAC, 207..210 BindIp,
//   211 BindIndex, 212 Status2, 213..216 GoodOutputB[4], 217 Status3,
//   218..223 DefaultRespUID, 224..225 User, 226..227 RefreshRate,
//   228..238 filler
//
// ArtSync (14 bytes): 0..7 ID, 8..9 OpCode, 10..11 ProtVer 14, 12 Aux1, 13 Aux2
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace lumina {

inline constexpr std::uint16_t kArtPollOpCode = 0x2000;
inline constexpr std::uint16_t kArtPollReplyOpCode = 0x2100;
inline constexpr std::uint16_t kArtSyncOpCode = 0x5200;

inline constexpr std::size_t kArtPollSize = 22;
inline constexpr std::size_t kArtPollMinSize = 12;
inline constexpr std::size_t kArtPollReplySize = 239;
inline constexpr std::size_t kArtPollReplyMinSize = 198;
inline constexpr std::size_t kArtSyncSize = 14;

// ArtPoll Flags bits.
inline constexpr std::uint8_t kArtPollFlagReplyOnChange = 0x02;  // send ArtPollReply when node conditions change
inline constexpr std::uint8_t kArtPollFlagDiagnostics = 0x04;    // send me diagnostics
inline constexpr std::uint8_t kArtPollFlagDiagUnicast = 0x08;    // diagnostics unicast (else broadcast)
inline constexpr std::uint8_t kArtPollFlagDisableVlc = 0x10;
inline constexpr std::uint8_t kArtPollFlagTargeted = 0x20;  // reply only if a port is within Top..Bottom

// ArtPollReply field values luminad uses.
inline constexpr std::uint8_t kArtStyleNode = 0x00;
inline constexpr std::uint8_t kArtStyleController = 0x01;       // StController: a console / show controller
inline constexpr std::uint8_t kArtPortTypeOutput = 0x80;         // PortTypes bit 7: outputs data from Art-Net
inline constexpr std::uint8_t kArtPortTypeInput = 0x40;          // PortTypes bit 6: inputs data onto Art-Net
inline constexpr std::uint8_t kArtGoodInputDataReceived = 0x80;  // GoodInput bit 7
inline constexpr std::uint8_t kArtStatus2PortAddress15Bit = 0x08;  // Status2 bit 3
inline constexpr std::uint16_t kArtNodeReportPowerOk = 0x0001;     // RcPowerOk

// ArtPoll contents (the ID, OpCode and version are implicit).
struct ArtPoll {
  std::uint16_t protocol_version = 14;
  std::uint8_t flags = 0;
  std::uint8_t diag_priority = 0;
  std::uint16_t target_top = 0;     // TargetPortAddressTop (targeted mode)
  std::uint16_t target_bottom = 0;  // TargetPortAddressBottom
  std::uint16_t esta_manufacturer = 0;
  std::uint16_t oem = 0;

  // True when a node with a port at `port_address` must answer this poll:
  // always, unless targeted mode restricts the range. RT-safe.
  [[nodiscard]] bool targets(std::uint16_t port_address) const noexcept {
    return (flags & kArtPollFlagTargeted) == 0 || (port_address >= target_bottom && port_address <= target_top);
  }
};

// Every ArtPollReply field. Strings are NUL-terminated within their arrays.
struct ArtPollReply {
  std::array<std::uint8_t, 4> ip{};  // network order: ip[0] is the first octet
  std::uint16_t port = 0x1936;
  std::uint16_t version_info = 0;
  std::uint8_t net_switch = 0;  // port-address bits 14..8
  std::uint8_t sub_switch = 0;  // port-address bits 7..4 (low nibble)
  std::uint16_t oem = 0;
  std::uint8_t ubea_version = 0;
  std::uint8_t status1 = 0;
  std::uint16_t esta_manufacturer = 0;
  std::array<char, 18> short_name{};
  std::array<char, 64> long_name{};
  std::array<char, 64> node_report{};
  std::uint16_t num_ports = 0;
  std::array<std::uint8_t, 4> port_types{};
  std::array<std::uint8_t, 4> good_input{};
  std::array<std::uint8_t, 4> good_output_a{};
  std::array<std::uint8_t, 4> sw_in{};   // port-address bits 3..0 of each input port
  std::array<std::uint8_t, 4> sw_out{};  // port-address bits 3..0 of each output port
  std::uint8_t acn_priority = 0;
  std::uint8_t sw_macro = 0;
  std::uint8_t sw_remote = 0;
  std::uint8_t style = kArtStyleNode;
  std::array<std::uint8_t, 6> mac{};
  std::array<std::uint8_t, 4> bind_ip{};
  std::uint8_t bind_index = 0;
  std::uint8_t status2 = 0;
  std::array<std::uint8_t, 4> good_output_b{};
  std::uint8_t status3 = 0;
  std::array<std::uint8_t, 6> default_responder_uid{};
  std::uint16_t user = 0;
  std::uint16_t refresh_rate = 0;

  // 15-bit port-address of output port i (0..3). RT-safe.
  [[nodiscard]] std::uint16_t output_port_address(std::size_t i) const noexcept {
    return static_cast<std::uint16_t>(((net_switch & 0x7FU) << 8) | ((sub_switch & 0x0FU) << 4) | (sw_out[i] & 0x0FU));
  }
  // 15-bit port-address of input port i (0..3). RT-safe.
  [[nodiscard]] std::uint16_t input_port_address(std::size_t i) const noexcept {
    return static_cast<std::uint16_t>(((net_switch & 0x7FU) << 8) | ((sub_switch & 0x0FU) << 4) | (sw_in[i] & 0x0FU));
  }
};

// Copies `text` into a fixed NUL-terminated field, truncating to N-1 bytes
// (never in the middle of a UTF-8 sequence) and zero-filling the rest.
// RT-safe: no allocation.
template <std::size_t N>
void set_artnet_string(std::array<char, N>& field, std::string_view text) noexcept {
  std::size_t length = text.size() < N - 1 ? text.size() : N - 1;
  // Back off continuation bytes (10xxxxxx) so a multi-byte character is not cut in half.
  if (length < text.size()) {
    while (length > 0 && (static_cast<unsigned char>(text[length]) & 0xC0U) == 0x80U) --length;
  }
  for (std::size_t i = 0; i < N; ++i) field[i] = i < length ? text[i] : '\0';
}

// The text of a NUL-terminated field (up to the first NUL). RT-safe.
template <std::size_t N>
[[nodiscard]] std::string_view artnet_string(const std::array<char, N>& field) noexcept {
  std::size_t length = 0;
  while (length < N && field[length] != '\0') ++length;
  return {field.data(), length};
}

// Writes a 22-byte ArtPoll. Returns kArtPollSize, or 0 when `out_size` is too
// small. RT-safe: no allocation, no syscalls.
[[nodiscard]] std::size_t encode_artpoll(const ArtPoll& poll, std::uint8_t* out, std::size_t out_size) noexcept;

// Decodes an ArtPoll of 12 or more bytes (missing fields read 0); nullopt for
// a wrong ID or OpCode, a version below 14, or a short datagram. RT-safe.
[[nodiscard]] std::optional<ArtPoll> parse_artpoll(const std::uint8_t* datagram, std::size_t size) noexcept;

// Writes a 239-byte ArtPollReply. Returns kArtPollReplySize, or 0 when
// `out_size` is too small. RT-safe: no allocation, no syscalls.
[[nodiscard]] std::size_t encode_artpollreply(const ArtPollReply& reply, std::uint8_t* out,
                                              std::size_t out_size) noexcept;

// Decodes an ArtPollReply of 198 or more bytes (missing fields read 0; every
// string is forced NUL-terminated); nullopt for a wrong ID or OpCode or a
// short datagram. ArtPollReply carries no protocol version. RT-safe.
[[nodiscard]] std::optional<ArtPollReply> parse_artpollreply(const std::uint8_t* datagram, std::size_t size) noexcept;

// Writes a 14-byte ArtSync (Aux1 = Aux2 = 0). Returns kArtSyncSize or 0 when
// `out_size` is too small. RT-safe.
[[nodiscard]] std::size_t encode_artsync(std::uint8_t* out, std::size_t out_size) noexcept;

// True for a valid ArtSync (ID, OpCode, version >= 14, 14 bytes or more). RT-safe.
[[nodiscard]] bool parse_artsync(const std::uint8_t* datagram, std::size_t size) noexcept;

// The OpCode of any Art-Net datagram (ID checked, 10 bytes or more), or 0. RT-safe.
[[nodiscard]] std::uint16_t artnet_opcode(const std::uint8_t* datagram, std::size_t size) noexcept;

// Formats a NodeReport: "#xxxx [yyyy] text" (status code in hex, reply
// counter in decimal modulo 10000), truncated to the 64-byte field.
// RT-safe: no allocation.
void format_node_report(std::array<char, 64>& field, std::uint16_t code, std::uint32_t counter,
                        std::string_view text) noexcept;

}  // namespace lumina
