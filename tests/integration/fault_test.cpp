// Fault injection against the real luminad (issue 10): Art-Net and sACN
// sends that fail, a corrupt config, a corrupt show file. In each case
// luminad keeps running (or, for the config, refuses to start with exit 2),
// says what went wrong, and the DMX tick goes on.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "daemon_process.hpp"
#include "loopback.hpp"
#include "lumina/lighting/artdmx.hpp"
#include "lumina/lighting/sacn.hpp"

namespace lumina::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

json api_status(std::uint16_t port) {
  const HttpResponse r = http_request(port, "GET", "/api/status");
  if (r.status != 200) return json();
  return json::parse(r.body, nullptr, false);
}

void write_file(const std::filesystem::path& path, const std::string& text) { std::ofstream(path) << text; }

// Receives until `wanted` datagrams that `is_frame` accepts have arrived (30 s at most); returns how many did.
template <typename IsFrame>
int receive_frames(UdpReceiver& udp, int wanted, IsFrame is_frame) {
  int frames = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (frames < wanted && std::chrono::steady_clock::now() < deadline) {
    auto datagram = udp.receive(1s);
    if (datagram && is_frame(datagram->data(), datagram->size())) ++frames;
  }
  return frames;
}

bool is_artdmx(const std::uint8_t* data, std::size_t size) { return parse_artdmx(data, size).has_value(); }
bool is_sacn_data(const std::uint8_t* data, std::size_t size) { return parse_sacn_data(data, size).has_value(); }

TEST(FaultInjection, ArtNetSendFailuresAreCountedWhileOtherTargetsKeepTheirTicks) {
  // A socket bound to 127.0.0.1 cannot reach 203.0.113.1 (TEST-NET-3): every
  // send to that target fails at once with EINVAL, whatever the host's routes.
  // The loopback target beside it must keep receiving every tick.
  TempDir dir;
  const auto config = dir.path() / "luminad.json";
  // Port 0 would leave the socket unbound; any free port binds it to 127.0.0.1.
  write_file(config, R"({"dmx":{"artnet":{"bind":"127.0.0.1","discovery":false,"port":)" +
                         std::to_string(free_tcp_port()) + "}}}");
  UdpReceiver udp;
  DaemonProcess daemon({{"LUMINA_AUDIO_BACKEND", "null"},
                        {"LUMINA_AUDIO_SOURCE", "synth:demo"},
                        {"LUMINA_ARTNET_TARGETS", "203.0.113.1:6454,127.0.0.1:" + std::to_string(udp.port())}},
                       {"--config", config.string()});
  ASSERT_TRUE(daemon.wait_healthy()) << daemon.log();

  // 80 consecutive ArtDmx frames arrive on the good target (2 s at 40 fps; the wait is generous).
  EXPECT_EQ(receive_frames(udp, 80, is_artdmx), 80) << daemon.log();

  const json s = api_status(daemon.port());
  ASSERT_TRUE(s.is_object()) << daemon.log();
  const auto ticks = s["dmx"]["ticks"].get<std::uint64_t>();
  const auto errors = s["dmx"]["sendErrors"].get<std::uint64_t>();
  const auto missed = s["dmx"]["missedTicks"].get<std::uint64_t>();
  EXPECT_GE(ticks, 80U);
  EXPECT_GE(errors, ticks / 2) << "each tick's send to the unreachable target is counted";
  // Failing sends return at once, so they cost the tick nothing: missed ticks
  // stay at noise level (at most 1 in 20 on this shared, noisy machine).
  EXPECT_LE(missed * 20, ticks) << "missed " << missed << " of " << ticks;
  EXPECT_TRUE(daemon.running());

  // The failures are reported in the log, and the daemon still stops cleanly.
  std::string log;
  for (int i = 0; i < 50 && log.find("DMX send errors") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    log = daemon.log();
  }
  EXPECT_NE(log.find("DMX send errors"), std::string::npos) << log;
  EXPECT_EQ(daemon.stop(SIGTERM, 20s), 0) << daemon.log();
}

TEST(FaultInjection, SacnSendFailuresAreCountedAndExplainedWhileTheOtherOutputsKeepTheirTicks) {
  // A broadcast address as sACN unicast target (a classic misconfiguration):
  // the sACN socket has no SO_BROADCAST, so the kernel refuses every send
  // with EACCES at once. The sACN loopback target beside it and Art-Net
  // must keep receiving every tick, and the reason must reach the operator.
  TempDir dir;
  UdpReceiver artnet;
  UdpReceiver sacn;
  const auto config = dir.path() / "luminad.json";
  write_file(config, json{{"dmx",
                           {{"artnet", {{"discovery", false}}},
                            {"sacn",
                             {{"enabled", true},
                              {"multicast", false},
                              {"unicast", {"255.255.255.255:5568", "127.0.0.1:" + std::to_string(sacn.port())}}}}}}}
                         .dump());
  DaemonProcess daemon({{"LUMINA_AUDIO_BACKEND", "null"},
                        {"LUMINA_AUDIO_SOURCE", "synth:demo"},
                        {"LUMINA_ARTNET_TARGETS", "127.0.0.1:" + std::to_string(artnet.port())}},
                       {"--config", config.string()});
  ASSERT_TRUE(daemon.wait_healthy()) << daemon.log();

  // Both sockets receive all along; the second count reads what queued meanwhile.
  EXPECT_EQ(receive_frames(sacn, 80, is_sacn_data), 80) << daemon.log();
  EXPECT_EQ(receive_frames(artnet, 80, is_artdmx), 80) << daemon.log();

  const json s = api_status(daemon.port());
  ASSERT_TRUE(s.is_object()) << daemon.log();
  const auto ticks = s["dmx"]["ticks"].get<std::uint64_t>();
  const auto missed = s["dmx"]["missedTicks"].get<std::uint64_t>();
  EXPECT_GE(s["dmx"]["sendErrors"].get<std::uint64_t>(), ticks / 2) << "each tick's refused send is counted";
  EXPECT_LE(missed * 20, ticks) << "missed " << missed << " of " << ticks;
  ASSERT_TRUE(s["dmx"]["lastSendError"].is_string()) << s.dump();
  EXPECT_EQ(s["dmx"]["lastSendError"].get<std::string>(), "Permission denied") << s.dump();

  std::string log;
  for (int i = 0; i < 50 && log.find("DMX send errors") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    log = daemon.log();
  }
  EXPECT_NE(log.find("DMX send errors"), std::string::npos) << log;
  EXPECT_NE(log.find("Permission denied"), std::string::npos) << "the log names the reason: " << log;
  EXPECT_EQ(daemon.stop(SIGTERM, 20s), 0) << daemon.log();
}

TEST(FaultInjection, CorruptConfigRefusesToStartNamingFileAndKey) {
  TempDir dir;
  const auto truncated = dir.path() / "truncated.json";
  write_file(truncated, R"({"dmx": {"fps": 40, "targets": [)");
  RunResult r = run_luminad({"--config", truncated.string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(truncated.string()), std::string::npos) << r.output;

  const auto wrong = dir.path() / "wrong.json";
  write_file(wrong, R"({"dmx": {"fps": "fast"}})");
  r = run_luminad({"--config", wrong.string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("fps"), std::string::npos) << "the message names the key: " << r.output;

  // A number beyond double's range is bad JSON too (it used to abort luminad: found by fuzz_config).
  const auto huge = dir.path() / "huge.json";
  write_file(huge, R"({"dmx": {"fps": 1e400}})");
  r = run_luminad({"--config", huge.string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("huge.json"), std::string::npos) << r.output;
}

TEST(FaultInjection, CorruptShowFileFallsBackToTheDefaultShowAndSaysSo) {
  TempDir dir;
  const auto show = dir.path() / "broken-show.json";
  write_file(show, R"({"name": "broken", "scenes": [ {"name": )");
  const auto config = dir.path() / "luminad.json";
  write_file(config, json{{"dmx", {{"showFile", show.string()}}}}.dump());
  UdpReceiver udp;
  DaemonProcess daemon({{"LUMINA_AUDIO_BACKEND", "null"},
                        {"LUMINA_AUDIO_SOURCE", "synth:demo"},
                        {"LUMINA_ARTNET_TARGETS", "127.0.0.1:" + std::to_string(udp.port())}},
                       {"--config", config.string()});
  ASSERT_TRUE(daemon.wait_healthy()) << daemon.log();
  const std::string log = daemon.log();
  EXPECT_NE(log.find(show.string()), std::string::npos) << "the error names the show file: " << log;
  EXPECT_NE(log.find("built-in default show"), std::string::npos) << log;
  // The lights stay on: ArtDmx keeps arriving.
  EXPECT_EQ(receive_frames(udp, 40, is_artdmx), 40);
  EXPECT_TRUE(std::filesystem::exists(show)) << "the broken file is left for inspection";
  EXPECT_EQ(daemon.stop(SIGTERM, 20s), 0) << daemon.log();
}

// A crash is explained where the operator looks (stderr, i.e. the journal):
// the signal and a backtrace, and the process still ends by that signal, so
// systemd sees the crash (status, core dump, Restart=). A signal sent with
// kill(2) runs the same handler a real fault does.
TEST(FaultInjection, AFatalSignalIsReportedWithABacktraceAndStillEndsTheDaemon) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizer builds keep the sanitizer's own fatal-signal report";
#endif
  DaemonProcess daemon(Env{{"LUMINA_AUDIO_BACKEND", "null"}, {"LUMINA_AUDIO_SOURCE", "synth:demo"}});
  ASSERT_TRUE(daemon.wait_healthy()) << daemon.log();
  EXPECT_FALSE(daemon.stop(SIGSEGV, 20s).has_value()) << "ended by the signal, not an exit: " << daemon.log();
  EXPECT_FALSE(daemon.running());
  const std::string log = daemon.log();
  EXPECT_NE(log.find("luminad: fatal signal 11 (SIGSEGV), backtrace:"), std::string::npos) << log;
  const auto header = log.find("backtrace:");
  ASSERT_NE(header, std::string::npos);
  std::istringstream frames(log.substr(header));
  int own_frames = 0;
  for (std::string line; std::getline(frames, line);) own_frames += line.find("luminad(") != std::string::npos;
  EXPECT_GE(own_frames, 2) << "a backtrace through luminad's own code follows: " << log;
}

}  // namespace
}  // namespace lumina::testing
