#include "lumina/lighting/dmx_thread.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "lumina/core/clock.hpp"
#include "lumina/core/realtime.hpp"
#include "lumina/lighting/artdmx.hpp"
#include "lumina/lighting/sacn.hpp"
#include "lumina/lighting/show_renderer.hpp"

#include "support/alloc_guard.hpp"
#include "udp_test_socket.hpp"

namespace lumina {
namespace {

using namespace std::chrono_literals;

struct Packet {
  std::uint8_t sequence = 0;
  std::uint16_t port_address = 0;
  std::vector<std::uint8_t> data;

  [[nodiscard]] bool all_zero() const {
    return std::all_of(data.begin(), data.end(), [](std::uint8_t v) { return v == 0; });
  }
  // 1-based DMX channel.
  [[nodiscard]] std::uint8_t channel(std::size_t ch) const { return data.at(ch - 1); }
};

// ArtDmx packets of one universe arriving on a loopback socket (every
// receive has a timeout).
class Receiver {
 public:
  [[nodiscard]] std::uint16_t port() const { return socket_.port(); }
  [[nodiscard]] ArtNetTarget target() const { return {"127.0.0.1", socket_.port()}; }
  // Only packets of this universe are returned; others are counted and skipped.
  void watch_universe(std::uint16_t universe) { universe_ = universe; }
  [[nodiscard]] std::uint64_t other_universe_packets() const { return others_; }

  // The next valid ArtDmx packet of the watched universe, or nullopt when none
  // arrives within `timeout`.
  std::optional<Packet> receive(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() < 0) return std::nullopt;
      const auto datagram = socket_.receive(left);
      if (!datagram) return std::nullopt;
      const auto view = parse_artdmx(datagram->bytes.data(), datagram->bytes.size());
      if (!view) {
        ADD_FAILURE() << "received a datagram that is not ArtDmx (" << datagram->bytes.size() << " bytes)";
        continue;
      }
      if (view->port_address != universe_) {
        ++others_;
        continue;
      }
      return Packet{view->sequence, view->port_address, {view->data.begin(), view->data.end()}};
    }
  }

  // Everything that arrives until the socket stays quiet for `quiet`.
  std::vector<Packet> drain(std::chrono::milliseconds quiet) {
    std::vector<Packet> packets;
    while (auto packet = receive(quiet)) packets.push_back(std::move(*packet));
    return packets;
  }

 private:
  testing::UdpTestSocket socket_;
  std::uint16_t universe_ = 0;
  std::uint64_t others_ = 0;
};

constexpr auto kPacketTimeout = 2000ms;

// A show that lays the analysis out on dimmers d1..d5 of `universe`
// (channels 1..5: band 0, band 1, band 2, energy, peak), with instant attack
// and release so a frame shows up on the next tick unchanged.
std::unique_ptr<ShowRenderer> band_show(std::uint16_t universe) {
  nlohmann::json show = {{"fixtures", nlohmann::json::array()}, {"scenes", nlohmann::json::array()}};
  nlohmann::json effects = nlohmann::json::array();
  const char* features[] = {"band:0", "band:1", "band:2", "energy", "peak"};
  for (int i = 0; i < 5; ++i) {
    const std::string id = "d" + std::to_string(i + 1);
    show["fixtures"].push_back({{"id", id}, {"profile", "dimmer"}, {"universe", universe}, {"address", i + 1}});
    effects.push_back({{"type", "level"}, {"group", id}, {"feature", features[i]}, {"attack", 0}, {"release", 0}});
  }
  show["scenes"].push_back({{"name", "bands"}, {"effects", effects}});
  show["scenes"].push_back({{"name", "full"}, {"effects", {{{"type", "static"}, {"level", 1.0}}}}});
  return std::make_unique<ShowRenderer>(compile_show(parse_show(show), 1));
}

DmxThread::Options options_for(const Receiver& receiver, std::uint32_t fps, bool blackout) {
  DmxThread::Options options;
  options.dmx.fps = fps;
  options.dmx.targets = {receiver.target()};
  options.dmx.blackout_on_exit = blackout;
  options.dmx.artnet.port = 0;  // no listening socket: tests run side by side
  options.dmx.artnet.discovery = false;
  options.realtime_priority = false;
  return options;
}

AnalysisFrame test_frame() {
  AnalysisFrame frame;
  frame.band_count = 3;
  frame.bands[0] = 1.0F;
  frame.bands[1] = 0.5F;
  frame.bands[2] = 0.0F;
  frame.energy = 0.25F;
  frame.peak = 1.0F;
  frame.captured_ns = monotonic_ns();
  return frame;
}

// Receives until `predicate` holds for a packet (or the deadline passes).
template <typename Predicate>
std::optional<Packet> receive_until(Receiver& receiver, Predicate predicate, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    auto packet = receiver.receive(kPacketTimeout);
    if (!packet) return std::nullopt;
    if (predicate(*packet)) return packet;
  }
  return std::nullopt;
}

TEST(DmxThread, SendsBandChannelsWithConsecutiveSequenceNumbers) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  frames.store(test_frame());
  receiver.watch_universe(0x0102);
  DmxThread dmx(options_for(receiver, 40, false), frames, band_show(0x0102));
  dmx.start();

  std::optional<std::uint8_t> previous;
  for (int i = 0; i < 20; ++i) {
    const auto packet = receiver.receive(kPacketTimeout);
    ASSERT_TRUE(packet) << "no packet " << i;
    EXPECT_EQ(packet->port_address, 0x0102);
    ASSERT_EQ(packet->data.size(), 512U);
    EXPECT_NE(packet->sequence, 0);
    if (previous) {
      EXPECT_EQ(packet->sequence, next_artdmx_sequence(*previous));
    } else {
      EXPECT_EQ(packet->sequence, 1) << "the first packet after start carries sequence 1";
    }
    previous = packet->sequence;
    EXPECT_EQ(packet->channel(1), 255);  // band 0
    EXPECT_EQ(packet->channel(2), 128);  // band 1
    EXPECT_EQ(packet->channel(3), 0);    // band 2
    EXPECT_EQ(packet->channel(4), 64);   // energy
    EXPECT_EQ(packet->channel(5), 255);  // peak
    EXPECT_TRUE(std::all_of(packet->data.begin() + 5, packet->data.end(), [](std::uint8_t v) { return v == 0; }));
  }

  // A new frame shows up in a later tick.
  AnalysisFrame next = test_frame();
  next.bands[0] = 0.0F;
  next.bands[2] = 1.0F;
  frames.store(next);
  const auto updated =
      receive_until(receiver, [](const Packet& p) { return p.channel(1) == 0 && p.channel(3) == 255; }, 3000ms);
  ASSERT_TRUE(updated) << "the new frame never reached the wire";

  const DmxStats stats = dmx.stats();
  EXPECT_GE(stats.ticks, 20U);
  EXPECT_GE(stats.packets_sent, 20U);
  EXPECT_EQ(stats.send_errors, 0U);
  EXPECT_GE(stats.latency_ms, 0.0);
  EXPECT_GE(stats.max_lateness_ns, stats.last_lateness_ns);
  dmx.stop();
}

TEST(DmxThread, SequenceWrapsFrom255ToOneOnTheWire) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  frames.store(test_frame());
  // A fast rate only so the wrap comes quickly; nothing here checks timing.
  DmxThread dmx(options_for(receiver, 500, false), frames, band_show(0));
  dmx.start();
  std::optional<std::uint8_t> previous;
  int wraps = 0;
  for (int i = 0; i < 300; ++i) {
    const auto packet = receiver.receive(kPacketTimeout);
    ASSERT_TRUE(packet) << "no packet " << i;
    ASSERT_NE(packet->sequence, 0) << "packet " << i;
    if (previous) {
      ASSERT_EQ(packet->sequence, next_artdmx_sequence(*previous)) << "packet " << i;
      if (*previous == 255) ++wraps;
    }
    previous = packet->sequence;
  }
  EXPECT_GE(wraps, 1);
  dmx.stop();
}

TEST(DmxThread, SendsZerosBeforeTheFirstFrameWithUnknownLatency) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;  // never written
  DmxThread dmx(options_for(receiver, 40, false), frames, band_show(0));
  dmx.start();
  for (int i = 0; i < 3; ++i) {
    const auto packet = receiver.receive(kPacketTimeout);
    ASSERT_TRUE(packet);
    EXPECT_TRUE(packet->all_zero());
  }
  EXPECT_EQ(dmx.stats().latency_ms, -1.0);
  dmx.stop();
}

TEST(DmxThread, RateIsRoughlyTheConfiguredFps) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  DmxThread dmx(options_for(receiver, 40, false), frames, band_show(0));
  dmx.start();
  ASSERT_TRUE(receiver.receive(kPacketTimeout));
  // Loose on purpose: the machine is shared; 40 fps would give 40.
  int received = 0;
  const auto until = std::chrono::steady_clock::now() + 1s;
  while (std::chrono::steady_clock::now() < until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (receiver.receive(std::max(left, 1ms))) ++received;
  }
  EXPECT_GE(received, 20);
  EXPECT_LE(received, 60);  // a burst-sending bug would show up as far more
  dmx.stop();
}

TEST(DmxThread, OverrideHoldsOverTheShowOutput) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  frames.store(test_frame());
  receiver.watch_universe(5);
  DmxThread dmx(options_for(receiver, 40, false), frames, band_show(5));
  dmx.start();
  ASSERT_TRUE(receiver.receive(kPacketTimeout));

  EXPECT_TRUE(dmx.submit_override({5, 1, 7}));      // over band 0 (255)
  EXPECT_TRUE(dmx.submit_override({5, 300, 200}));  // an otherwise unused channel
  EXPECT_TRUE(dmx.submit_override({6, 2, 9}));      // another universe: its own frame
  EXPECT_TRUE(dmx.submit_override({5, 0, 50}));     // channel out of range: ignored
  EXPECT_TRUE(dmx.submit_override({5, 513, 50}));   // channel out of range: ignored

  const auto applied = receive_until(receiver, [](const Packet& p) { return p.channel(300) == 200; }, 3000ms);
  ASSERT_TRUE(applied) << "override never reached the wire";
  EXPECT_EQ(applied->channel(1), 7);

  // The show keeps changing underneath; the override stays.
  AnalysisFrame next = test_frame();
  next.bands[0] = 0.5F;
  next.bands[1] = 0.0F;
  frames.store(next);
  ASSERT_TRUE(receive_until(receiver, [](const Packet& p) { return p.channel(2) == 0; }, 3000ms));
  for (int i = 0; i < 10; ++i) {
    const auto packet = receiver.receive(kPacketTimeout);
    ASSERT_TRUE(packet);
    EXPECT_EQ(packet->channel(1), 7);
    EXPECT_EQ(packet->channel(2), 0);  // the universe-6 write did not land here
    EXPECT_EQ(packet->channel(300), 200);
    EXPECT_EQ(packet->channel(512), 0);
  }
  // A later write to the same channel replaces the held value.
  EXPECT_TRUE(dmx.submit_override({5, 1, 0}));
  ASSERT_TRUE(receive_until(receiver, [](const Packet& p) { return p.channel(1) == 0; }, 3000ms));
  EXPECT_EQ(dmx.stats().overrides_dropped, 0U);
  EXPECT_GT(receiver.other_universe_packets(), 0U) << "universe 6 was written, so it is sent too";

  // Releasing a channel hands it back to the show (band 0 = 0.5 → 128).
  LightingCommand release;
  release.kind = LightingCommand::Kind::kRelease;
  release.universe = 5;
  release.channel = 1;
  ASSERT_TRUE(dmx.submit(release));
  ASSERT_TRUE(receive_until(receiver, [](const Packet& p) { return p.channel(1) == 128; }, 3000ms));
  EXPECT_EQ(receiver.receive(kPacketTimeout)->channel(300), 200);  // the rest still held
  dmx.stop();
}

TEST(DmxThread, FullOverrideQueueDropsAndCounts) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  DmxThread dmx(options_for(receiver, 40, true), frames, band_show(0));  // never started: nothing drains
  int accepted = 0;
  for (int i = 0; i < 5000; ++i) accepted += dmx.submit_override({0, 1, 1}) ? 1 : 0;
  EXPECT_EQ(accepted, 4096);
  EXPECT_EQ(dmx.stats().overrides_dropped, 5000U - 4096U);
  dmx.stop();  // never started: no blackout either
  EXPECT_TRUE(receiver.drain(200ms).empty());
}

TEST(DmxThread, StopSendsOneFinalAllZeroFrame) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  frames.store(test_frame());
  DmxThread dmx(options_for(receiver, 40, true), frames, band_show(0));
  dmx.start();
  ASSERT_TRUE(dmx.submit_override({0, 10, 255}));
  ASSERT_TRUE(receive_until(receiver, [](const Packet& p) { return p.channel(10) == 255; }, 3000ms));

  dmx.stop();
  const std::vector<Packet> tail = receiver.drain(300ms);
  ASSERT_FALSE(tail.empty());
  const Packet& last = tail.back();
  EXPECT_EQ(last.data.size(), 512U);
  EXPECT_TRUE(last.all_zero()) << "blackout must clear overrides too";
  for (std::size_t i = 0; i + 1 < tail.size(); ++i) {
    EXPECT_FALSE(tail[i].all_zero()) << "only the final frame is the blackout";
    EXPECT_EQ(tail[i + 1].sequence, next_artdmx_sequence(tail[i].sequence));
  }
  const DmxStats stats = dmx.stats();
  EXPECT_EQ(stats.packets_sent, stats.ticks + 1);

  dmx.stop();  // idempotent: no second blackout
  EXPECT_TRUE(receiver.drain(200ms).empty());
  EXPECT_EQ(dmx.stats().packets_sent, stats.packets_sent);
}

TEST(DmxThread, NoBlackoutWhenDisabled) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  frames.store(test_frame());
  DmxThread dmx(options_for(receiver, 40, false), frames, band_show(0));
  dmx.start();
  ASSERT_TRUE(receiver.receive(kPacketTimeout));
  dmx.stop();
  const std::vector<Packet> tail = receiver.drain(300ms);
  for (const Packet& packet : tail) EXPECT_FALSE(packet.all_zero());
  const DmxStats stats = dmx.stats();
  EXPECT_EQ(stats.packets_sent, stats.ticks);
}

TEST(DmxThread, DestructorStopsAndBlacksOut) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  frames.store(test_frame());
  {
    DmxThread dmx(options_for(receiver, 40, true), frames, band_show(0));
    dmx.start();
    ASSERT_TRUE(receiver.receive(kPacketTimeout));
  }
  const std::vector<Packet> tail = receiver.drain(300ms);
  ASSERT_FALSE(tail.empty());
  EXPECT_TRUE(tail.back().all_zero());
}

TEST(DmxThread, UnresolvableHostThrowsNamingTheTarget) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  DmxThread::Options options = options_for(receiver, 40, true);
  options.dmx.targets.push_back({"no-such-host.invalid", 6454});
  try {
    DmxThread dmx(options, frames, band_show(0));
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("cannot resolve dmx.targets[1] 'no-such-host.invalid:6454'"),
              std::string::npos)
        << error.what();
  }
}

TEST(DmxThread, RejectsInvalidOptions) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  EXPECT_THROW(DmxThread(options_for(receiver, 0, false), frames, band_show(0)), std::invalid_argument);
  EXPECT_THROW(DmxThread(options_for(receiver, 40, false), frames, nullptr), std::invalid_argument);
  DmxThread::Options no_room = options_for(receiver, 40, false);
  no_room.max_universes = 0;
  EXPECT_THROW(DmxThread(no_room, frames, band_show(0)), std::invalid_argument);
}

TEST(DmxThread, TickDoesNotAllocate) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  frames.store(test_frame());
  DmxThread dmx(options_for(receiver, 200, true), frames, band_show(0));
  const std::uint64_t before = lumina::testing::realtime_heap_operations();
  dmx.start();
  for (int i = 0; i < 50; ++i) {
    if (i % 10 == 0) {
      ASSERT_TRUE(dmx.submit_override({0, static_cast<std::uint16_t>(i + 1), 99}));
      frames.store(test_frame());
    }
    ASSERT_TRUE(receiver.receive(kPacketTimeout));
  }
  dmx.stop();
  EXPECT_GT(dmx.stats().ticks, 0U);
  EXPECT_EQ(lumina::testing::realtime_heap_operations(), before);
}

LightingCommand command(LightingCommand::Kind kind) {
  LightingCommand c;
  c.kind = kind;
  return c;
}

// Commands are numbered in the order submitted, and each frame says which
// it includes: the control side can tell a frame from before its command.
TEST(DmxThread, SubmitNumbersCommandsAndTheSnapshotSaysWhichWereApplied) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  frames.store(test_frame());
  DmxThread dmx(options_for(receiver, 40, false), frames, band_show(0));
  LightingCommand master = command(LightingCommand::Kind::kMaster);
  master.level = 0.25F;
  const std::uint64_t first = dmx.submit(master);
  master.level = 0.75F;
  const std::uint64_t second = dmx.submit(master);
  EXPECT_GT(first, 0U);
  EXPECT_EQ(second, first + 1);
  LightingSnapshot snapshot;
  EXPECT_FALSE(dmx.snapshot(snapshot)) << "no frame before the first tick";
  dmx.start();
  ASSERT_TRUE(receive_until(receiver, [](const Packet&) { return true; }, 3000ms));
  ASSERT_TRUE(receive_until(receiver, [](const Packet&) { return true; }, 3000ms));
  ASSERT_TRUE(dmx.snapshot(snapshot));
  EXPECT_EQ(snapshot.applied_seq, second);
  EXPECT_FLOAT_EQ(snapshot.master, 0.75F);
  dmx.stop();
}

TEST(DmxThread, MasterScalesAndBlackoutZeroesAfterOverrides) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  frames.store(test_frame());
  DmxThread dmx(options_for(receiver, 40, false), frames, band_show(0));
  dmx.start();
  ASSERT_TRUE(dmx.submit_override({0, 300, 200}));  // an unpatched channel: scaled too
  LightingCommand master = command(LightingCommand::Kind::kMaster);
  master.level = 0.5F;
  ASSERT_TRUE(dmx.submit(master));
  const auto scaled = receive_until(
      receiver, [](const Packet& p) { return p.channel(1) == 128 && p.channel(300) == 100; }, 3000ms);
  ASSERT_TRUE(scaled) << "master 0.5 never reached the wire";
  EXPECT_EQ(scaled->channel(2), 64);  // band 1 = 0.5 → 128, halved

  LightingCommand blackout = command(LightingCommand::Kind::kBlackout);
  blackout.on = true;
  ASSERT_TRUE(dmx.submit(blackout));
  ASSERT_TRUE(receive_until(receiver, [](const Packet& p) { return p.all_zero(); }, 3000ms));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(receiver.receive(kPacketTimeout)->all_zero());
  blackout.on = false;
  ASSERT_TRUE(dmx.submit(blackout));
  ASSERT_TRUE(receive_until(receiver, [](const Packet& p) { return p.channel(300) == 100; }, 3000ms));

  LightingSnapshot snapshot;
  ASSERT_TRUE(dmx.snapshot(snapshot));
  EXPECT_FLOAT_EQ(snapshot.master, 0.5F);
  EXPECT_FALSE(snapshot.blackout);
  ASSERT_GE(snapshot.universe_count, 1U);
  EXPECT_EQ(snapshot.universes[0], 0);
  dmx.stop();
}

TEST(DmxThread, SceneSwitchOnBeatLandsOnTheTickAfterTheBeat) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  AnalysisFrame frame = test_frame();
  frame.bpm = 120.0F;  // a long give-up time (1.5 s) so only the beat can switch
  frames.store(frame);
  DmxThread dmx(options_for(receiver, 40, false), frames, band_show(0));
  dmx.start();
  ASSERT_TRUE(receiver.receive(kPacketTimeout));

  LightingCommand select = command(LightingCommand::Kind::kSelectScene);
  select.scene = 1;  // "full": every dimmer at 255
  select.when = SwitchWhen::kBeat;
  ASSERT_TRUE(dmx.submit(select));
  // Until a beat comes the old scene stays.
  for (int i = 0; i < 8; ++i) {
    const auto packet = receiver.receive(kPacketTimeout);
    ASSERT_TRUE(packet);
    EXPECT_EQ(packet->channel(3), 0) << "switched before the beat";
  }
  LightingSnapshot snapshot;
  ASSERT_TRUE(dmx.snapshot(snapshot));
  EXPECT_EQ(snapshot.pending_scene, 1);

  frame.beat_count += 1;
  frame.beat = true;
  frames.store(frame);
  const auto switched = receive_until(receiver, [](const Packet& p) { return p.channel(3) == 255; }, 3000ms);
  ASSERT_TRUE(switched);
  ASSERT_TRUE(dmx.snapshot(snapshot));
  EXPECT_EQ(snapshot.active_scene, 1U);
  EXPECT_EQ(snapshot.pending_scene, -1);
  dmx.stop();
}

TEST(DmxThread, SwappedShowTakesOverAndTheOldOneIsReclaimed) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  frames.store(test_frame());
  DmxThread dmx(options_for(receiver, 40, false), frames, band_show(0));
  dmx.start();
  ASSERT_TRUE(receiver.receive(kPacketTimeout));
  receiver.watch_universe(9);
  ASSERT_TRUE(dmx.swap_show(band_show(9), 1));
  const auto packet = receive_until(receiver, [](const Packet& p) { return p.channel(1) == 255; }, 3000ms);
  ASSERT_TRUE(packet) << "the new show (universe 9, scene full) never reached the wire";
  EXPECT_EQ(dmx.stats().shows_swapped, 1U);
  dmx.reclaim();
  // Swaps faster than the tick adopts them are refused once 15 are in
  // flight; given a tick to adopt them, swapping goes on indefinitely.
  int accepted = 0;
  for (int i = 0; i < 40; ++i) accepted += dmx.swap_show(band_show(9), 0) ? 1 : 0;
  EXPECT_GE(accepted, 1);
  EXPECT_LT(accepted, 40);
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(60ms);
    ASSERT_TRUE(dmx.swap_show(band_show(9), 0)) << "swap " << i;
  }
  dmx.stop();
}

TEST(DmxThread, LatencyOffsetDelaysOneOutputByWholeTicks) {
  // Art-Net 200 ms late (8 ticks at 40 FPS), sACN on time. Both count their
  // sequence from the first tick (Art-Net 1.., sACN 0..), so the first
  // all-zero frame after a blackout names its tick on each wire.
  Receiver artnet;
  testing::UdpTestSocket sacn;
  LatestValue<AnalysisFrame> frames;
  frames.store(test_frame());
  DmxThread::Options options = options_for(artnet, 40, false);
  options.dmx.artnet.latency_offset_ms = 200;
  options.dmx.sacn.enabled = true;
  options.dmx.sacn.multicast = false;
  options.dmx.sacn.unicast = {{"127.0.0.1", sacn.port()}};
  DmxThread dmx(options, frames, band_show(0));
  dmx.start();
  ASSERT_TRUE(receive_until(artnet, [](const Packet& p) { return !p.all_zero(); }, 3000ms));
  LightingCommand blackout = command(LightingCommand::Kind::kBlackout);
  blackout.on = true;
  ASSERT_TRUE(dmx.submit(blackout));

  const auto artnet_zero = receive_until(artnet, [](const Packet& p) { return p.all_zero(); }, 5000ms);
  ASSERT_TRUE(artnet_zero);
  std::optional<std::uint8_t> sacn_zero;
  for (int i = 0; i < 400 && !sacn_zero; ++i) {
    const auto datagram = sacn.receive(2000ms);
    ASSERT_TRUE(datagram);
    const auto packet = parse_sacn_data(datagram->bytes.data(), datagram->bytes.size());
    ASSERT_TRUE(packet);
    if (std::all_of(packet->slots.begin(), packet->slots.end(), [](std::uint8_t v) { return v == 0; })) {
      sacn_zero = packet->header.sequence;
    }
  }
  ASSERT_TRUE(sacn_zero);
  dmx.stop();
  ASSERT_LT(dmx.stats().ticks, 250U) << "sequence numbers wrapped; the comparison below assumes they did not";
  const int artnet_tick = artnet_zero->sequence - 1;
  const int sacn_tick = *sacn_zero;
  EXPECT_EQ(artnet_tick - sacn_tick, 8);
}

// True when /proc/<pid>/stat reports the process stopped ('T'). Uses only
// async-signal-safe calls: it runs in a child forked from a threaded process.
bool process_is_stopped(pid_t pid) {
  char path[64];
  // Build "/proc/<pid>/stat" by hand: snprintf is not async-signal-safe.
  char digits[16];
  int count = 0;
  for (auto value = static_cast<unsigned>(pid); value != 0 || count == 0; value /= 10) {
    digits[count++] = static_cast<char>('0' + value % 10);
  }
  const char prefix[] = "/proc/";
  const char suffix[] = "/stat";
  std::size_t at = 0;
  for (std::size_t i = 0; prefix[i] != '\0'; ++i) path[at++] = prefix[i];
  while (count > 0) path[at++] = digits[--count];
  for (std::size_t i = 0; suffix[i] != '\0'; ++i) path[at++] = suffix[i];
  path[at] = '\0';

  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buffer[512];
  const ssize_t size = ::read(fd, buffer, sizeof(buffer));
  ::close(fd);
  // The state follows the last ')' (the command name may contain one).
  ssize_t paren = -1;
  for (ssize_t i = 0; i < size; ++i) {
    if (buffer[i] == ')') paren = i;
  }
  return paren >= 0 && paren + 2 < size && buffer[paren + 2] == 'T';
}

void sleep_ms(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1'000'000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Freezes the whole process (SIGSTOP) for ~`ms` milliseconds; a forked child
// waits until the freeze has happened, then sends SIGCONT.
bool freeze_process_for(long ms) {
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) return false;
  if (child == 0) {
    for (int i = 0; i < 5000 && !process_is_stopped(parent); ++i) sleep_ms(1);
    sleep_ms(ms);
    // Keep nudging until the parent runs again, in case a SIGCONT raced the stop.
    for (int i = 0; i < 100; ++i) {
      ::kill(parent, SIGCONT);
      sleep_ms(50);
      if (!process_is_stopped(parent)) break;
    }
    ::_exit(0);
  }
  ::raise(SIGSTOP);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return true;
}

TEST(DmxThread, SkipsMissedDeadlinesInsteadOfBursting) {
  Receiver receiver;
  LatestValue<AnalysisFrame> frames;
  DmxThread dmx(options_for(receiver, 40, false), frames, band_show(0));
  dmx.start();
  ASSERT_TRUE(receiver.receive(kPacketTimeout));
  const DmxStats before = dmx.stats();

  // 500 ms frozen is ~20 deadlines at 40 fps; they must be counted as missed.
  if (!freeze_process_for(500)) GTEST_SKIP() << "fork failed";
  const std::int64_t resumed = monotonic_ns();
  std::this_thread::sleep_for(100ms);
  dmx.stop();
  const DmxStats after = dmx.stats();

  EXPECT_GE(after.missed_ticks - before.missed_ticks, 10U);
  EXPECT_GE(after.max_lateness_ns, 400'000'000);
  // Catching up would send the ~20 missed frames at once; skipping sends
  // about 100 ms worth (4) after the resume. Allow generous slack.
  const std::uint64_t ticks_since = after.ticks - before.ticks;
  const double seconds_since = static_cast<double>(monotonic_ns() - resumed) / 1e9;
  EXPECT_LE(static_cast<double>(ticks_since), 2.0 + seconds_since * 40.0 + 6.0);
}

}  // namespace
}  // namespace lumina
