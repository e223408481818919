// The server-side show end to end: the real luminad on the null clock with
// the demo source, its Art-Net and sACN read back on 127.0.0.1, driven over
// the WebSocket (show_get/show_set, scene_select, dmx_master, dmx_blackout,
// dmx_release, legacy writes, dmx_frame pushes) and across a restart.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <optional>
#include <thread>

#include "daemon_process.hpp"
#include "loopback.hpp"
#include "lumina/lighting/artdmx.hpp"
#include "lumina/lighting/sacn.hpp"
#include "ws_client.hpp"

namespace lumina::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The next ArtDmx of `universe` (other datagrams skipped), or nullopt.
std::optional<std::vector<std::uint8_t>> next_universe(UdpReceiver& udp, std::uint16_t universe,
                                                       std::chrono::milliseconds timeout = 2s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto datagram = udp.receive(500ms);
    if (!datagram) continue;
    auto view = parse_artdmx(datagram->data(), datagram->size());
    if (view && view->port_address == universe) return std::vector<std::uint8_t>(view->data.begin(), view->data.end());
  }
  return std::nullopt;
}

// Waits until a frame of `universe` satisfies `predicate`; the last frame seen otherwise.
template <typename Predicate>
bool wait_for_frame(UdpReceiver& udp, std::uint16_t universe, Predicate predicate, std::chrono::seconds within = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    auto frame = next_universe(udp, universe, 1s);
    if (frame && predicate(*frame)) return true;
  }
  return false;
}

bool all_zero(const std::vector<std::uint8_t>& frame) {
  return std::all_of(frame.begin(), frame.end(), [](std::uint8_t v) { return v == 0; });
}

class LightingTest : public ::testing::Test {
 protected:
  void start(const std::filesystem::path* data_dir = nullptr) {
    config_dir = std::make_unique<TempDir>();
    const json config = {
        {"audio", {{"backend", "null"}, {"source", "synth:demo"}}},
        {"dmx",
         {{"targets", {"127.0.0.1:" + std::to_string(artnet.port())}},
          {"artnet", {{"port", 0}, {"discovery", false}}},
          {"sacn", {{"enabled", true}, {"multicast", false}, {"unicast", {"127.0.0.1:" + std::to_string(sacn.port())}}}}}}};
    const auto path = config_dir->path() / "luminad.json";
    std::ofstream(path) << config.dump(2);
    Env env{{"LUMINA_ARTNET_TARGETS", "127.0.0.1:" + std::to_string(artnet.port())}};
    if (data_dir != nullptr) env["LUMINA_DATA_DIR"] = data_dir->string();
    daemon = std::make_unique<DaemonProcess>(env, std::vector<std::string>{"--config", path.string()});
    ASSERT_TRUE(daemon->wait_healthy()) << daemon->log();
    ws = std::make_unique<WsClient>(daemon->port());
    ASSERT_TRUE(ws->receive_type("hello_ack"));
  }
  void TearDown() override {
    if (HasFailure() && daemon) std::cerr << "---- luminad log ----\n" << daemon->log() << "\n";
  }

  json request(const std::string& type, const json& payload, int req_id) {
    EXPECT_TRUE(ws->send_json({{"type", type}, {"payload", payload}, {"reqId", req_id}}));
    for (int i = 0; i < 50; ++i) {
      auto message = ws->receive(5s);
      if (!message) break;
      if ((*message)["reqId"] == req_id) return *message;
    }
    ADD_FAILURE() << "no reply to " << type;
    return json::object();
  }

  UdpReceiver artnet;
  UdpReceiver sacn;
  std::unique_ptr<TempDir> config_dir;
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<WsClient> ws;
};

TEST_F(LightingTest, ShowGetDescribesTheDefaultRig) {
  start();
  const json reply = request("show_get", json::object(), 1);
  ASSERT_EQ(reply["type"], "show");
  const json& p = reply["payload"];
  EXPECT_EQ(p["scene"], "groove");
  EXPECT_EQ(p["show"]["fixtures"].size(), 12U);
  EXPECT_EQ(p["profiles"]["rgb"], json({"red", "green", "blue"}));
  EXPECT_EQ(p["master"], 1.0);
  EXPECT_EQ(p["blackout"], false);
  EXPECT_TRUE(p["pendingScene"].is_null());
}

TEST_F(LightingTest, ScenesOverridesMasterAndBlackoutReachTheWire) {
  start();
  // "full": every fixture white at full → pars 1..24 and dimmers 25..28 at 255.
  json ack = request("scene_select", {{"scene", "full"}}, 1);
  ASSERT_EQ(ack["type"], "ack") << ack.dump();
  EXPECT_EQ(ack["payload"]["scene"], "full");
  EXPECT_EQ(ack["payload"]["when"], "now");
  ASSERT_TRUE(wait_for_frame(artnet, 0, [](const auto& f) {
    return std::all_of(f.begin(), f.begin() + 28, [](std::uint8_t v) { return v == 255; }) && f[28] == 0;
  }));

  // A manual write sits above the show; the master scales both.
  ASSERT_TRUE(ws->send_text(R"([{"ch":2,"val":100},{"ch":300,"val":50,"u":0},{"ch":7,"val":9,"u":3}])"));
  ASSERT_TRUE(wait_for_frame(artnet, 0, [](const auto& f) { return f[1] == 100 && f[299] == 50; }));
  ASSERT_TRUE(wait_for_frame(artnet, 3, [](const auto& f) { return f[6] == 9; })) << "universe 3 from a write with u";
  ack = request("dmx_master", {{"level", 0.5}}, 2);
  ASSERT_EQ(ack["type"], "ack") << ack.dump();
  ASSERT_TRUE(wait_for_frame(artnet, 0, [](const auto& f) { return f[0] == 128 && f[1] == 50 && f[299] == 25; }));

  ack = request("dmx_blackout", {{"on", true}}, 3);
  ASSERT_EQ(ack["payload"]["blackout"], true);
  ASSERT_TRUE(wait_for_frame(artnet, 0, [](const auto& f) { return all_zero(f); }));
  ASSERT_TRUE(wait_for_frame(artnet, 3, [](const auto& f) { return all_zero(f); }));
  request("dmx_blackout", {{"on", false}}, 4);
  request("dmx_master", {{"level", 1.0}}, 5);
  ack = request("dmx_release", {{"u", 0.0}, {"ch", 2.0}}, 6);  // integral numbers written as floats count
  ASSERT_EQ(ack["type"], "ack") << ack.dump();
  ASSERT_TRUE(wait_for_frame(artnet, 0, [](const auto& f) { return f[1] == 255 && f[299] == 50; }));

  // The same frame goes out over sACN (universe 0 + offset 1).
  bool seen = false;
  for (int i = 0; i < 40 && !seen; ++i) {
    auto datagram = sacn.receive(1s);
    ASSERT_TRUE(datagram) << "no sACN";
    auto packet = parse_sacn_data(datagram->data(), datagram->size());
    ASSERT_TRUE(packet) << "malformed E1.31";
    seen = packet->header.universe == 1 && packet->slots[0] == 255 && packet->slots[299] == 50;
  }
  EXPECT_TRUE(seen);

  // Bad requests: precise errors, the connection stays.
  EXPECT_EQ(request("scene_select", {{"scene", "nope"}}, 7)["payload"]["code"], "SCENE_UNKNOWN");
  EXPECT_EQ(request("scene_select", {{"scene", "full"}, {"when", "later"}}, 8)["payload"]["code"], "BAD_PAYLOAD");
  EXPECT_EQ(request("dmx_master", {{"level", 2}}, 9)["payload"]["code"], "BAD_PAYLOAD");
  EXPECT_EQ(request("dmx_blackout", json::object(), 10)["payload"]["code"], "BAD_PAYLOAD");
  EXPECT_EQ(request("show_get", json::object(), 11)["type"], "show");
}

// A client that reads right after an ack reads what it set. The DMX thread
// applies a command on its next tick (up to 25 ms later); until a frame has
// applied it, show_get reports what was asked for over that frame.
TEST_F(LightingTest, ShowGetRightAfterAnAckReportsWhatWasSet) {
  start();
  int id = 1;
  for (int i = 0; i < 10; ++i) {
    const float level = 0.1F * static_cast<float>(i);
    ASSERT_EQ(request("dmx_master", {{"level", level}}, id++)["type"], "ack");
    EXPECT_FLOAT_EQ(request("show_get", json::object(), id++)["payload"]["master"].get<float>(), level);

    const bool on = i % 2 == 0;
    ASSERT_EQ(request("dmx_blackout", {{"on", on}}, id++)["type"], "ack");
    EXPECT_EQ(request("show_get", json::object(), id++)["payload"]["blackout"], on);

    const std::string scene = i % 2 == 0 ? "full" : "dark";
    ASSERT_EQ(request("scene_select", {{"scene", scene}}, id++)["type"], "ack");
    json p = request("show_get", json::object(), id++)["payload"];
    EXPECT_EQ(p["selectedScene"], scene) << p.dump();
    EXPECT_EQ(p["scene"], scene) << "no idle or label scene in the default show";
    EXPECT_TRUE(p["pendingScene"].is_null()) << p.dump();

    // Quantised: pending until the bar (unless a bar came in between, then done).
    ASSERT_EQ(request("scene_select", {{"scene", "groove"}, {"when", "bar"}}, id++)["type"], "ack");
    p = request("show_get", json::object(), id++)["payload"];
    const bool pending = p["pendingScene"] == json({{"scene", "groove"}, {"when", "bar"}});
    EXPECT_TRUE(pending || p["selectedScene"] == "groove") << p.dump();
    if (pending) {
      EXPECT_EQ(p["selectedScene"], scene) << p.dump();
    }
  }
  // A show set right after a scene selection keeps that scene, and says so
  // at once: in the ack, the push and show_get (before the DMX thread has
  // taken the new show).
  ASSERT_TRUE(ws->send_json({{"type", "subscribe"}, {"payload", {{"streams", {"show"}}}}, {"reqId", id++}}));
  const json show = request("show_get", json::object(), id++)["payload"]["show"];
  for (const std::string scene : {"dark", "full"}) {
    ASSERT_EQ(request("scene_select", {{"scene", scene}}, id++)["type"], "ack");
    const int set_id = id++;
    ASSERT_TRUE(ws->send_json({{"type", "show_set"}, {"payload", {{"show", show}}}, {"reqId", set_id}}));
    json pushed, ack;
    for (int i = 0; i < 50 && (pushed.is_null() || ack.is_null()); ++i) {
      auto message = ws->receive(5s);
      ASSERT_TRUE(message);
      const bool reply = message->contains("reqId") && (*message)["reqId"] == set_id;
      if (reply) ack = (*message)["payload"];
      if ((*message)["type"] == "show" && !reply) pushed = (*message)["payload"];
    }
    EXPECT_EQ(ack["scene"], scene) << ack.dump();
    EXPECT_EQ(pushed["selectedScene"], scene);
    EXPECT_EQ(pushed["scene"], scene);
    const json p = request("show_get", json::object(), id++)["payload"];
    EXPECT_EQ(p["selectedScene"], scene);
    EXPECT_EQ(p["scene"], scene);
  }

  // The frames then agree: what was set last is what the DMX thread applied.
  std::this_thread::sleep_for(100ms);  // four ticks
  const json p = request("show_get", json::object(), id++)["payload"];
  EXPECT_FLOAT_EQ(p.value("master", -1.0F), 0.1F * 9.0F) << p.dump();
  EXPECT_EQ(p["blackout"], false) << p.dump();
}

TEST_F(LightingTest, WritesBeyondSixteenOverrideUniversesAreRefusedNotLost) {
  start();
  // Universe 0 is patched; 100..114 are not: 16 universes hold overrides.
  json writes = json::array({{{"ch", 1}, {"val", 7}, {"u", 0}}});
  for (int u = 100; u < 115; ++u) writes.push_back({{"ch", 1}, {"val", 9}, {"u", u}});
  ASSERT_TRUE(ws->send_text(writes.dump()));
  ASSERT_TRUE(wait_for_frame(artnet, 114, [](const auto& f) { return f[0] == 9; }));
  // A seventeenth is refused whole, with the element and the way out; the
  // universe already held in the same batch is not written either.
  ASSERT_TRUE(ws->send_text(R"([{"ch":2,"val":5,"u":100},{"ch":1,"val":9,"u":115}])"));
  const auto refused = ws->receive_type("error", 5s);
  ASSERT_TRUE(refused);
  EXPECT_EQ((*refused)["payload"]["code"], "BAD_PAYLOAD");
  const std::string message = (*refused)["payload"]["message"];
  EXPECT_NE(message.find("element 1: field 'u': universe 115"), std::string::npos) << message;
  EXPECT_NE(message.find("dmx_release"), std::string::npos) << message;
  // The status counts every universe sent: 0 and 100..114.
  json status = json::parse(http_request(daemon->port(), "GET", "/api/status").body);
  EXPECT_EQ(status["dmx"]["universes"], 16) << status["dmx"].dump();
  EXPECT_EQ(status["dmx"]["overridesDropped"], 0);
  // Releasing one universe makes room.
  ASSERT_EQ(request("dmx_release", {{"u", 100}}, 1)["type"], "ack");
  ASSERT_TRUE(ws->send_text(R"([{"ch":1,"val":9,"u":115}])"));
  ASSERT_TRUE(wait_for_frame(artnet, 115, [](const auto& f) { return f[0] == 9; }));
  EXPECT_EQ(json::parse(http_request(daemon->port(), "GET", "/api/status").body)["dmx"]["overridesDropped"], 0);
}

TEST_F(LightingTest, BeatQuantisedSwitchWaitsForABeat) {
  start();
  ASSERT_TRUE(ws->send_json({{"type", "subscribe"}, {"payload", {{"streams", {"dmx_frame", "beat"}}}}, {"reqId", 1}}));
  const json ack = request("scene_select", {{"scene", "dark"}, {"when", "beat"}}, 2);
  ASSERT_EQ(ack["payload"]["when"], "beat");
  // The switch happens once the demo's beat comes (the exact tick is covered
  // by DmxThread.SceneSwitchOnBeatLandsOnTheTickAfterTheBeat).
  bool switched = false;
  const auto deadline = std::chrono::steady_clock::now() + 8s;
  while (!switched && std::chrono::steady_clock::now() < deadline) {
    auto message = ws->receive(2s);
    ASSERT_TRUE(message);
    if ((*message)["type"] != "dmx_frame") continue;
    if ((*message)["payload"]["scene"] == "dark") switched = true;
  }
  EXPECT_TRUE(switched);
  ASSERT_TRUE(wait_for_frame(artnet, 0, [](const auto& f) { return all_zero(f); }));
}

TEST_F(LightingTest, DmxFramePushCarriesTheUniverse) {
  start();
  ASSERT_TRUE(ws->send_json({{"type", "subscribe"}, {"payload", {{"streams", {"dmx_frame"}}}}, {"reqId", 1}}));
  const auto frame = ws->receive_type("dmx_frame", 3s);
  ASSERT_TRUE(frame);
  const json& p = (*frame)["payload"];
  ASSERT_EQ(p["universes"].size(), 1U);
  EXPECT_EQ(p["universes"][0]["u"], 0);
  EXPECT_EQ(p["universes"][0]["dmx"].size(), 512U);
  EXPECT_EQ(p["universes"][0]["held"], json::array()) << "no manual override yet";
  EXPECT_EQ(p["scene"], "groove");
  EXPECT_TRUE((*frame).contains("ts"));

  // Manual overrides are listed per universe as [channel, value] as written,
  // before the master scales the output: any page can show what is held.
  request("dmx_master", {{"level", 0.5}}, 2);
  ASSERT_TRUE(ws->send_text(R"([{"ch":5,"val":200},{"ch":512,"val":0},{"ch":7,"val":9,"u":3}])"));
  auto held_in = [](const json& payload, int u) {
    for (const auto& uni : payload["universes"]) {
      if (uni["u"] == u) return uni["held"];
    }
    return json();
  };
  std::optional<json> seen;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    const auto next = ws->receive_type("dmx_frame", 2s);
    ASSERT_TRUE(next);
    if (held_in((*next)["payload"], 3) == json::parse("[[7,9]]")) seen = (*next)["payload"];
  }
  ASSERT_TRUE(seen) << "universe 3's override listed";
  EXPECT_EQ(held_in(*seen, 0), json::parse("[[5,200],[512,0]]")) << seen->dump();
  request("dmx_release", {{"u", 0}, {"ch", 5}}, 3);
  bool released = false;
  while (!released && std::chrono::steady_clock::now() < deadline + 5s) {
    const auto next = ws->receive_type("dmx_frame", 2s);
    ASSERT_TRUE(next);
    released = held_in((*next)["payload"], 0) == json::parse("[[512,0]]");
  }
  EXPECT_TRUE(released) << "a released channel leaves the list";
}

TEST_F(LightingTest, InvalidShowIsRejectedWholeAndAValidOneSurvivesARestart) {
  TempDir data;
  start(&data.path());
  json show = request("show_get", json::object(), 1)["payload"]["show"];
  json bad = show;
  bad["scenes"][0]["effects"][0]["group"] = "nowhere";
  json reply = request("show_set", {{"show", bad}}, 2);
  ASSERT_EQ(reply["type"], "error");
  EXPECT_EQ(reply["payload"]["code"], "SHOW_INVALID");
  EXPECT_EQ(reply["payload"]["message"], "scenes[0].effects[0].group: unknown group or fixture 'nowhere'");
  EXPECT_FALSE(std::filesystem::exists(data.path() / "show.json"));
  EXPECT_EQ(request("show_get", json::object(), 3)["payload"]["show"], show) << "the running show stays";

  // A valid change: one extra dimmer on universe 2 and a scene lighting it.
  show["fixtures"].push_back({{"id", "extra"}, {"profile", "dimmer"}, {"universe", 2}, {"address", 10}});
  show["scenes"].push_back({{"name", "extra-on"}, {"effects", {{{"type", "static"}, {"group", "extra"}, {"level", 1.0}}}}});
  ASSERT_TRUE(ws->send_json({{"type", "subscribe"}, {"payload", {{"streams", {"show"}}}}, {"reqId", 4}}));
  reply = request("show_set", {{"show", show}}, 5);
  ASSERT_EQ(reply["type"], "ack") << reply.dump();
  EXPECT_TRUE(std::filesystem::exists(data.path() / "show.json"));
  request("scene_select", {{"scene", "extra-on"}}, 6);
  ASSERT_TRUE(wait_for_frame(artnet, 2, [](const auto& f) { return f[9] == 255; }));

  // Restart on the same data dir: the saved show comes back.
  ws.reset();
  ASSERT_EQ(daemon->stop(SIGTERM), 0);
  daemon.reset();
  start(&data.path());
  const json after = request("show_get", json::object(), 7)["payload"];
  EXPECT_EQ(after["show"], show);
  EXPECT_NE(after["origin"].get<std::string>().find("show.json"), std::string::npos);
  EXPECT_EQ(request("scene_select", {{"scene", "extra-on"}}, 8)["type"], "ack");
}

TEST_F(LightingTest, CorruptSavedShowFallsBackToTheDefault) {
  TempDir data;
  std::ofstream(data.path() / "show.json") << "{\"fixtures\": [";
  start(&data.path());
  const json p = request("show_get", json::object(), 1)["payload"];
  EXPECT_EQ(p["origin"], "built-in default show");
  EXPECT_NE(daemon->log().find("show.json: not valid JSON"), std::string::npos) << daemon->log();
  ASSERT_TRUE(next_universe(artnet, 0)) << "lights keep running";
}

}  // namespace
}  // namespace lumina::testing
