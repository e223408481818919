#include "lumina/lighting/sacn.hpp"
#include "lumina/lighting/sacn_cid_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <numeric>
#include <string>
#include <vector>

namespace lumina {
namespace {

using Bytes = std::vector<std::uint8_t>;

void append(Bytes& out, std::initializer_list<std::uint8_t> bytes) { out.insert(out.end(), bytes); }

const SacnCid kCid = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
                      0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10};

SacnDataHeader sample_header() {
  SacnDataHeader h;
  h.cid = kCid;
  set_sacn_source_name(h.source_name, "luminad");
  h.priority = 100;
  h.sync_address = 7;
  h.sequence = 0x2A;
  h.options = kSacnOptionStreamTerminated;
  h.universe = 0x0102;
  return h;
}

Bytes encode_data(const SacnDataHeader& header, const Bytes& slots) {
  Bytes out(kSacnMaxDataPacketSize + 8, 0xEE);
  out.resize(encode_sacn_data(header, slots.data(), slots.size(), out.data(), out.size()));
  return out;
}

TEST(SacnDataEncode, GoldenBytesForFourSlots) {
  Bytes expected;
  // Root layer
  append(expected, {0x00, 0x10});  // Preamble Size
  append(expected, {0x00, 0x00});  // Postamble Size
  append(expected, {0x41, 0x53, 0x43, 0x2D, 0x45, 0x31, 0x2E, 0x31, 0x37, 0x00, 0x00, 0x00});  // "ASC-E1.17"
  append(expected, {0x70, 0x72});  // Flags 0x7, length 130 - 16 = 114
  append(expected, {0x00, 0x00, 0x00, 0x04});  // VECTOR_ROOT_E131_DATA
  expected.insert(expected.end(), kCid.begin(), kCid.end());  // CID
  // Framing layer
  append(expected, {0x70, 0x5C});  // Flags 0x7, length 130 - 38 = 92
  append(expected, {0x00, 0x00, 0x00, 0x02});  // VECTOR_E131_DATA_PACKET
  const std::string name = "luminad";
  for (std::size_t i = 0; i < 64; ++i) expected.push_back(i < name.size() ? static_cast<std::uint8_t>(name[i]) : 0);
  append(expected, {100});         // Priority
  append(expected, {0x00, 0x07});  // Synchronization Address
  append(expected, {0x2A});        // Sequence Number
  append(expected, {0x40});        // Options: Stream_Terminated
  append(expected, {0x01, 0x02});  // Universe 258
  // DMP layer
  append(expected, {0x70, 0x0F});  // Flags 0x7, length 130 - 115 = 15
  append(expected, {0x02});        // VECTOR_DMP_SET_PROPERTY
  append(expected, {0xA1});        // Address Type & Data Type
  append(expected, {0x00, 0x00});  // First Property Address
  append(expected, {0x00, 0x01});  // Address Increment
  append(expected, {0x00, 0x05});  // Property value count: START code + 4 slots
  append(expected, {0x00});        // DMX512 START code
  append(expected, {0x11, 0x22, 0x33, 0xFF});  // slots
  ASSERT_EQ(expected.size(), 130U);
  EXPECT_EQ(encode_data(sample_header(), {0x11, 0x22, 0x33, 0xFF}), expected);
}

TEST(SacnDataEncode, FullUniverseHasSpecLengths) {
  Bytes slots(512);
  std::iota(slots.begin(), slots.end(), std::uint8_t{0});
  const Bytes packet = encode_data(sample_header(), slots);
  ASSERT_EQ(packet.size(), 638U);
  EXPECT_EQ(packet[16], 0x72);  // root: 638 - 16 = 622 = 0x26E
  EXPECT_EQ(packet[17], 0x6E);
  EXPECT_EQ(packet[38], 0x72);  // framing: 600 = 0x258
  EXPECT_EQ(packet[39], 0x58);
  EXPECT_EQ(packet[115], 0x72);  // DMP: 523 = 0x20B
  EXPECT_EQ(packet[116], 0x0B);
  EXPECT_EQ(packet[123], 0x02);  // 513 properties
  EXPECT_EQ(packet[124], 0x01);
  EXPECT_EQ(Bytes(packet.begin() + 126, packet.end()), slots);
}

TEST(SacnDataEncode, RejectsBadArguments) {
  const Bytes slots(512, 1);
  SacnDataHeader h = sample_header();
  Bytes out(kSacnMaxDataPacketSize);
  h.universe = 0;
  EXPECT_EQ(encode_sacn_data(h, slots.data(), 512, out.data(), out.size()), 0U);
  h.universe = 64000;
  EXPECT_EQ(encode_sacn_data(h, slots.data(), 512, out.data(), out.size()), 0U);
  h.universe = 63999;
  EXPECT_EQ(encode_sacn_data(h, slots.data(), 512, out.data(), out.size()), 638U);
  h.priority = 201;
  EXPECT_EQ(encode_sacn_data(h, slots.data(), 512, out.data(), out.size()), 0U);
  h.priority = 200;
  EXPECT_EQ(encode_sacn_data(h, slots.data(), 0, out.data(), out.size()), 0U);
  EXPECT_EQ(encode_sacn_data(h, slots.data(), 513, out.data(), out.size()), 0U);
  EXPECT_EQ(encode_sacn_data(h, slots.data(), 512, out.data(), 637), 0U);
}

TEST(SacnDataParse, RoundTrip) {
  Bytes slots(512);
  std::iota(slots.begin(), slots.end(), std::uint8_t{3});
  const Bytes packet = encode_data(sample_header(), slots);
  const auto view = parse_sacn_data(packet.data(), packet.size());
  ASSERT_TRUE(view);
  EXPECT_EQ(view->header.cid, kCid);
  EXPECT_STREQ(view->header.source_name.data(), "luminad");
  EXPECT_EQ(view->header.priority, 100);
  EXPECT_EQ(view->header.sync_address, 7);
  EXPECT_EQ(view->header.sequence, 0x2A);
  EXPECT_EQ(view->header.options, kSacnOptionStreamTerminated);
  EXPECT_EQ(view->header.universe, 0x0102);
  EXPECT_EQ(view->header.start_code, 0);
  EXPECT_EQ(Bytes(view->slots.begin(), view->slots.end()), slots);
}

TEST(SacnDataParse, RejectsMalformedPackets) {
  const Bytes good = encode_data(sample_header(), Bytes(512, 9));
  ASSERT_TRUE(parse_sacn_data(good.data(), good.size()));
  const auto corrupt = [&](std::size_t offset, std::uint8_t value) {
    Bytes b = good;
    b[offset] = value;
    return parse_sacn_data(b.data(), b.size()).has_value();
  };
  EXPECT_FALSE(corrupt(1, 0x11));    // preamble
  EXPECT_FALSE(corrupt(4, 'B'));     // identifier
  EXPECT_FALSE(corrupt(17, 0x6F));   // root length
  EXPECT_FALSE(corrupt(21, 0x08));   // root vector
  EXPECT_FALSE(corrupt(39, 0x57));   // framing length
  EXPECT_FALSE(corrupt(43, 0x01));   // framing vector
  EXPECT_FALSE(corrupt(108, 201));   // priority > 200
  EXPECT_FALSE(corrupt(113, 0xFA));  // universe 64002
  EXPECT_FALSE(corrupt(116, 0x0C));  // DMP length
  EXPECT_FALSE(corrupt(117, 0x01));  // DMP vector
  EXPECT_FALSE(corrupt(118, 0xA0));  // address type
  EXPECT_FALSE(corrupt(122, 0x02));  // increment
  EXPECT_FALSE(corrupt(124, 0x00));  // property count
  // Truncated: the lengths no longer match.
  EXPECT_FALSE(parse_sacn_data(good.data(), good.size() - 1));
  EXPECT_FALSE(parse_sacn_data(good.data(), 125));
  EXPECT_FALSE(parse_sacn_data(nullptr, 638));
}

TEST(SacnSyncEncode, GoldenBytes) {
  Bytes expected;
  append(expected, {0x00, 0x10, 0x00, 0x00});  // Preamble, Postamble
  append(expected, {0x41, 0x53, 0x43, 0x2D, 0x45, 0x31, 0x2E, 0x31, 0x37, 0x00, 0x00, 0x00});
  append(expected, {0x70, 0x21});              // Flags 0x7, length 49 - 16 = 33
  append(expected, {0x00, 0x00, 0x00, 0x08});  // VECTOR_ROOT_E131_EXTENDED
  expected.insert(expected.end(), kCid.begin(), kCid.end());
  append(expected, {0x70, 0x0B});              // Flags 0x7, length 49 - 38 = 11
  append(expected, {0x00, 0x00, 0x00, 0x01});  // VECTOR_E131_EXTENDED_SYNCHRONIZATION
  append(expected, {0x05});                    // Sequence Number
  append(expected, {0xF9, 0xFF});              // Synchronization Address 63999
  append(expected, {0x00, 0x00});              // Reserved
  ASSERT_EQ(expected.size(), 49U);

  Bytes out(64, 0xEE);
  ASSERT_EQ(encode_sacn_sync({kCid, 5, 63999}, out.data(), out.size()), kSacnSyncPacketSize);
  out.resize(kSacnSyncPacketSize);
  EXPECT_EQ(out, expected);

  const auto parsed = parse_sacn_sync(out.data(), out.size());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->cid, kCid);
  EXPECT_EQ(parsed->sequence, 5);
  EXPECT_EQ(parsed->sync_address, 63999);
  Bytes bad = out;
  bad[43] = 0x02;
  EXPECT_FALSE(parse_sacn_sync(bad.data(), bad.size()));
  EXPECT_FALSE(parse_sacn_sync(out.data(), 48));
  EXPECT_EQ(encode_sacn_sync({kCid, 5, 0}, out.data(), 64), 0U);
}

TEST(SacnMulticast, GroupIs239255HiLo) {
  EXPECT_EQ(sacn_multicast_group(1), 0xEFFF0001U);      // 239.255.0.1
  EXPECT_EQ(sacn_multicast_group(0x0102), 0xEFFF0102U);  // 239.255.1.2
  EXPECT_EQ(sacn_multicast_group(63999), 0xEFFFF9FFU);  // 239.255.249.255
  EXPECT_EQ(sacn_multicast_group(0), 0U);
  EXPECT_EQ(sacn_multicast_group(64000), 0U);
}

TEST(SacnCidText, ParseFormatRoundTrip) {
  const auto cid = parse_sacn_cid("01234567-89ab-CDEF-fedc-ba9876543210");
  ASSERT_TRUE(cid);
  EXPECT_EQ(*cid, kCid);
  EXPECT_EQ(format_sacn_cid(kCid), "01234567-89ab-cdef-fedc-ba9876543210");
  EXPECT_FALSE(parse_sacn_cid(""));
  EXPECT_FALSE(parse_sacn_cid("0123456789ab-cdef-fedc-ba9876543210"));   // missing hyphen
  EXPECT_FALSE(parse_sacn_cid("01234567-89ab-cdef-fedc-ba987654321g"));  // not hex
  EXPECT_FALSE(parse_sacn_cid("01234567-89ab-cdef-fedc-ba98765432100"));  // too long
}

TEST(SacnCidText, GeneratedCidsAreVersion4AndDistinct) {
  const SacnCid a = generate_sacn_cid();
  const SacnCid b = generate_sacn_cid();
  EXPECT_NE(a, b);
  EXPECT_EQ(a[6] >> 4, 4);         // version 4
  EXPECT_EQ(a[8] & 0xC0, 0x80);    // RFC 4122 variant
  EXPECT_EQ(parse_sacn_cid(format_sacn_cid(a)), a);
}

TEST(SacnSourceName, TruncatesOnUtf8Boundary) {
  std::array<char, kSacnSourceNameSize> field;
  field.fill('Z');
  set_sacn_source_name(field, "Bühne");
  EXPECT_STREQ(field.data(), "Bühne");
  EXPECT_EQ(field[63], '\0');
  set_sacn_source_name(field, std::string(62, 'a') + "\xC3\xBC");  // ü would need bytes 62..63
  EXPECT_EQ(std::string(field.data()), std::string(62, 'a'));
}

class SacnCidStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("lumina-sacn-cid-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(SacnCidStore, CreatesOnceThenKeepsTheSameCid) {
  const auto path = sacn_cid_path(dir_);
  ASSERT_FALSE(std::filesystem::exists(path));
  const SacnCid first = load_or_create_sacn_cid(path);
  ASSERT_TRUE(std::filesystem::exists(path));
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, format_sacn_cid(first));
  EXPECT_EQ(load_or_create_sacn_cid(path), first);
  EXPECT_EQ(first[6] >> 4, 4);
}

TEST_F(SacnCidStore, ReadsAHandWrittenCidAndRejectsGarbage) {
  const auto path = sacn_cid_path(dir_);
  std::ofstream(path) << "01234567-89AB-cdef-fedc-ba9876543210\n";
  EXPECT_EQ(load_or_create_sacn_cid(path), kCid);
  std::ofstream(path) << "not a uuid\n";
  try {
    (void)load_or_create_sacn_cid(path);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("holds no UUID"), std::string::npos) << e.what();
  }
  // The bad file is left for the operator to look at, not silently replaced.
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "not a uuid");
}

}  // namespace
}  // namespace lumina
