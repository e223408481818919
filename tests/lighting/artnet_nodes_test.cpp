#include "lumina/lighting/artnet_nodes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace lumina {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

// A reply from a node with `outputs` output ports on Net/SubNet `net`/`sub`.
ArtPollReply node_reply(std::uint8_t net, std::uint8_t sub, std::vector<std::uint8_t> outputs,
                        std::uint8_t bind_index = 1) {
  ArtPollReply r;
  r.net_switch = net;
  r.sub_switch = sub;
  r.bind_index = bind_index;
  set_artnet_string(r.short_name, "node");
  set_artnet_string(r.long_name, "a test node");
  r.num_ports = static_cast<std::uint16_t>(outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    r.port_types[i] = kArtPortTypeOutput;
    r.sw_out[i] = outputs[i];
  }
  return r;
}

std::vector<std::uint32_t> subscribers(const ArtNetNodeTable& table, std::uint16_t universe) {
  std::vector<std::uint32_t> ips;
  table.for_each_subscriber(universe, [&](const ArtNetNodeInfo& node) { ips.push_back(node.ip); });
  return ips;
}

TEST(ArtNetNodeTable, RecordsOutputPortAddresses) {
  ArtNetNodeTable table;
  EXPECT_TRUE(table.update(node_reply(1, 2, {0, 5}), 0x0A000001, 0));
  ASSERT_EQ(table.size(), 1U);
  EXPECT_EQ(subscribers(table, 0x0120), std::vector<std::uint32_t>{0x0A000001});
  EXPECT_EQ(subscribers(table, 0x0125), std::vector<std::uint32_t>{0x0A000001});
  EXPECT_TRUE(subscribers(table, 0x0121).empty());
  EXPECT_TRUE(subscribers(table, 0x0020).empty());
  const ArtNetNodeInfo& node = table.slots()[0];
  EXPECT_EQ(node.output_count, 2);
  EXPECT_EQ(node.data_port, 6454);
  EXPECT_STREQ(node.short_name.data(), "node");
  EXPECT_STREQ(node.long_name.data(), "a test node");
}

TEST(ArtNetNodeTable, InputOnlyPortsAreNotSubscriptions) {
  ArtNetNodeTable table;
  ArtPollReply r = node_reply(0, 0, {});
  r.num_ports = 1;
  r.port_types[0] = kArtPortTypeInput;
  r.sw_in[0] = 3;
  EXPECT_TRUE(table.update(r, 0x0A000002, 0));
  EXPECT_EQ(table.size(), 1U);
  EXPECT_TRUE(subscribers(table, 3).empty());
}

TEST(ArtNetNodeTable, RefreshIsNotAChangeButNewPortsAre) {
  ArtNetNodeTable table;
  EXPECT_TRUE(table.update(node_reply(0, 0, {1}), 0x0A000001, 0));
  EXPECT_FALSE(table.update(node_reply(0, 0, {1}), 0x0A000001, kSecond));
  EXPECT_EQ(table.slots()[0].last_seen_ns, kSecond);
  EXPECT_TRUE(table.update(node_reply(0, 0, {2}), 0x0A000001, 2 * kSecond));
  EXPECT_EQ(table.size(), 1U);
  EXPECT_TRUE(subscribers(table, 1).empty());
  EXPECT_EQ(subscribers(table, 2).size(), 1U);
}

TEST(ArtNetNodeTable, BoundNodesOnOneIpGetOneCopy) {
  ArtNetNodeTable table;
  // Two bind indexes of one 8-port gateway, both outputting universe 0.
  table.update(node_reply(0, 0, {0, 1, 2, 3}, 1), 0x0A000001, 0);
  table.update(node_reply(0, 0, {0, 4, 5, 6}, 2), 0x0A000001, 0);
  table.update(node_reply(0, 0, {0}, 1), 0x0A000002, 0);
  EXPECT_EQ(table.size(), 3U);
  EXPECT_EQ(subscribers(table, 0), (std::vector<std::uint32_t>{0x0A000001, 0x0A000002}));
  EXPECT_EQ(subscribers(table, 5), std::vector<std::uint32_t>{0x0A000001});
}

TEST(ArtNetNodeTable, ExpiresSilentNodes) {
  ArtNetNodeTable table;
  table.update(node_reply(0, 0, {1}), 0x0A000001, 0);
  table.update(node_reply(0, 0, {1}), 0x0A000002, 5 * kSecond);
  EXPECT_EQ(table.expire(9 * kSecond), 0U);
  EXPECT_EQ(table.expire(10 * kSecond + 1), 1U);
  EXPECT_EQ(table.size(), 1U);
  EXPECT_EQ(subscribers(table, 1), std::vector<std::uint32_t>{0x0A000002});
  EXPECT_EQ(table.expire(16 * kSecond), 1U);
  EXPECT_EQ(table.size(), 0U);
}

TEST(ArtNetNodeTable, FullTableReplacesTheLeastRecentlySeen) {
  ArtNetNodeTable table;
  for (std::uint32_t i = 0; i < kArtNetNodeCapacity; ++i) {
    table.update(node_reply(0, 0, {1}), 0x0A000000 + i, 100 + static_cast<std::int64_t>(i));
  }
  EXPECT_EQ(table.size(), kArtNetNodeCapacity);
  table.update(node_reply(0, 0, {1}), 0x0A000000, 1000);  // refresh the oldest; now .1 is oldest
  EXPECT_TRUE(table.update(node_reply(0, 0, {2}), 0x0B000000, 2000));
  EXPECT_EQ(table.size(), kArtNetNodeCapacity);
  const auto ones = subscribers(table, 1);
  EXPECT_EQ(ones.size(), kArtNetNodeCapacity - 1);
  EXPECT_EQ(std::count(ones.begin(), ones.end(), 0x0A000001U), 0);
  EXPECT_EQ(std::count(ones.begin(), ones.end(), 0x0A000000U), 1);
  EXPECT_EQ(subscribers(table, 2), std::vector<std::uint32_t>{0x0B000000});
}

TEST(ArtNetNodeTable, ReplyPortFieldChoosesTheDataPort) {
  ArtNetNodeTable table;
  ArtPollReply r = node_reply(0, 0, {1});
  r.port = 40000;
  table.update(r, 0x7F000001, 0);
  EXPECT_EQ(table.slots()[0].data_port, 40000);
  r.port = 0;
  table.update(r, 0x7F000001, 1);
  EXPECT_EQ(table.slots()[0].data_port, 6454);
}

}  // namespace
}  // namespace lumina
