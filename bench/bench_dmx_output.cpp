// CPU cost of one DMX tick in the wire output stage: encode and send every
// universe (ArtDmx, or E1.31 data) to one unicast sink on 127.0.0.1. The
// sink socket is never read, so the kernel drops what overflows its queue;
// the sender's cost (encode, sendto, loopback delivery, done in the sender's
// context) is what is measured. "core_at_40fps" is the share of one core
// the output stage would take at the default 40 ticks per second.
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "lumina/lighting/artdmx.hpp"
#include "lumina/lighting/dmx_output.hpp"
#include "lumina/lighting/sacn.hpp"

namespace {

// A bound UDP socket on 127.0.0.1 that nobody reads.
class Sink {
 public:
  Sink() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot open the loopback sink");
    }
    port_ = ntohs(address.sin_port);
  }
  ~Sink() { ::close(fd_); }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

struct Frames {
  explicit Frames(std::size_t count) : data(count) {
    for (std::size_t u = 0; u < count; ++u) {
      for (std::size_t ch = 0; ch < data[u].size(); ++ch) data[u][ch] = static_cast<std::uint8_t>(u + ch);
      frames.push_back({static_cast<std::uint16_t>(u), &data[u]});
    }
  }
  std::vector<lumina::DmxUniverseData> data;
  std::vector<lumina::UniverseFrame> frames;
};

void report(benchmark::State& state, std::uint64_t packets, std::uint64_t errors) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.counters["universes"] = static_cast<double>(state.range(0));
  // Seconds of CPU per tick × 40 ticks/s = share of one core.
  // 1/40 per iteration as a rate, inverted: 40 × CPU seconds per tick. Google
  // Benchmark prints inverted rates with a seconds suffix: "0.03s" = 3 % of a core.
  state.counters["core_at_40fps"] = benchmark::Counter(
      1.0 / 40.0, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["send_errors"] = static_cast<double>(errors);
  state.counters["packets"] = static_cast<double>(packets);
}

void BM_ArtNetTick(benchmark::State& state) {
  Sink sink;
  lumina::Config::Dmx config;
  config.targets = {{"127.0.0.1", sink.port()}};
  config.artnet.port = 0;
  config.artnet.discovery = false;
  lumina::DmxOutput output(config, lumina::SacnCid{});
  Frames frames(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) output.send_artnet(frames.frames);
  const lumina::DmxOutputStats stats = output.stats();
  report(state, stats.artnet_packets, stats.send_errors);
}

void BM_SacnTick(benchmark::State& state) {
  Sink sink;
  lumina::Config::Dmx config;
  config.targets.clear();
  config.artnet.enabled = false;
  config.sacn.enabled = true;
  config.sacn.multicast = false;
  config.sacn.unicast = {{"127.0.0.1", sink.port()}};
  lumina::DmxOutput output(config, lumina::SacnCid{});
  Frames frames(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) output.send_sacn(frames.frames);
  const lumina::DmxOutputStats stats = output.stats();
  report(state, stats.sacn_packets, stats.send_errors);
}

// Encoding alone (no socket), to separate it from the sendto cost above.
void BM_EncodeArtDmx(benchmark::State& state) {
  lumina::DmxUniverseData data{};
  std::array<std::uint8_t, lumina::kArtDmxMaxPacketSize> packet{};
  std::uint8_t sequence = 0;
  for (auto _ : state) {
    sequence = lumina::next_artdmx_sequence(sequence);
    benchmark::DoNotOptimize(
        lumina::encode_artdmx(1, sequence, data.data(), data.size(), packet.data(), packet.size()));
    benchmark::ClobberMemory();
  }
}

void BM_EncodeSacnData(benchmark::State& state) {
  lumina::DmxUniverseData data{};
  std::array<std::uint8_t, lumina::kSacnMaxDataPacketSize> packet{};
  lumina::SacnDataHeader header;
  for (auto _ : state) {
    ++header.sequence;
    benchmark::DoNotOptimize(lumina::encode_sacn_data(header, data.data(), data.size(), packet.data(), packet.size()));
    benchmark::ClobberMemory();
  }
}

}  // namespace

BENCHMARK(BM_EncodeArtDmx);
BENCHMARK(BM_EncodeSacnData);
BENCHMARK(BM_ArtNetTick)->Arg(1)->Arg(64)->Arg(256)->Arg(512)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SacnTick)->Arg(1)->Arg(64)->Arg(256)->Arg(512)->Unit(benchmark::kMicrosecond);
