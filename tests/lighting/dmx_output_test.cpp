#include "lumina/lighting/dmx_output.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "lumina/core/clock.hpp"
#include "lumina/core/realtime.hpp"
#include "lumina/lighting/artdmx.hpp"
#include "lumina/lighting/artnet_packets.hpp"
#include "lumina/lighting/sacn.hpp"

#include "lighting/udp_test_socket.hpp"
#include "support/alloc_guard.hpp"

namespace lumina {
namespace {

using namespace std::chrono_literals;
using testing::Datagram;
using testing::UdpTestSocket;

constexpr auto kQuiet = 300ms;       // "nothing more is coming"
constexpr auto kWithin = 5000ms;     // generous bound for something that must arrive

const SacnCid kCid = {0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0x46, 0xA7,
                      0x88, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF};

// Art-Net only, no listening, no unicast targets: tests add what they need.
Config::Dmx quiet_config() {
  Config::Dmx dmx;
  dmx.targets.clear();
  dmx.artnet.port = 0;
  dmx.artnet.discovery = false;
  return dmx;
}

std::string loopback(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

DmxUniverseData pattern(std::uint8_t seed) {
  DmxUniverseData data{};
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(seed + i);
  return data;
}

// The views point into `datagrams`: keep them alive while using the views.
std::vector<ArtDmxView> artdmx_only(const std::vector<Datagram>& datagrams) {
  std::vector<ArtDmxView> out;
  for (const Datagram& d : datagrams) {
    if (auto view = parse_artdmx(d.bytes.data(), d.bytes.size())) out.push_back(*view);
  }
  return out;
}

// Calls service() until `done` holds or the deadline passes.
template <typename Done>
bool service_until(DmxOutput& output, Done done, std::chrono::milliseconds within = kWithin) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    output.service(monotonic_ns());
    if (done()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

TEST(DmxOutputArtNet, UnicastTargetsGetTheirUniversesWithPerUniverseSequences) {
  UdpTestSocket listed;    // universes 0 and 1 only
  UdpTestSocket everyone;  // no list: every universe
  UdpTestSocket legacy;    // dmx.targets: every universe
  Config::Dmx config = quiet_config();
  config.targets = {{"127.0.0.1", legacy.port()}};
  config.artnet.unicast = {{{"127.0.0.1", listed.port()}, {1, 0}}, {{"127.0.0.1", everyone.port()}, {}}};
  DmxOutput output(config, kCid);

  const DmxUniverseData a = pattern(0), b = pattern(50), c = pattern(100);
  const std::vector<UniverseFrame> frames = {{0, &a}, {1, &b}, {0x0123, &c}};
  for (int tick = 0; tick < 3; ++tick) output.send_artnet(frames);
  // A universe that joins later starts its own sequence at 1.
  const std::vector<UniverseFrame> late = {{1, &b}, {2, &a}};
  output.send_artnet(late);

  // The views point into the datagrams, so those stay alive.
  const auto listed_datagrams = listed.drain(kQuiet);
  const auto everyone_datagrams = everyone.drain(kQuiet);
  const auto legacy_datagrams = legacy.drain(kQuiet);
  const auto listed_packets = artdmx_only(listed_datagrams);
  const auto everyone_packets = artdmx_only(everyone_datagrams);
  const auto legacy_packets = artdmx_only(legacy_datagrams);
  ASSERT_EQ(listed_packets.size(), 7U);  // 3 x {0, 1} + 1
  ASSERT_EQ(everyone_packets.size(), 11U);
  ASSERT_EQ(legacy_packets.size(), 11U);

  std::map<std::uint16_t, std::vector<std::uint8_t>> sequences;
  for (const ArtDmxView& p : everyone_packets) {
    sequences[p.port_address].push_back(p.sequence);
    ASSERT_EQ(p.data.size(), 512U);
    const DmxUniverseData& expected = p.port_address == 1 ? b : (p.port_address == 0x0123 ? c : a);
    EXPECT_TRUE(std::equal(p.data.begin(), p.data.end(), expected.begin())) << "universe " << p.port_address;
  }
  EXPECT_EQ(sequences[0], (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ(sequences[1], (std::vector<std::uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ(sequences[0x0123], (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ(sequences[2], (std::vector<std::uint8_t>{1}));
  for (const ArtDmxView& p : listed_packets) EXPECT_TRUE(p.port_address == 0 || p.port_address == 1);

  const DmxOutputStats stats = output.stats();
  EXPECT_EQ(stats.artnet_packets, 29U);
  EXPECT_EQ(stats.artnet_bytes, 29U * 530U);
  EXPECT_EQ(stats.send_errors, 0U);
}

TEST(DmxOutputArtNet, SequenceWrapsFrom255ToOne) {
  UdpTestSocket receiver;
  Config::Dmx config = quiet_config();
  config.targets = {{"127.0.0.1", receiver.port()}};
  DmxOutput output(config, kCid);
  const DmxUniverseData data{};
  const std::vector<UniverseFrame> frames = {{7, &data}};
  std::vector<std::uint8_t> sequences;
  for (int i = 0; i < 257; ++i) {
    output.send_artnet(frames);
    const auto datagram = receiver.receive(kWithin);
    ASSERT_TRUE(datagram);
    if (i == 0) {
      // The wire bytes of the first ArtDmx header, exactly.
      const std::vector<std::uint8_t> header = {'A', 'r', 't', '-', 'N', 'e', 't', 0x00,  // ID
                                                0x00, 0x50,   // OpDmx, little-endian
                                                0x00, 0x0E,   // ProtVer 14
                                                0x01,         // Sequence 1
                                                0x00,         // Physical
                                                0x07, 0x00,   // SubUni 7, Net 0
                                                0x02, 0x00};  // Length 512, big-endian
      ASSERT_EQ(datagram->bytes.size(), 530U);
      EXPECT_EQ(std::vector<std::uint8_t>(datagram->bytes.begin(), datagram->bytes.begin() + 18), header);
    }
    const auto view = parse_artdmx(datagram->bytes.data(), datagram->bytes.size());
    ASSERT_TRUE(view);
    sequences.push_back(view->sequence);
  }
  EXPECT_EQ(sequences[0], 1);
  EXPECT_EQ(sequences[254], 255);
  EXPECT_EQ(sequences[255], 1);
  EXPECT_EQ(sequences[256], 2);
}

TEST(DmxOutputArtNet, ArtSyncFollowsEachBatch) {
  UdpTestSocket receiver;
  Config::Dmx config = quiet_config();
  config.targets = {{"127.0.0.1", receiver.port()}};
  config.artnet.sync = true;
  DmxOutput output(config, kCid);
  const DmxUniverseData data = pattern(1);
  const std::vector<UniverseFrame> frames = {{0, &data}, {1, &data}, {2, &data}};
  output.send_artnet(frames);
  output.send_artnet(frames);

  const auto datagrams = receiver.drain(kQuiet);
  ASSERT_EQ(datagrams.size(), 8U);
  for (std::size_t i = 0; i < datagrams.size(); ++i) {
    const bool is_sync = parse_artsync(datagrams[i].bytes.data(), datagrams[i].bytes.size());
    EXPECT_EQ(is_sync, i == 3 || i == 7) << "datagram " << i;
  }
  EXPECT_EQ(output.stats().artnet_syncs, 2U);
}

TEST(DmxOutputArtNet, FramesWithoutDataOrOutOfRangeAreSkipped) {
  UdpTestSocket receiver;
  Config::Dmx config = quiet_config();
  config.targets = {{"127.0.0.1", receiver.port()}};
  DmxOutput output(config, kCid);
  const DmxUniverseData data{};
  const std::vector<UniverseFrame> frames = {{0, nullptr}, {0x8000, &data}, {3, &data}};
  output.send_artnet(frames);
  const auto datagrams = receiver.drain(kQuiet);
  const auto packets = artdmx_only(datagrams);
  ASSERT_EQ(packets.size(), 1U);
  EXPECT_EQ(packets[0].port_address, 3);
  EXPECT_EQ(output.stats().frames_skipped, 2U);
}

Config::Dmx listening_config(std::uint16_t port) {
  Config::Dmx config = quiet_config();
  config.artnet.bind = "127.0.0.1";
  config.artnet.port = port;
  config.artnet.short_name = "luminad-test";
  config.artnet.long_name = "luminad output stage test";
  return config;
}

std::vector<std::uint8_t> artpoll_bytes(const ArtPoll& poll) {
  std::vector<std::uint8_t> bytes(kArtPollSize);
  bytes.resize(encode_artpoll(poll, bytes.data(), bytes.size()));
  return bytes;
}

TEST(DmxOutputDiscovery, ArtPollIsAnsweredWithArtPollReplies) {
  DmxOutput output(listening_config(testing::free_udp_port()), kCid);
  ASSERT_NE(output.artnet_listen_port(), 0);
  UdpTestSocket console;
  const sockaddr_in luminad = UdpTestSocket::loopback(output.artnet_listen_port());

  // Before any universe is sent: one reply, no ports.
  console.send_to(luminad, artpoll_bytes(ArtPoll{}));
  ASSERT_TRUE(service_until(output, [&] { return output.stats().replies_sent >= 1; }));
  auto datagram = console.receive(kWithin);
  ASSERT_TRUE(datagram);
  auto reply = parse_artpollreply(datagram->bytes.data(), datagram->bytes.size());
  ASSERT_TRUE(reply);
  EXPECT_EQ(datagram->bytes.size(), kArtPollReplySize);
  EXPECT_EQ(reply->ip, (std::array<std::uint8_t, 4>{127, 0, 0, 1}));
  EXPECT_EQ(reply->port, 0x1936);
  EXPECT_EQ(reply->num_ports, 0);
  EXPECT_EQ(reply->style, kArtStyleController);
  EXPECT_EQ(artnet_string(reply->short_name), "luminad-test");
  EXPECT_EQ(artnet_string(reply->long_name), "luminad output stage test");
  EXPECT_EQ(artnet_string(reply->node_report).substr(0, 7), "#0001 [");
  EXPECT_TRUE(reply->status2 & kArtStatus2PortAddress15Bit);
  EXPECT_EQ(reply->bind_index, 1);

  // Three universes in two Net/SubNet groups: two replies, BindIndex 1 and 2.
  const DmxUniverseData data{};
  const std::vector<UniverseFrame> frames = {{0x0101, &data}, {0x0102, &data}, {0x0110, &data}};
  output.send_artnet(frames);
  console.send_to(luminad, artpoll_bytes(ArtPoll{}));
  ASSERT_TRUE(service_until(output, [&] { return output.stats().replies_sent >= 3; }));
  std::vector<ArtPollReply> replies;
  while (auto d = console.receive(kQuiet)) {
    if (auto r = parse_artpollreply(d->bytes.data(), d->bytes.size())) replies.push_back(*r);
  }
  ASSERT_EQ(replies.size(), 2U);
  EXPECT_EQ(replies[0].bind_index, 1);
  EXPECT_EQ(replies[0].num_ports, 2);
  EXPECT_EQ(replies[0].input_port_address(0), 0x0101);
  EXPECT_EQ(replies[0].input_port_address(1), 0x0102);
  EXPECT_EQ(replies[0].port_types[0], kArtPortTypeInput);
  EXPECT_EQ(replies[0].port_types[2], 0);
  EXPECT_EQ(replies[1].bind_index, 2);
  EXPECT_EQ(replies[1].num_ports, 1);
  EXPECT_EQ(replies[1].input_port_address(0), 0x0110);
  EXPECT_EQ(replies[1].bind_ip, replies[1].ip);

  // A targeted poll for 0x0110 only gets the second group.
  ArtPoll targeted;
  targeted.flags = kArtPollFlagTargeted;
  targeted.target_bottom = 0x0110;
  targeted.target_top = 0x0110;
  console.send_to(luminad, artpoll_bytes(targeted));
  ASSERT_TRUE(service_until(output, [&] { return output.stats().replies_sent >= 4; }));
  replies.clear();
  while (auto d = console.receive(kQuiet)) {
    if (auto r = parse_artpollreply(d->bytes.data(), d->bytes.size())) replies.push_back(*r);
  }
  ASSERT_EQ(replies.size(), 1U);
  EXPECT_EQ(replies[0].bind_index, 2);
  EXPECT_EQ(output.stats().polls_received, 3U);
}

TEST(DmxOutputDiscovery, DiscoveredNodeReceivesTheUniversesItSubscribesTo) {
  UdpTestSocket node;
  Config::Dmx config = listening_config(testing::free_udp_port());
  config.artnet.discovery = true;
  config.artnet.poll_address = loopback(node.port());
  config.artnet.sync = true;
  DmxOutput output(config, kCid);
  ASSERT_NE(output.artnet_listen_port(), 0);

  // The first service() polls at once.
  output.service(monotonic_ns());
  const auto poll_datagram = node.receive(kWithin);
  ASSERT_TRUE(poll_datagram);
  const auto poll = parse_artpoll(poll_datagram->bytes.data(), poll_datagram->bytes.size());
  ASSERT_TRUE(poll);
  EXPECT_EQ(poll_datagram->bytes.size(), kArtPollSize);
  EXPECT_EQ(poll_datagram->from_port(), output.artnet_listen_port()) << "ArtPoll goes out from the Art-Net port";

  // The node answers: outputs on Net 0 SubNet 0 universes 3 and 4, data to its own port.
  ArtPollReply reply;
  reply.ip = {127, 0, 0, 1};
  reply.port = node.port();
  reply.num_ports = 2;
  reply.port_types = {kArtPortTypeOutput, kArtPortTypeOutput, 0, 0};
  reply.sw_out = {3, 4, 0, 0};
  set_artnet_string(reply.short_name, "test node");
  set_artnet_string(reply.long_name, "a node on loopback");
  std::vector<std::uint8_t> reply_bytes(kArtPollReplySize);
  ASSERT_EQ(encode_artpollreply(reply, reply_bytes.data(), reply_bytes.size()), kArtPollReplySize);
  node.send_to(poll_datagram->from, reply_bytes);
  ASSERT_TRUE(service_until(output, [&] { return output.stats().nodes_known == 1; }));

  const auto nodes = output.nodes();
  ASSERT_EQ(nodes.size(), 1U);
  EXPECT_EQ(nodes[0].ip, 0x7F000001U);
  EXPECT_EQ(nodes[0].data_port, node.port());
  EXPECT_EQ(nodes[0].output_count, 2);
  EXPECT_STREQ(nodes[0].short_name.data(), "test node");

  const DmxUniverseData data = pattern(9);
  const std::vector<UniverseFrame> frames = {{2, &data}, {3, &data}, {4, &data}, {0x0103, &data}};
  output.send_artnet(frames);
  std::vector<std::uint16_t> universes;
  int syncs = 0;
  for (const Datagram& d : node.drain(kQuiet)) {
    if (auto view = parse_artdmx(d.bytes.data(), d.bytes.size())) universes.push_back(view->port_address);
    if (parse_artsync(d.bytes.data(), d.bytes.size())) ++syncs;
  }
  EXPECT_EQ(universes, (std::vector<std::uint16_t>{3, 4}));
  EXPECT_EQ(syncs, 1) << "the node got ArtDmx this batch, so it gets the ArtSync";
  const DmxOutputStats stats = output.stats();
  EXPECT_EQ(stats.polls_sent, 1U);
  EXPECT_EQ(stats.replies_received, 1U);

  // Silent for more than 10 s: the node is forgotten and gets no more data
  // (service() also polls again, which the node sees but does not answer).
  output.service(monotonic_ns() + kArtNetNodeExpiryNs + 1'000'000'000);
  EXPECT_EQ(output.stats().nodes_known, 0U);
  EXPECT_TRUE(output.nodes().empty());
  EXPECT_EQ(output.stats().polls_sent, 2U);
  output.send_artnet(frames);
  const auto after = node.drain(kQuiet);
  ASSERT_EQ(after.size(), 1U);
  EXPECT_TRUE(parse_artpoll(after[0].bytes.data(), after[0].bytes.size()));
}

TEST(DmxOutputArtNet, BroadcastGetsEveryUniverseAndTheSync) {
  UdpTestSocket broadcast;  // stands in for 2.255.255.255 (same code path, loopback delivery)
  UdpTestSocket unicast;
  Config::Dmx config = quiet_config();
  config.artnet.broadcast = loopback(broadcast.port());
  config.artnet.unicast = {{{"127.0.0.1", unicast.port()}, {1}}};
  config.artnet.sync = true;
  DmxOutput output(config, kCid);
  const DmxUniverseData data{};
  const std::vector<UniverseFrame> frames = {{0, &data}, {1, &data}};
  output.send_artnet(frames);
  const auto on_broadcast = broadcast.drain(kQuiet);
  ASSERT_EQ(on_broadcast.size(), 3U);  // ArtDmx 0, ArtDmx 1, ArtSync
  EXPECT_TRUE(parse_artsync(on_broadcast[2].bytes.data(), on_broadcast[2].bytes.size()));
  // With a broadcast address the ArtSync is broadcast only, not repeated per unicast target.
  const auto on_unicast = unicast.drain(kQuiet);
  ASSERT_EQ(on_unicast.size(), 1U);
  EXPECT_TRUE(parse_artdmx(on_unicast[0].bytes.data(), on_unicast[0].bytes.size()));
}

TEST(DmxOutputDiscovery, OwnPollIsAnsweredButOwnReplyIsNotANode) {
  const std::uint16_t port = testing::free_udp_port();
  Config::Dmx config = listening_config(port);
  config.artnet.discovery = true;
  config.artnet.poll_address = loopback(port);  // poll ourselves, as a broadcast poll would
  DmxOutput output(config, kCid);
  ASSERT_EQ(output.artnet_listen_port(), port);
  ASSERT_TRUE(service_until(output, [&] { return output.stats().replies_sent >= 1; }));
  // Give our reply time to come back, then let service() read it.
  std::this_thread::sleep_for(100ms);
  output.service(monotonic_ns());
  const DmxOutputStats stats = output.stats();
  EXPECT_EQ(stats.polls_sent, 1U);
  EXPECT_EQ(stats.polls_received, 1U);
  EXPECT_EQ(stats.replies_received, 0U);
  EXPECT_EQ(stats.nodes_known, 0U);
  EXPECT_TRUE(output.nodes().empty());
}

TEST(DmxOutputDiscovery, BindFailureLeavesSendingWorking) {
  UdpTestSocket receiver;
  Config::Dmx config = quiet_config();
  config.artnet.bind = "192.0.2.1";  // TEST-NET-1: not an address of this machine
  config.artnet.port = testing::free_udp_port();
  config.targets = {{"127.0.0.1", receiver.port()}};
  DmxOutput output(config, kCid);
  EXPECT_EQ(output.artnet_listen_port(), 0);
  const DmxUniverseData data{};
  const std::vector<UniverseFrame> frames = {{0, &data}};
  output.send_artnet(frames);
  EXPECT_EQ(artdmx_only(receiver.drain(kQuiet)).size(), 1U);
}

TEST(DmxOutputConfig, UnresolvableHostNamesTheKey) {
  Config::Dmx config = quiet_config();
  config.artnet.unicast = {{{"no-such-host.invalid", 6454}, {}}};
  try {
    DmxOutput output(config, kCid);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("dmx.artnet.unicast[0].target"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no-such-host.invalid"), std::string::npos) << e.what();
  }
}

Config::Dmx sacn_config(std::uint16_t port) {
  Config::Dmx config = quiet_config();
  config.artnet.enabled = false;
  config.sacn.enabled = true;
  config.sacn.multicast = false;
  config.sacn.unicast = {{"127.0.0.1", port}};
  config.sacn.priority = 150;
  config.sacn.source_name = "luminad sACN test";
  return config;
}

TEST(DmxOutputSacn, UnicastPacketsCarrySequencePriorityNameAndCid) {
  UdpTestSocket receiver;
  DmxOutput output(sacn_config(receiver.port()), kCid);
  const DmxUniverseData a = pattern(3), b = pattern(4);
  const std::vector<UniverseFrame> frames = {{0, &a}, {9, &b}};
  for (int tick = 0; tick < 3; ++tick) output.send_sacn(frames);
  output.send_artnet(frames);  // Art-Net disabled: nothing

  std::map<std::uint16_t, std::vector<std::uint8_t>> sequences;
  const auto datagrams = receiver.drain(kQuiet);
  ASSERT_EQ(datagrams.size(), 6U);
  for (const Datagram& d : datagrams) {
    const auto view = parse_sacn_data(d.bytes.data(), d.bytes.size());
    ASSERT_TRUE(view);
    EXPECT_EQ(d.bytes.size(), 638U);
    EXPECT_EQ(view->header.cid, kCid);
    EXPECT_EQ(view->header.priority, 150);
    EXPECT_STREQ(view->header.source_name.data(), "luminad sACN test");
    EXPECT_EQ(view->header.options, 0);
    EXPECT_EQ(view->header.sync_address, 0);
    const DmxUniverseData& expected = view->header.universe == 1 ? a : b;
    EXPECT_TRUE(std::equal(view->slots.begin(), view->slots.end(), expected.begin()));
    sequences[view->header.universe].push_back(view->header.sequence);
  }
  EXPECT_EQ(sequences[1], (std::vector<std::uint8_t>{0, 1, 2}));   // universe 0 + offset 1
  EXPECT_EQ(sequences[10], (std::vector<std::uint8_t>{0, 1, 2}));  // universe 9 + offset 1

  output.terminate_sacn(frames);
  const auto terminated = receiver.drain(kQuiet);
  ASSERT_EQ(terminated.size(), 6U);
  std::map<std::uint16_t, std::vector<std::uint8_t>> term_sequences;
  for (const Datagram& d : terminated) {
    const auto view = parse_sacn_data(d.bytes.data(), d.bytes.size());
    ASSERT_TRUE(view);
    EXPECT_EQ(view->header.options & kSacnOptionStreamTerminated, kSacnOptionStreamTerminated);
    term_sequences[view->header.universe].push_back(view->header.sequence);
  }
  EXPECT_EQ(term_sequences[1], (std::vector<std::uint8_t>{3, 4, 5}));
  EXPECT_EQ(term_sequences[10], (std::vector<std::uint8_t>{3, 4, 5}));
  EXPECT_EQ(output.stats().sacn_packets, 12U);
  EXPECT_EQ(output.stats().artnet_packets, 0U);
}

TEST(DmxOutputSacn, SyncUniverseAddsASyncPacketAfterEachBatch) {
  UdpTestSocket receiver;
  Config::Dmx config = sacn_config(receiver.port());
  config.sacn.sync_universe = 1000;
  config.sacn.universe_offset = 100;
  config.sacn.cid = "01234567-89ab-cdef-fedc-ba9876543210";  // overrides the daemon's CID
  DmxOutput output(config, kCid);
  const DmxUniverseData data{};
  const std::vector<UniverseFrame> frames = {{0, &data}, {1, &data}};
  output.send_sacn(frames);
  output.send_sacn(frames);
  const auto datagrams = receiver.drain(kQuiet);
  ASSERT_EQ(datagrams.size(), 6U);
  const SacnCid config_cid = *parse_sacn_cid(config.sacn.cid);
  std::vector<std::uint8_t> sync_sequences;
  for (std::size_t i = 0; i < datagrams.size(); ++i) {
    const auto& bytes = datagrams[i].bytes;
    if (i == 2 || i == 5) {
      const auto sync = parse_sacn_sync(bytes.data(), bytes.size());
      ASSERT_TRUE(sync) << "datagram " << i;
      EXPECT_EQ(sync->sync_address, 1000);
      EXPECT_EQ(sync->cid, config_cid);
      sync_sequences.push_back(sync->sequence);
    } else {
      const auto view = parse_sacn_data(bytes.data(), bytes.size());
      ASSERT_TRUE(view) << "datagram " << i;
      EXPECT_EQ(view->header.sync_address, 1000);
      EXPECT_EQ(view->header.universe, i % 3 == 0 ? 100 : 101);
      EXPECT_EQ(view->header.cid, config_cid);
    }
  }
  EXPECT_EQ(sync_sequences, (std::vector<std::uint8_t>{0, 1}));
  EXPECT_EQ(output.stats().sacn_syncs, 2U);
}

// A receiver joined to 239.255.0.<universe> on the loopback interface, the
// way an sACN node on this machine listens. Port 5568 is shared (SO_REUSEADDR).
class MulticastReceiver {
 public:
  explicit MulticastReceiver(std::uint16_t sacn_universe) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(sacn_multicast_group(sacn_universe));
    address.sin_port = htons(kSacnPort);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
      throw std::runtime_error("bind 5568 failed");
    }
    ip_mreq membership{};
    membership.imr_multiaddr.s_addr = htonl(sacn_multicast_group(sacn_universe));
    membership.imr_interface.s_addr = htonl(INADDR_LOOPBACK);
    if (::setsockopt(fd_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &membership, sizeof(membership)) != 0) {
      throw std::runtime_error("IP_ADD_MEMBERSHIP failed");
    }
  }
  ~MulticastReceiver() { ::close(fd_); }
  MulticastReceiver(const MulticastReceiver&) = delete;
  MulticastReceiver& operator=(const MulticastReceiver&) = delete;

  // sACN data packets of `universe` that arrive within `quiet` of each other.
  std::vector<std::uint8_t> sequences(std::uint16_t universe, std::chrono::milliseconds quiet) const {
    std::vector<std::uint8_t> out;
    for (;;) {
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(quiet.count())) <= 0) return out;
      std::array<std::uint8_t, 1500> buffer{};
      const ssize_t size = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (size <= 0) continue;
      const auto view = parse_sacn_data(buffer.data(), static_cast<std::size_t>(size));
      if (view && view->header.universe == universe) out.push_back(view->header.sequence);
    }
  }

 private:
  int fd_ = -1;
};

TEST(DmxOutputSacn, MulticastReachesTheUniverseGroup) {
  // Universe 0x3A7 + 1: an unusual group, so nothing else on the machine is on it.
  const std::uint16_t art_universe = 0x03A7;
  const auto sacn_universe = static_cast<std::uint16_t>(art_universe + 1);
  MulticastReceiver receiver(sacn_universe);
  Config::Dmx config = quiet_config();
  config.artnet.enabled = false;
  config.sacn.enabled = true;
  config.sacn.multicast = true;
  config.sacn.interface_address = "127.0.0.1";
  DmxOutput output(config, kCid);
  const DmxUniverseData data = pattern(5);
  const std::vector<UniverseFrame> frames = {{art_universe, &data}};
  output.send_sacn(frames);
  output.send_sacn(frames);
  EXPECT_EQ(receiver.sequences(sacn_universe, kQuiet), (std::vector<std::uint8_t>{0, 1}));
  EXPECT_EQ(output.stats().send_errors, 0U);
}

TEST(DmxOutputRealtime, TickPathsNeverAllocate) {
  UdpTestSocket artnet_receiver, sacn_receiver, console;
  Config::Dmx config = listening_config(testing::free_udp_port());
  config.targets = {{"127.0.0.1", artnet_receiver.port()}};
  config.artnet.sync = true;
  config.artnet.discovery = true;
  config.artnet.poll_address = loopback(console.port());
  config.sacn.enabled = true;
  config.sacn.multicast = false;
  config.sacn.unicast = {{"127.0.0.1", sacn_receiver.port()}};
  config.sacn.sync_universe = 5;
  DmxOutput output(config, kCid);
  ASSERT_NE(output.artnet_listen_port(), 0);
  std::vector<DmxUniverseData> universes(64);
  std::vector<UniverseFrame> frames;
  for (std::uint16_t u = 0; u < universes.size(); ++u) frames.push_back({u, &universes[u]});
  console.send_to(UdpTestSocket::loopback(output.artnet_listen_port()), artpoll_bytes(ArtPoll{}));

  const std::uint64_t before = testing::realtime_heap_operations();
  {
    RealtimeScope realtime;
    for (int tick = 0; tick < 10; ++tick) {
      output.send_artnet(frames);
      output.send_sacn(frames);
      output.service(monotonic_ns());
    }
    output.terminate_sacn(frames);
  }
  EXPECT_EQ(testing::realtime_heap_operations(), before);
  EXPECT_GE(output.stats().artnet_packets, 640U);
  EXPECT_GE(output.stats().polls_sent, 1U);
}

}  // namespace
}  // namespace lumina
