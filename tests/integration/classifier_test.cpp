// The classifier inside the real luminad: the demo source (music) is
// classified and pushed as ai_classifier_event; a broken model path leaves
// the daemon running with the classifier degraded; a slowed worker drops
// side-chain blocks while audio and analysis carry on.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "daemon_process.hpp"
#include "host_watch.hpp"
#include "loopback.hpp"
#include "ws_client.hpp"

namespace lumina::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// A config file whose classifier section is `classifier` (the rest defaults).
std::string write_config(const TempDir& dir, const json& classifier) {
  const auto path = dir.path() / "luminad.json";
  std::ofstream(path) << json{{"classifier", classifier}}.dump();
  return path.string();
}

std::string shipped_model() { return std::string(LUMINA_SOURCE_DIR) + "/config/models/lumina-content.json"; }

Env demo_env() {
  return {{"LUMINA_AUDIO_BACKEND", "null"},
          {"LUMINA_AUDIO_SOURCE", "synth:demo"},
          {"LUMINA_ARTNET_TARGETS", "127.0.0.1:9"}};
}

json health(const DaemonProcess& d) { return json::parse(http_request(d.port(), "GET", "/health").body); }

TEST(ClassifierDaemon, DemoMusicIsClassifiedAsMusic) {
  TempDir config_dir;
  DaemonProcess daemon(demo_env(), {"--config", write_config(config_dir, {{"model", shipped_model()}})});
  ASSERT_TRUE(daemon.wait_healthy()) << daemon.log();
  WsClient ws(daemon.port());
  ASSERT_TRUE(ws.connected()) << ws.error();
  ASSERT_TRUE(
      ws.send_json({{"type", "subscribe"}, {"reqId", "s1"}, {"payload", {{"streams", {"ai_classifier_event"}}}}}));
  ASSERT_TRUE(ws.receive_type("ack", 5s).has_value());

  // Every event carries label, confidence and model only (never audio); the demo is music.
  int events = 0, music = 0;
  const auto deadline = std::chrono::steady_clock::now() + 40s;
  while (music < 3 && std::chrono::steady_clock::now() < deadline) {
    auto message = ws.receive_type("ai_classifier_event", 10s);
    if (!message) break;
    const json& p = (*message)["payload"];
    ++events;
    EXPECT_TRUE(p["label"].is_string());
    EXPECT_EQ(p["model"], "lumina-content@1");
    EXPECT_GE(p["confidence"].get<double>(), 0.0);
    EXPECT_LE(p["confidence"].get<double>(), 1.0);
    EXPECT_EQ(p.size(), 3U) << p.dump();
    if (p["label"] == "music") ++music;
  }
  EXPECT_GE(music, 3) << events << " events\n" << daemon.log();

  const json status = health(daemon)["classifier"];
  EXPECT_EQ(status["enabled"], true);
  EXPECT_EQ(status["degraded"], false);
  EXPECT_EQ(status["model"], "lumina-content@1");
  EXPECT_EQ(status["lastLabel"], "music");
  EXPECT_GT(status["enqueued"].get<std::uint64_t>(), 0U);
  const std::string metrics = http_request(daemon.port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("lumina_classifier_enqueued_total"), std::string::npos);
  EXPECT_NE(metrics.find("lumina_classifier_label{label=\"music\"} 1"), std::string::npos) << metrics;
}

TEST(ClassifierDaemon, SwitchingFromTheDemoToAnAnnouncementTurnsTheLabelToSpeech) {
  TempDir config_dir;
  DaemonProcess daemon(demo_env(), {"--config", write_config(config_dir, {{"model", shipped_model()}})});
  ASSERT_TRUE(daemon.wait_healthy()) << daemon.log();
  // An announcement the corpus never contained, generated here, in the daemon's media folder.
  const auto raw = config_dir.path() / "announcement22k.wav";
  const auto file = daemon.data_dir() / "media" / "announcement.wav";
  const std::string text =
      "Good evening everybody. The main act will be on stage in ten minutes. Please keep the emergency exits clear, "
      "and do not leave bags unattended. The bar at the back of the hall stays open during the show. Thank you.";
  ASSERT_EQ(
      std::system(("espeak-ng -v en-gb+m4 -s 160 -w " + raw.string() + " '" + text + "' >/dev/null 2>&1").c_str()), 0);
  ASSERT_EQ(std::system(("sox " + raw.string() + " -r 48000 " + file.string() + " norm -18 >/dev/null 2>&1").c_str()),
            0);

  WsClient ws(daemon.port());
  ASSERT_TRUE(ws.connected()) << ws.error();
  auto request = [&](const std::string& type, const json& payload = json::object()) {
    return ws.request(type, payload);
  };
  ASSERT_EQ(request("subscribe", {{"streams", {"ai_classifier_event"}}})["type"], "ack");
  auto wait_for_label = [&](const std::string& wanted) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto m = ws.receive_type("ai_classifier_event", 10s);
      if (!m) return false;
      if ((*m)["payload"]["label"] == wanted) return true;
    }
    return false;
  };
  ASSERT_TRUE(wait_for_label("music")) << daemon.log();

  std::string file_id;
  const json sources = request("audio_list_sources");
  for (const auto& item : sources["payload"]["items"]) {
    if (item["name"] == "announcement.wav") file_id = item["id"];
  }
  ASSERT_FALSE(file_id.empty()) << sources.dump();
  ASSERT_EQ(request("audio_set_source", {{"sourceId", file_id}})["type"], "ack");
  ASSERT_EQ(request("audio_start")["payload"]["state"], "running");
  ASSERT_EQ(request("audio_file_play")["type"], "ack");
  EXPECT_TRUE(wait_for_label("speech")) << health(daemon).dump() << "\n" << daemon.log();
}

TEST(ClassifierDaemon, CorruptModelDegradesOnlyTheClassifier) {
  TempDir dir;
  const auto model = dir.path() / "broken.json";
  std::ofstream(model) << "{\"name\": \"broken\", \"layers\": [";
  DaemonProcess daemon(demo_env(), {"--config", write_config(dir, {{"model", model.string()}})});
  ASSERT_TRUE(daemon.wait_healthy()) << daemon.log();
  const json first = health(daemon);
  EXPECT_EQ(first["classifier"]["degraded"], true);
  EXPECT_NE(first["classifier"]["reason"].get<std::string>().find("broken.json"), std::string::npos) << first.dump();
  EXPECT_NE(daemon.log().find("classifier disabled"), std::string::npos) << daemon.log();
  // Audio and analysis keep going.
  std::this_thread::sleep_for(1s);
  const json later = health(daemon);
  EXPECT_GT(later["analysis"]["frames"].get<std::uint64_t>(), first["analysis"]["frames"].get<std::uint64_t>());
  EXPECT_NE(http_request(daemon.port(), "GET", "/metrics").body.find("lumina_classifier_degraded 1"),
            std::string::npos);

  // A missing file is reported the same way.
  TempDir dir2;
  DaemonProcess missing(demo_env(), {"--config", write_config(dir2, {{"model", "no/such/model.json"}})});
  ASSERT_TRUE(missing.wait_healthy()) << missing.log();
  const json h = health(missing);
  EXPECT_EQ(h["classifier"]["degraded"], true);
  EXPECT_NE(h["classifier"]["reason"].get<std::string>().find("model.json"), std::string::npos) << h.dump();
  EXPECT_EQ(missing.stop(SIGTERM), 0);
}

TEST(ClassifierDaemon, OverloadedWorkerDropsBlocksAndAudioCarriesOn) {
  HostWatch host;
  TempDir config_dir;
  Env env = demo_env();
  env["LUMINA_TEST_CLASSIFIER_DELAY_US"] = "200000";  // 200 ms per 43 ms block
  DaemonProcess daemon(env, {"--config", write_config(config_dir, {{"model", shipped_model()}, {"queueSize", 8}})});
  ASSERT_TRUE(daemon.wait_healthy()) << daemon.log();
  json status;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    status = health(daemon);
    if (status["classifier"]["dropped"].get<std::uint64_t>() > 50) break;
    std::this_thread::sleep_for(250ms);
  }
  const json& c = status["classifier"];
  EXPECT_GT(c["dropped"].get<std::uint64_t>(), 50U) << status.dump();
  EXPECT_EQ(c["enqueued"].get<std::uint64_t>() + c["dropped"].get<std::uint64_t>(), c["offered"].get<std::uint64_t>());
  EXPECT_EQ(c["degraded"], false);
  // Nothing upstream noticed: the analysis ring never overflowed (the analysis
  // thread kept up with the callback) and the DMX thread kept ticking.
  EXPECT_EQ(status["audio"]["ringOverflows"], 0) << status.dump();
  // An xrun of the null clock is a stall of its thread (see host_watch.hpp).
  expect_xruns_unless_stolen(host, status["audio"]["xruns"].get<std::uint64_t>(), 0);
  EXPECT_GT(status["dmx"]["ticks"].get<std::uint64_t>(), 0U);
  std::cerr << "overload: offered " << c["offered"] << ", dropped " << c["dropped"] << ", dmx missed ticks "
            << status["dmx"]["missedTicks"] << " of " << status["dmx"]["ticks"] << "\n";
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace lumina::testing
