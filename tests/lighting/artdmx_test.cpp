#include "lumina/lighting/artdmx.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <numeric>
#include <vector>

namespace lumina {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes encode(std::uint16_t port_address, std::uint8_t sequence, const Bytes& data) {
  Bytes out(kArtDmxMaxPacketSize + 8, 0xEE);
  const std::size_t size = encode_artdmx(port_address, sequence, data.data(), data.size(), out.data(), out.size());
  out.resize(size);
  return out;
}

TEST(ArtDmxEncode, GoldenBytesForTwoChannels) {
  const Bytes expected = {'A', 'r', 't', '-', 'N', 'e', 't', 0x00,  // ID
                          0x00, 0x50,                                // OpCode 0x5000, little-endian
                          0x00, 0x0E,                                // ProtVer 14
                          0x07,                                      // Sequence
                          0x00,                                      // Physical
                          0x01, 0x00,                                // SubUni, Net
                          0x00, 0x02,                                // Length 2, big-endian
                          0xFF, 0x80};
  EXPECT_EQ(encode(1, 7, {0xFF, 0x80}), expected);
}

TEST(ArtDmxEncode, FullUniverseHasBigEndianLength512) {
  Bytes data(512);
  std::iota(data.begin(), data.end(), std::uint8_t{0});
  const Bytes packet = encode(0, 1, data);
  ASSERT_EQ(packet.size(), 530U);
  EXPECT_EQ(packet[16], 0x02);
  EXPECT_EQ(packet[17], 0x00);
  EXPECT_EQ(Bytes(packet.begin() + 18, packet.end()), data);
}

TEST(ArtDmxEncode, PortAddressSplitsIntoSubUniAndNet) {
  const Bytes packet = encode(0x1234, 1, {1, 2});
  ASSERT_EQ(packet.size(), 20U);
  EXPECT_EQ(packet[14], 0x34);  // SubUni: SubNet 3, Universe 4
  EXPECT_EQ(packet[15], 0x12);  // Net
  const Bytes top = encode(kArtNetMaxPortAddress, 1, {1, 2});
  ASSERT_EQ(top.size(), 20U);
  EXPECT_EQ(top[14], 0xFF);
  EXPECT_EQ(top[15], 0x7F);
}

TEST(ArtDmxEncode, OddLengthIsPaddedWithOneZero) {
  const Bytes expected = {'A', 'r', 't', '-', 'N', 'e', 't', 0x00, 0x00, 0x50, 0x00, 0x0E, 0x2A, 0x00,
                          0x05, 0x00, 0x00, 0x04, 0x0A, 0x0B, 0x0C, 0x00};
  EXPECT_EQ(encode(5, 42, {0x0A, 0x0B, 0x0C}), expected);
  const Bytes one = encode(0, 1, {0x99});
  ASSERT_EQ(one.size(), 20U);
  EXPECT_EQ(one[17], 2);
  EXPECT_EQ(one[18], 0x99);
  EXPECT_EQ(one[19], 0x00);
}

TEST(ArtDmxEncode, RejectsInvalidInputWithoutWriting) {
  std::array<std::uint8_t, kArtDmxMaxPacketSize + 2> out{};
  out.fill(0xEE);
  const Bytes data(513, 1);
  EXPECT_EQ(encode_artdmx(0, 1, data.data(), 0, out.data(), out.size()), 0U);
  EXPECT_EQ(encode_artdmx(0, 1, data.data(), 513, out.data(), out.size()), 0U);
  EXPECT_EQ(encode_artdmx(0x8000, 1, data.data(), 2, out.data(), out.size()), 0U);
  EXPECT_EQ(encode_artdmx(0, 1, data.data(), 4, out.data(), 21), 0U);  // needs 22
  EXPECT_EQ(encode_artdmx(0, 1, data.data(), 3, out.data(), 21), 0U);  // 3 pads to 4
  EXPECT_EQ(encode_artdmx(0, 1, data.data(), 4, out.data(), 22), 22U);
  for (std::size_t i = 22; i < out.size(); ++i) EXPECT_EQ(out[i], 0xEE) << i;
}

TEST(ArtDmxSequence, WrapsFrom255ToOneNeverZero) {
  EXPECT_EQ(next_artdmx_sequence(0), 1);
  EXPECT_EQ(next_artdmx_sequence(1), 2);
  EXPECT_EQ(next_artdmx_sequence(254), 255);
  EXPECT_EQ(next_artdmx_sequence(255), 1);
}

TEST(ArtDmxEncoder, SequenceRunsOneTo255AndWrapsToOne) {
  ArtDmxEncoder encoder(3);
  EXPECT_EQ(encoder.last_sequence(), 0);
  const std::array<std::uint8_t, 2> data{1, 2};
  std::array<std::uint8_t, kArtDmxMaxPacketSize> out{};
  std::vector<std::uint8_t> sequences;
  for (int i = 0; i < 600; ++i) {
    ASSERT_EQ(encoder.encode(data.data(), data.size(), out.data(), out.size()), 20U);
    ASSERT_NE(out[12], 0) << "packet " << i;
    EXPECT_EQ(out[12], encoder.last_sequence());
    sequences.push_back(out[12]);
  }
  EXPECT_EQ(sequences[0], 1);
  EXPECT_EQ(sequences[254], 255);
  EXPECT_EQ(sequences[255], 1);
  EXPECT_EQ(sequences[509], 255);
  EXPECT_EQ(sequences[510], 1);
  for (std::size_t i = 1; i < sequences.size(); ++i) EXPECT_EQ(sequences[i], next_artdmx_sequence(sequences[i - 1]));
}

TEST(ArtDmxEncoder, FailedEncodeDoesNotAdvanceSequence) {
  ArtDmxEncoder encoder(0);
  const std::array<std::uint8_t, 2> data{1, 2};
  std::array<std::uint8_t, kArtDmxMaxPacketSize> out{};
  ASSERT_EQ(encoder.encode(data.data(), data.size(), out.data(), out.size()), 20U);
  EXPECT_EQ(encoder.encode(data.data(), data.size(), out.data(), 10), 0U);
  EXPECT_EQ(encoder.last_sequence(), 1);
  ASSERT_EQ(encoder.encode(data.data(), data.size(), out.data(), out.size()), 20U);
  EXPECT_EQ(out[12], 2);
}

TEST(ArtDmxParse, RoundTripsEncodedPacket) {
  Bytes data(37);
  std::iota(data.begin(), data.end(), std::uint8_t{100});
  const Bytes packet = encode(0x0456, 200, data);
  const auto view = parse_artdmx(packet.data(), packet.size());
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->protocol_version, 14);
  EXPECT_EQ(view->sequence, 200);
  EXPECT_EQ(view->physical, 0);
  EXPECT_EQ(view->port_address, 0x0456);
  ASSERT_EQ(view->data.size(), 38U);  // padded to even
  EXPECT_TRUE(std::equal(data.begin(), data.end(), view->data.begin()));
  EXPECT_EQ(view->data.back(), 0);
  EXPECT_EQ(view->data.data(), packet.data() + 18);  // a view, not a copy
}

TEST(ArtDmxParse, AcceptsNewerProtocolVersionAndTrailingBytes) {
  Bytes packet = encode(1, 1, {5, 6});
  packet[11] = 15;
  packet.push_back(0xAB);
  const auto view = parse_artdmx(packet.data(), packet.size());
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->protocol_version, 15);
  EXPECT_EQ(view->data.size(), 2U);
}

TEST(ArtDmxParse, RejectsShortGarbageAndWrongFields) {
  const Bytes good = encode(1, 1, {5, 6, 7, 8});
  ASSERT_TRUE(parse_artdmx(good.data(), good.size()).has_value());

  EXPECT_FALSE(parse_artdmx(nullptr, 0).has_value());
  EXPECT_FALSE(parse_artdmx(good.data(), 0).has_value());
  EXPECT_FALSE(parse_artdmx(good.data(), 17).has_value());       // shorter than the header
  EXPECT_FALSE(parse_artdmx(good.data(), good.size() - 1).has_value());  // Length says 4, 3 present

  const Bytes garbage(64, 0x41);
  EXPECT_FALSE(parse_artdmx(garbage.data(), garbage.size()).has_value());

  const auto rejects = [&](std::size_t index, std::uint8_t value) {
    Bytes bad = good;
    bad[index] = value;
    return !parse_artdmx(bad.data(), bad.size()).has_value();
  };
  EXPECT_TRUE(rejects(0, 'a'));    // ID
  EXPECT_TRUE(rejects(7, '!'));    // ID terminator
  EXPECT_TRUE(rejects(9, 0x20));   // OpPoll (0x2000)
  EXPECT_TRUE(rejects(11, 13));    // protocol version 13
  EXPECT_TRUE(rejects(15, 0x80));  // port-address wider than 15 bits
  EXPECT_TRUE(rejects(16, 0x02));  // Length 0x0204 > 512
  EXPECT_TRUE(rejects(17, 0x00));  // Length 0

  // OpCode written big-endian (0x00 0x50 swapped) is not ArtDmx.
  Bytes swapped = good;
  swapped[8] = 0x50;
  swapped[9] = 0x00;
  EXPECT_FALSE(parse_artdmx(swapped.data(), swapped.size()).has_value());

  // A full universe claimed in a 20-byte datagram.
  Bytes lying = good;
  lying[16] = 0x02;
  lying[17] = 0x00;
  EXPECT_FALSE(parse_artdmx(lying.data(), lying.size()).has_value());
}

}  // namespace
}  // namespace lumina
