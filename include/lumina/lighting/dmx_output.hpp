#pragma once
// The DMX wire output stage: an Art-Net 4 controller and an sACN (E1.31)
// source. The DMX thread calls it once per tick with every universe of the
// frame; it encodes and sends each one without blocking, and keeps the
// Art-Net side of discovery going (ArtPoll out, ArtPollReply in and out).
//
// Threads: construction and nodes() run on control threads; send_artnet,
// send_sacn, service and terminate_sacn belong to one thread (the DMX
// thread) and are RT-safe: no allocation, no locks, no logging, only
// non-blocking socket calls (MSG_DONTWAIT; EAGAIN is counted as an error,
// never waited on). stats() and nodes() may be called from any thread.
//
// Art-Net destinations of universe U (each gets one ArtDmx per tick):
//   - every unicast target whose universe list contains U (dmx.targets and
//     list-less dmx.artnet.unicast entries take every universe),
//   - every discovered node with an output port at U (once per IP:port),
//   - the broadcast address, only when dmx.artnet.broadcast is set.
// ArtSync (dmx.artnet.sync) follows the batch: to the broadcast address when
// set, else to each distinct unicast destination of that batch.
//
// sACN destinations: the universe's multicast group 239.255.hi.lo:5568 (when
// dmx.sacn.multicast) and every dmx.sacn.unicast target. sACN universe =
// Art-Net port-address + dmx.sacn.universeOffset; frames that map outside
// 1..63999 are skipped (counted).
#include <netinet/in.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lumina/core/config.hpp"
#include "lumina/core/latest_value.hpp"
#include "lumina/lighting/artnet_nodes.hpp"
#include "lumina/lighting/artnet_packets.hpp"
#include "lumina/lighting/dmx_types.hpp"
#include "lumina/lighting/sacn.hpp"

namespace lumina {

// One universe of a tick. `universe` is the 15-bit Art-Net port-address;
// `data` must stay valid for the duration of the call.
struct UniverseFrame {
  std::uint16_t universe = 0;
  const DmxUniverseData* data = nullptr;
};

// Counters since construction (each field read atomically).
struct DmxOutputStats {
  std::uint64_t artnet_packets = 0;  // ArtDmx datagrams accepted by the kernel
  std::uint64_t artnet_bytes = 0;
  std::uint64_t artnet_syncs = 0;  // ArtSync datagrams sent
  std::uint64_t sacn_packets = 0;  // E1.31 data packets (including stream-terminated ones)
  std::uint64_t sacn_bytes = 0;
  std::uint64_t sacn_syncs = 0;        // E1.31 synchronization packets
  std::uint64_t send_errors = 0;       // failed sendto (EAGAIN, unreachable, ...)
  int last_send_errno = 0;             // errno of the latest failure, 0 if none
  std::uint64_t frames_skipped = 0;    // frames with no data or a universe out of range
  std::uint64_t polls_sent = 0;        // ArtPoll sent by discovery
  std::uint64_t polls_received = 0;    // ArtPoll received (answered)
  std::uint64_t replies_sent = 0;      // ArtPollReply sent
  std::uint64_t replies_received = 0;  // ArtPollReply received (node table updates)
  std::uint64_t nodes_known = 0;       // entries in the node table now
};

class DmxOutput {
 public:
  // ArtPoll period: Art-Net 4 asks controllers to poll every 2.5 to 3 s.
  static constexpr std::int64_t kPollIntervalNs = 2'750'000'000;
  // At most this many datagrams are read per service() call, so a flood
  // cannot hold the tick.
  static constexpr int kMaxDatagramsPerService = 64;

  // Not RT-safe: resolves every host, opens and binds sockets, preallocates
  // the per-universe sequence tables (32768 Art-Net, 64000 sACN). `sacn_cid`
  // is used unless dmx.sacn.cid is set. Throws std::runtime_error naming the
  // key and host that cannot be resolved or the socket call that failed. A
  // failure to bind the Art-Net listening port is logged as a warning and
  // output runs without listening (no discovery, no ArtPollReply).
  DmxOutput(const Config::Dmx& config, const SacnCid& sacn_cid);
  ~DmxOutput();
  DmxOutput(const DmxOutput&) = delete;
  DmxOutput& operator=(const DmxOutput&) = delete;

  // One ArtDmx (512 channels, next sequence 1..255 of that universe) per
  // frame to each destination, then ArtSync when enabled. No-op when Art-Net
  // is disabled. RT-safe.
  void send_artnet(std::span<const UniverseFrame> frames) noexcept;

  // One E1.31 data packet (next sequence of that sACN universe) per frame to
  // each destination, then a synchronization packet when a sync universe is
  // set. No-op when sACN is disabled. RT-safe.
  void send_sacn(std::span<const UniverseFrame> frames) noexcept;

  // Drains the Art-Net socket without blocking: answers ArtPoll with one
  // ArtPollReply per group of up to 4 universes sent in the last batch
  // (BindIndex 1, 2, ...), records ArtPollReply in the node table, expires
  // silent nodes, and sends ArtPoll every kPollIntervalNs when discovery is
  // on. `now_ns` is CLOCK_MONOTONIC. RT-safe.
  void service(std::int64_t now_ns) noexcept;

  // Shutdown: three data packets per frame with Stream_Terminated set, so
  // receivers release the universes at once instead of after a timeout.
  // RT-safe.
  void terminate_sacn(std::span<const UniverseFrame> frames) noexcept;

  // Any thread. RT-safe (relaxed atomic loads).
  [[nodiscard]] DmxOutputStats stats() const noexcept;

  // Any thread. Not RT-safe (allocates the vector); never makes the DMX
  // thread wait: it copies a seqlock snapshot of the fixed table.
  [[nodiscard]] std::vector<ArtNetNodeInfo> nodes() const;

  // UDP port the Art-Net socket listens on, 0 when not listening. Any thread.
  [[nodiscard]] std::uint16_t artnet_listen_port() const noexcept { return listen_port_; }
  [[nodiscard]] const SacnCid& sacn_cid() const noexcept { return sacn_header_.cid; }
  // "a.b.c.d:port" of each resolved destination, for logs. Not RT-safe.
  [[nodiscard]] std::vector<std::string> describe() const;

 private:
  struct UnicastTarget {
    sockaddr_in address{};
    std::vector<std::uint16_t> universes;  // sorted; empty = every universe
  };
  struct NodeSnapshot {
    std::uint32_t count = 0;
    std::array<ArtNetNodeInfo, kArtNetNodeCapacity> nodes{};
  };
  struct SendTally {  // per-call counters, added to the atomics once
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::uint64_t errors = 0;
    int last_errno = 0;
  };

  void send_one(int fd, const sockaddr_in& to, const std::uint8_t* data, std::size_t size, SendTally& tally) noexcept;
  void commit_errors(const SendTally& tally) noexcept;
  void remember_destination(const sockaddr_in& to) noexcept;
  void answer_poll(const ArtPoll& poll, const sockaddr_in& from, std::uint32_t local_ip) noexcept;
  void publish_nodes() noexcept;

  Config::Dmx::ArtNet artnet_config_;
  Config::Dmx::Sacn sacn_config_;

  int artnet_fd_ = -1;
  int sacn_fd_ = -1;
  std::uint16_t listen_port_ = 0;
  std::uint32_t bind_ip_ = 0;  // host order; 0 = any
  std::vector<UnicastTarget> artnet_unicast_;
  bool has_broadcast_ = false;
  sockaddr_in broadcast_{};
  sockaddr_in poll_address_{};
  std::vector<sockaddr_in> sacn_unicast_;

  std::vector<std::uint8_t> artnet_sequence_;  // [port-address] last sequence sent, 0 = none yet
  std::vector<std::uint8_t> sacn_sequence_;    // [sACN universe] next sequence to send
  std::uint8_t sacn_sync_sequence_ = 0;
  std::vector<std::uint64_t> universes_in_use_;  // bitmap of the last send_artnet batch (for ArtPollReply)

  // ArtSync destinations of the current batch (deduplicated, bounded).
  static constexpr std::size_t kMaxSyncDestinations = 128;
  std::array<sockaddr_in, kMaxSyncDestinations> batch_destinations_{};
  std::size_t batch_destination_count_ = 0;

  SacnDataHeader sacn_header_;
  ArtNetNodeTable node_table_;
  LatestValue<NodeSnapshot> node_snapshot_;
  std::int64_t next_poll_ns_ = 0;
  bool poll_scheduled_ = false;
  std::uint32_t reply_counter_ = 0;

  std::array<std::uint8_t, kSacnMaxDataPacketSize> packet_{};
  std::array<std::uint8_t, 1500> receive_buffer_{};

  std::atomic<std::uint64_t> artnet_packets_{0};
  std::atomic<std::uint64_t> artnet_bytes_{0};
  std::atomic<std::uint64_t> artnet_syncs_{0};
  std::atomic<std::uint64_t> sacn_packets_{0};
  std::atomic<std::uint64_t> sacn_bytes_{0};
  std::atomic<std::uint64_t> sacn_syncs_{0};
  std::atomic<std::uint64_t> send_errors_{0};
  std::atomic<int> last_send_errno_{0};
  std::atomic<std::uint64_t> frames_skipped_{0};
  std::atomic<std::uint64_t> polls_sent_{0};
  std::atomic<std::uint64_t> polls_received_{0};
  std::atomic<std::uint64_t> replies_sent_{0};
  std::atomic<std::uint64_t> replies_received_{0};
  std::atomic<std::uint64_t> nodes_known_{0};
};

}  // namespace lumina
