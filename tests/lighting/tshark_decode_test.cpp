// Wireshark's own Art-Net and ACN dissectors judge DmxOutput's real output.
//
// DmxOutput sends every packet type it can produce (ArtDmx, ArtSync, ArtPoll,
// ArtPollReply, E1.31 data, sync and stream-terminated packets) over real
// UDP on 127.0.0.1 to test sockets. The datagrams received are written to a
// pcap file (raw IPv4 link type) exactly as they arrived; only the UDP ports
// in the synthetic headers are the protocols' well-known ones (6454, 5568),
// as on a real network, so tshark picks its dissectors by port. `tshark -r
// file -V` must then decode each frame as Art-Net or ACN without a single
// malformed-packet or expert error line. tshark missing is a failure, not a
// skip (scripts/setup installs it).
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "lumina/core/clock.hpp"
#include "lumina/lighting/artdmx.hpp"
#include "lumina/lighting/artnet_packets.hpp"
#include "lumina/lighting/dmx_output.hpp"
#include "lumina/lighting/sacn.hpp"

#include "lighting/udp_test_socket.hpp"

namespace lumina {
namespace {

using namespace std::chrono_literals;
using testing::Datagram;
using testing::UdpTestSocket;

struct CapturedPacket {
  std::vector<std::uint8_t> payload;
  std::uint16_t udp_port = 0;  // well-known port of the protocol
};

void put_le32(std::ofstream& out, std::uint32_t v) {
  const char bytes[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                         static_cast<char>(v >> 24)};
  out.write(bytes, 4);
}

void put_le16(std::ofstream& out, std::uint16_t v) {
  const char bytes[2] = {static_cast<char>(v), static_cast<char>(v >> 8)};
  out.write(bytes, 2);
}

// IPv4 header checksum (RFC 791): one's complement of the one's complement sum.
std::uint16_t ipv4_checksum(const std::uint8_t* header, std::size_t size) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < size; i += 2) sum += static_cast<std::uint32_t>((header[i] << 8) | header[i + 1]);
  while (sum >> 16) sum = (sum & 0xFFFFU) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// pcap (microsecond, little-endian) with LINKTYPE_RAW (101): each record is
// an IPv4 header, a UDP header and the datagram. 127.0.0.1 → 127.0.0.1, UDP
// checksum 0 ("not computed", legal for IPv4).
void write_pcap(const std::filesystem::path& path, const std::vector<CapturedPacket>& packets) {
  std::ofstream out(path, std::ios::binary);
  put_le32(out, 0xA1B2C3D4);  // magic
  put_le16(out, 2);           // version 2.4
  put_le16(out, 4);
  put_le32(out, 0);      // thiszone
  put_le32(out, 0);      // sigfigs
  put_le32(out, 65535);  // snaplen
  put_le32(out, 101);    // LINKTYPE_RAW
  std::uint32_t usec = 0;
  for (const CapturedPacket& p : packets) {
    const std::size_t udp_length = 8 + p.payload.size();
    const std::size_t total = 20 + udp_length;
    std::vector<std::uint8_t> frame(total, 0);
    frame[0] = 0x45;  // IPv4, 5-word header
    frame[2] = static_cast<std::uint8_t>(total >> 8);
    frame[3] = static_cast<std::uint8_t>(total);
    frame[6] = 0x40;  // don't fragment
    frame[8] = 64;    // TTL
    frame[9] = 17;    // UDP
    const std::array<std::uint8_t, 4> loopback = {127, 0, 0, 1};
    std::copy(loopback.begin(), loopback.end(), frame.begin() + 12);
    std::copy(loopback.begin(), loopback.end(), frame.begin() + 16);
    const std::uint16_t checksum = ipv4_checksum(frame.data(), 20);
    frame[10] = static_cast<std::uint8_t>(checksum >> 8);
    frame[11] = static_cast<std::uint8_t>(checksum);
    frame[20] = static_cast<std::uint8_t>(p.udp_port >> 8);  // source port
    frame[21] = static_cast<std::uint8_t>(p.udp_port);
    frame[22] = static_cast<std::uint8_t>(p.udp_port >> 8);  // destination port
    frame[23] = static_cast<std::uint8_t>(p.udp_port);
    frame[24] = static_cast<std::uint8_t>(udp_length >> 8);
    frame[25] = static_cast<std::uint8_t>(udp_length);
    std::copy(p.payload.begin(), p.payload.end(), frame.begin() + 28);

    put_le32(out, 1);  // seconds
    put_le32(out, usec += 1000);
    put_le32(out, static_cast<std::uint32_t>(total));
    put_le32(out, static_cast<std::uint32_t>(total));
    out.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
  }
}

// Runs a command, returning its exit status and stdout+stderr.
std::pair<int, std::string> run(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(TsharkDecode, ArtNetAndSacnOutputDecodesWithoutErrors) {
  const auto [version_status, version] = run("tshark --version");
  ASSERT_EQ(version_status, 0) << "tshark is required (scripts/setup installs it): " << version;

  UdpTestSocket artnet_sink;  // unicast ArtDmx/ArtSync target and the ArtPoll destination
  UdpTestSocket console;      // sends ArtPoll, receives ArtPollReply
  UdpTestSocket sacn_sink;
  Config::Dmx config;
  config.targets = {{"127.0.0.1", artnet_sink.port()}};
  config.artnet.bind = "127.0.0.1";
  config.artnet.port = testing::free_udp_port();
  config.artnet.discovery = true;
  config.artnet.poll_address = "127.0.0.1:" + std::to_string(artnet_sink.port());
  config.artnet.sync = true;
  config.sacn.enabled = true;
  config.sacn.multicast = false;
  config.sacn.unicast = {{"127.0.0.1", sacn_sink.port()}};
  config.sacn.sync_universe = 500;
  config.sacn.source_name = "luminad tshark test";
  DmxOutput output(config, generate_sacn_cid());
  ASSERT_NE(output.artnet_listen_port(), 0);

  DmxUniverseData data{};
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7);
  const std::vector<UniverseFrame> frames = {{0, &data}, {1, &data}, {0x0123, &data}, {0x7FFF, &data}};
  for (int tick = 0; tick < 3; ++tick) {
    output.send_artnet(frames);
    output.send_sacn(frames);
  }
  output.terminate_sacn(frames);

  std::vector<std::uint8_t> poll(kArtPollSize);
  ASSERT_EQ(encode_artpoll(ArtPoll{}, poll.data(), poll.size()), kArtPollSize);
  console.send_to(UdpTestSocket::loopback(output.artnet_listen_port()), poll);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (output.stats().replies_sent < 3 && std::chrono::steady_clock::now() < deadline) {
    output.service(monotonic_ns());  // the first call also sends our ArtPoll to artnet_sink
    std::this_thread::sleep_for(2ms);
  }
  ASSERT_GE(output.stats().replies_sent, 3U) << "4 universes in 3 Net/SubNet groups: 3 replies expected";

  std::vector<CapturedPacket> captured;
  std::size_t artnet_count = 0;
  std::size_t sacn_count = 0;
  for (const UdpTestSocket* socket : {&artnet_sink, &console}) {
    for (const Datagram& d : socket->drain(300ms)) {
      captured.push_back({d.bytes, kArtNetDefaultPort});
      ++artnet_count;
    }
  }
  std::vector<bool> is_sacn_sync;  // per captured frame
  for (const Datagram& d : sacn_sink.drain(300ms)) {
    is_sacn_sync.resize(captured.size(), false);
    is_sacn_sync.push_back(parse_sacn_sync(d.bytes.data(), d.bytes.size()).has_value());
    captured.push_back({d.bytes, kSacnPort});
    ++sacn_count;
  }
  // 3 ticks x (4 ArtDmx + 1 ArtSync) + 1 ArtPoll + 3 ArtPollReply.
  ASSERT_EQ(artnet_count, 3U * 5U + 1U + 3U);
  // 3 ticks x (4 data + 1 sync) + 4 x 3 terminated.
  ASSERT_EQ(sacn_count, 3U * 5U + 12U);

  const auto dir = std::filesystem::temp_directory_path() / ("lumina-tshark-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto pcap = dir / "output.pcap";
  write_pcap(pcap, captured);

  // Wireshark finds ACN only by a heuristic that is off by default, and its
  // E1.31 (Streaming DMX) layer is off by default too: turn both on.
  const std::string base = "tshark -n -r " + pcap.string() + " --enable-heuristic acn -o acn.dmx_enable:TRUE";
  const auto [fields_status, fields] = run(base + " -T fields -e frame.number -e frame.protocols");
  ASSERT_EQ(fields_status, 0) << fields;
  std::size_t artnet_frames = 0;
  std::size_t acn_frames = 0;
  std::size_t undecoded_syncs = 0;
  for (const std::string& line : lines_of(fields)) {
    std::size_t frame = 0;
    if (std::sscanf(line.c_str(), "%zu", &frame) != 1 || frame == 0 || frame > captured.size()) continue;
    const std::size_t index = frame - 1;
    if (index < artnet_count) {
      EXPECT_NE(line.find(":artnet"), std::string::npos) << "frame " << frame << " is not Art-Net: " << line;
      ++artnet_frames;
    } else if (line.find(":acn") != std::string::npos) {
      ++acn_frames;
    } else {
      // Wireshark 4.0's ACN dissector predates E1.31-2016's extended
      // (synchronization/discovery) root vector and leaves those frames as
      // plain data. Only sync frames may go undecoded; our own parser, which
      // the golden tests pin to the standard, has already accepted them.
      EXPECT_TRUE(index < is_sacn_sync.size() && is_sacn_sync[index]) << "frame " << frame << ": " << line;
      ++undecoded_syncs;
    }
  }
  EXPECT_EQ(artnet_frames, artnet_count) << fields;
  EXPECT_EQ(acn_frames + undecoded_syncs, sacn_count) << fields;
  EXPECT_GE(acn_frames, 3U * 4U + 12U) << "every E1.31 data packet decodes as ACN";
  if (undecoded_syncs != 0) {
    std::printf("note: this tshark does not dissect E1.31 synchronization packets (%zu left as data)\n",
                undecoded_syncs);
  }

  const auto [verbose_status, verbose] = run(base + " -V");
  ASSERT_EQ(verbose_status, 0) << verbose;
  std::vector<std::string> problems;
  for (const std::string& line : lines_of(verbose)) {
    if (line.find("Malformed") != std::string::npos || line.find("Expert Info (Error") != std::string::npos ||
        line.find("Expert Info (Warning") != std::string::npos) {
      problems.push_back(line);
    }
  }
  EXPECT_TRUE(problems.empty()) << "first problem: " << problems.front() << "\n\nfull decode:\n" << verbose;
  // The decode names what it saw (a sanity check that the dissectors ran).
  EXPECT_NE(verbose.find("ArtDMX"), std::string::npos);
  EXPECT_NE(verbose.find("ArtPollReply"), std::string::npos);
  EXPECT_NE(verbose.find("ArtSync"), std::string::npos);
  EXPECT_NE(verbose.find("luminad tshark test"), std::string::npos);

  if (HasFailure()) {
    std::printf("capture kept for inspection: %s\n", pcap.c_str());
  } else {
    std::filesystem::remove_all(dir);
  }
}

}  // namespace
}  // namespace lumina
