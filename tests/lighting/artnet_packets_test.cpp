#include "lumina/lighting/artnet_packets.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "lumina/lighting/artdmx.hpp"

namespace lumina {
namespace {

using Bytes = std::vector<std::uint8_t>;

void append(Bytes& out, std::initializer_list<std::uint8_t> bytes) { out.insert(out.end(), bytes); }

// A fixed-width NUL-padded text field.
void append_text(Bytes& out, const std::string& text, std::size_t width) {
  for (std::size_t i = 0; i < width; ++i) out.push_back(i < text.size() ? static_cast<std::uint8_t>(text[i]) : 0);
}

const Bytes kArtNetId = {'A', 'r', 't', '-', 'N', 'e', 't', 0x00};

TEST(ArtPollEncode, GoldenBytes) {
  ArtPoll poll;
  poll.flags = kArtPollFlagReplyOnChange;
  poll.diag_priority = 0x10;
  poll.target_top = 0x1234;
  poll.target_bottom = 0x0102;
  poll.esta_manufacturer = 0x7FF0;
  poll.oem = 0x00FF;
  Bytes expected = kArtNetId;
  append(expected, {0x00, 0x20,    // OpCode OpPoll 0x2000, little-endian
                    0x00, 0x0E,    // ProtVer 14, big-endian
                    0x02,          // Flags: reply on change
                    0x10,          // DiagPriority DpLow
                    0x12, 0x34,    // TargetPortAddressTop, big-endian
                    0x01, 0x02,    // TargetPortAddressBottom
                    0x7F, 0xF0,    // EstaMan Hi, Lo
                    0x00, 0xFF});  // Oem Hi, Lo
  Bytes out(64, 0xEE);
  ASSERT_EQ(encode_artpoll(poll, out.data(), out.size()), kArtPollSize);
  out.resize(kArtPollSize);
  EXPECT_EQ(out, expected);
  EXPECT_EQ(encode_artpoll(poll, out.data(), kArtPollSize - 1), 0U);
}

TEST(ArtPollParse, RoundTripAndShortPackets) {
  ArtPoll poll;
  poll.flags = kArtPollFlagTargeted | kArtPollFlagReplyOnChange;
  poll.target_top = 20;
  poll.target_bottom = 10;
  poll.oem = 0xABCD;
  Bytes out(kArtPollSize);
  ASSERT_EQ(encode_artpoll(poll, out.data(), out.size()), kArtPollSize);
  const auto parsed = parse_artpoll(out.data(), out.size());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->flags, poll.flags);
  EXPECT_EQ(parsed->target_top, 20);
  EXPECT_EQ(parsed->target_bottom, 10);
  EXPECT_EQ(parsed->oem, 0xABCD);
  EXPECT_TRUE(parsed->targets(10));
  EXPECT_TRUE(parsed->targets(20));
  EXPECT_FALSE(parsed->targets(21));
  EXPECT_FALSE(parsed->targets(9));

  // An Art-Net 3 era 14-byte poll: the missing fields read zero.
  const auto old = parse_artpoll(out.data(), 14);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->target_top, 0);
  EXPECT_EQ(old->oem, 0);
  // 12 bytes is the minimum the spec requires receivers to accept.
  EXPECT_TRUE(parse_artpoll(out.data(), 12));
  EXPECT_FALSE(parse_artpoll(out.data(), 11));
}

TEST(ArtPollParse, RejectsWrongIdOpcodeOrVersion) {
  Bytes good(kArtPollSize);
  ASSERT_EQ(encode_artpoll(ArtPoll{}, good.data(), good.size()), kArtPollSize);
  Bytes bad_id = good;
  bad_id[7] = 'x';
  EXPECT_FALSE(parse_artpoll(bad_id.data(), bad_id.size()));
  Bytes bad_op = good;
  bad_op[9] = 0x21;  // OpPollReply
  EXPECT_FALSE(parse_artpoll(bad_op.data(), bad_op.size()));
  Bytes old_version = good;
  old_version[11] = 13;
  EXPECT_FALSE(parse_artpoll(old_version.data(), old_version.size()));
  EXPECT_FALSE(parse_artpoll(nullptr, 22));
}

ArtPollReply sample_reply() {
  ArtPollReply r;
  r.ip = {192, 168, 1, 20};
  r.port = 0x1936;
  r.version_info = 0x0102;
  r.net_switch = 0x05;
  r.sub_switch = 0x03;
  r.oem = 0x00FF;
  r.ubea_version = 0;
  r.status1 = 0xD0;
  r.esta_manufacturer = 0x7FF0;
  set_artnet_string(r.short_name, "luminad");
  set_artnet_string(r.long_name, "luminad audio-reactive lighting");
  format_node_report(r.node_report, kArtNodeReportPowerOk, 42, "luminad running");
  r.num_ports = 2;
  r.port_types = {0x40, 0x40, 0x00, 0x00};
  r.good_input = {0x80, 0x80, 0x00, 0x00};
  r.good_output_a = {0, 0, 0, 0};
  r.sw_in = {0x00, 0x01, 0x00, 0x00};
  r.sw_out = {0, 0, 0, 0};
  r.acn_priority = 100;
  r.style = kArtStyleController;
  r.mac = {0x02, 0x00, 0x00, 0xAA, 0xBB, 0xCC};
  r.bind_ip = {192, 168, 1, 20};
  r.bind_index = 1;
  r.status2 = kArtStatus2PortAddress15Bit;
  r.good_output_b = {0xC0, 0, 0, 0};
  r.status3 = 0x08;
  r.default_responder_uid = {1, 2, 3, 4, 5, 6};
  r.user = 0xBEEF;
  r.refresh_rate = 44;
  return r;
}

TEST(ArtPollReplyEncode, GoldenBytes) {
  Bytes expected = kArtNetId;                     // 0..7   ID
  append(expected, {0x00, 0x21});                 // 8..9   OpPollReply 0x2100, little-endian
  append(expected, {192, 168, 1, 20});            // 10..13 IP address
  append(expected, {0x36, 0x19});                 // 14..15 Port 0x1936, little-endian
  append(expected, {0x01, 0x02});                 // 16..17 VersInfo Hi, Lo
  append(expected, {0x05, 0x03});                 // 18 NetSwitch, 19 SubSwitch
  append(expected, {0x00, 0xFF});                 // 20..21 Oem Hi, Lo
  append(expected, {0x00});                       // 22 UbeaVersion
  append(expected, {0xD0});                       // 23 Status1
  append(expected, {0xF0, 0x7F});                 // 24..25 EstaMan Lo, Hi
  append_text(expected, "luminad", 18);           // 26..43 ShortName
  append_text(expected, "luminad audio-reactive lighting", 64);  // 44..107 LongName
  append_text(expected, "#0001 [0042] luminad running", 64);     // 108..171 NodeReport
  append(expected, {0x00, 0x02});                 // 172..173 NumPorts Hi, Lo
  append(expected, {0x40, 0x40, 0x00, 0x00});     // 174..177 PortTypes: two Art-Net inputs, DMX512
  append(expected, {0x80, 0x80, 0x00, 0x00});     // 178..181 GoodInput: data received
  append(expected, {0x00, 0x00, 0x00, 0x00});     // 182..185 GoodOutputA
  append(expected, {0x00, 0x01, 0x00, 0x00});     // 186..189 SwIn
  append(expected, {0x00, 0x00, 0x00, 0x00});     // 190..193 SwOut
  append(expected, {100});                        // 194 AcnPriority
  append(expected, {0x00, 0x00});                 // 195 SwMacro, 196 SwRemote
  append(expected, {0x00, 0x00, 0x00});           // 197..199 spare
  append(expected, {0x01});                       // 200 Style StController
  append(expected, {0x02, 0x00, 0x00, 0xAA, 0xBB, 0xCC});  // 201..206 MAC
  append(expected, {192, 168, 1, 20});            // 207..210 BindIp
  append(expected, {0x01});                       // 211 BindIndex
  append(expected, {0x08});                       // 212 Status2: 15-bit port-addresses
  append(expected, {0xC0, 0x00, 0x00, 0x00});     // 213..216 GoodOutputB
  append(expected, {0x08});                       // 217 Status3
  append(expected, {1, 2, 3, 4, 5, 6});           // 218..223 DefaultRespUID
  append(expected, {0xBE, 0xEF});                 // 224..225 User Hi, Lo
  append(expected, {0x00, 44});                   // 226..227 RefreshRate Hi, Lo
  append(expected, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});  // 228..238 filler
  ASSERT_EQ(expected.size(), 239U);

  Bytes out(300, 0xEE);
  ASSERT_EQ(encode_artpollreply(sample_reply(), out.data(), out.size()), kArtPollReplySize);
  out.resize(kArtPollReplySize);
  EXPECT_EQ(out, expected);
  EXPECT_EQ(encode_artpollreply(sample_reply(), out.data(), 238), 0U);
}

TEST(ArtPollReplyParse, RoundTripsEveryField) {
  const ArtPollReply original = sample_reply();
  Bytes out(kArtPollReplySize);
  ASSERT_EQ(encode_artpollreply(original, out.data(), out.size()), kArtPollReplySize);
  const auto parsed = parse_artpollreply(out.data(), out.size());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->ip, original.ip);
  EXPECT_EQ(parsed->port, 0x1936);
  EXPECT_EQ(parsed->version_info, 0x0102);
  EXPECT_EQ(parsed->net_switch, 5);
  EXPECT_EQ(parsed->sub_switch, 3);
  EXPECT_EQ(parsed->oem, 0x00FF);
  EXPECT_EQ(parsed->status1, 0xD0);
  EXPECT_EQ(parsed->esta_manufacturer, 0x7FF0);
  EXPECT_EQ(artnet_string(parsed->short_name), "luminad");
  EXPECT_EQ(artnet_string(parsed->long_name), "luminad audio-reactive lighting");
  EXPECT_EQ(artnet_string(parsed->node_report), "#0001 [0042] luminad running");
  EXPECT_EQ(parsed->num_ports, 2);
  EXPECT_EQ(parsed->port_types, original.port_types);
  EXPECT_EQ(parsed->good_input, original.good_input);
  EXPECT_EQ(parsed->sw_in, original.sw_in);
  EXPECT_EQ(parsed->acn_priority, 100);
  EXPECT_EQ(parsed->style, kArtStyleController);
  EXPECT_EQ(parsed->mac, original.mac);
  EXPECT_EQ(parsed->bind_ip, original.bind_ip);
  EXPECT_EQ(parsed->bind_index, 1);
  EXPECT_EQ(parsed->status2, 0x08);
  EXPECT_EQ(parsed->good_output_b, original.good_output_b);
  EXPECT_EQ(parsed->status3, 0x08);
  EXPECT_EQ(parsed->default_responder_uid, original.default_responder_uid);
  EXPECT_EQ(parsed->user, 0xBEEF);
  EXPECT_EQ(parsed->refresh_rate, 44);
  EXPECT_EQ(parsed->input_port_address(1), 0x0531);
}

TEST(ArtPollReplyParse, ShortRepliesReadMissingFieldsAsZero) {
  Bytes out(kArtPollReplySize);
  ASSERT_EQ(encode_artpollreply(sample_reply(), out.data(), out.size()), kArtPollReplySize);
  // 207 bytes: an Art-Net II era reply that ends after the MAC address.
  const auto parsed = parse_artpollreply(out.data(), 207);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->style, kArtStyleController);
  EXPECT_EQ(parsed->bind_ip, (std::array<std::uint8_t, 4>{}));
  EXPECT_EQ(parsed->bind_index, 0);
  EXPECT_EQ(parsed->status2, 0);
  EXPECT_TRUE(parse_artpollreply(out.data(), kArtPollReplyMinSize));
  EXPECT_FALSE(parse_artpollreply(out.data(), kArtPollReplyMinSize - 1));
}

TEST(ArtPollReplyParse, RejectsWrongIdOrOpcodeAndTerminatesStrings) {
  Bytes out(kArtPollReplySize);
  ASSERT_EQ(encode_artpollreply(sample_reply(), out.data(), out.size()), kArtPollReplySize);
  Bytes bad_op = out;
  bad_op[9] = 0x20;
  EXPECT_FALSE(parse_artpollreply(bad_op.data(), bad_op.size()));
  Bytes bad_id = out;
  bad_id[0] = 'a';
  EXPECT_FALSE(parse_artpollreply(bad_id.data(), bad_id.size()));
  // A sender that fills ShortName with no NUL still yields a 17-character string.
  Bytes full = out;
  for (std::size_t i = 26; i < 44; ++i) full[i] = 'X';
  const auto parsed = parse_artpollreply(full.data(), full.size());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(artnet_string(parsed->short_name), std::string(17, 'X'));
}

TEST(ArtPollReply, OutputPortAddressCombinesNetSubAndSwOut) {
  ArtPollReply r;
  r.net_switch = 0x7F;
  r.sub_switch = 0x0F;
  r.sw_out = {0x0F, 0x00, 0x01, 0x02};
  EXPECT_EQ(r.output_port_address(0), 0x7FFF);
  EXPECT_EQ(r.output_port_address(1), 0x7FF0);
  r.net_switch = 0x01;
  r.sub_switch = 0x02;
  EXPECT_EQ(r.output_port_address(3), 0x0122);
}

TEST(ArtSyncEncode, GoldenBytes) {
  Bytes expected = kArtNetId;
  append(expected, {0x00, 0x52,    // OpSync 0x5200, little-endian
                    0x00, 0x0E,    // ProtVer 14
                    0x00, 0x00});  // Aux1, Aux2
  Bytes out(32, 0xEE);
  ASSERT_EQ(encode_artsync(out.data(), out.size()), kArtSyncSize);
  out.resize(kArtSyncSize);
  EXPECT_EQ(out, expected);
  EXPECT_TRUE(parse_artsync(out.data(), out.size()));
  EXPECT_FALSE(parse_artsync(out.data(), 13));
  out[8] = 0x00;
  out[9] = 0x50;  // OpDmx
  EXPECT_FALSE(parse_artsync(out.data(), out.size()));
  EXPECT_EQ(artnet_opcode(out.data(), out.size()), kArtDmxOpCode);
}

TEST(ArtNetStrings, TruncateOnUtf8BoundaryAndZeroFill) {
  std::array<char, 18> field;
  field.fill('Z');
  set_artnet_string(field, "abc");
  EXPECT_EQ(artnet_string(field), "abc");
  for (std::size_t i = 3; i < field.size(); ++i) EXPECT_EQ(field[i], '\0');
  // 16 ASCII bytes then a 2-byte character: the character would end at byte
  // 18, past the 17 usable bytes, so it is dropped whole.
  set_artnet_string(field, std::string(16, 'a') + "\xC3\xA9");
  EXPECT_EQ(artnet_string(field), std::string(16, 'a'));
}

TEST(NodeReport, FormatsCodeAndCounter) {
  std::array<char, 64> field{};
  format_node_report(field, 0x0001, 12345, "ok");
  EXPECT_EQ(artnet_string(field), "#0001 [2345] ok");
  format_node_report(field, 0xabcd, 7, std::string(100, 'x'));
  EXPECT_EQ(artnet_string(field).size(), 63U);
  EXPECT_EQ(artnet_string(field).substr(0, 14), "#abcd [0007] x");
}

}  // namespace
}  // namespace lumina
