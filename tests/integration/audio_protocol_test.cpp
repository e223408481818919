// The audio_* protocol against the real daemon on the null clock: source
// listing, selection (including unknown ids), engine start/stop, and file
// transport with its status pushes (protocol A.5, B.1–B.3, C.2).
#include <gtest/gtest.h>
#include <sndfile.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <numbers>
#include <thread>
#include <vector>

#include "daemon_process.hpp"
#include "loopback.hpp"
#include "ws_client.hpp"

namespace lumina::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

// A mono 440 Hz tone; returns the path.
fs::path write_tone(const fs::path& dir, const std::string& name, double seconds, int rate = 48000) {
  const fs::path path = dir / name;
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  std::vector<float> data(static_cast<std::size_t>(seconds * rate));
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(0.5 * std::sin(2 * std::numbers::pi * 440.0 * i / rate));
  sf_writef_float(f, data.data(), static_cast<sf_count_t>(data.size()));
  sf_close(f);
  return path;
}

class AudioProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon = std::make_unique<DaemonProcess>(Env{{"LUMINA_AUDIO_BACKEND", "null"}, {"LUMINA_AUDIO_SOURCE", "synth:demo"}});
    ASSERT_TRUE(daemon->wait_healthy()) << daemon->log();
    ws = std::make_unique<WsClient>(daemon->port());
    ASSERT_TRUE(ws->connected()) << ws->error();
    ASSERT_TRUE(ws->receive());  // hello_ack
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "---- luminad log ----\n" << daemon->log() << "\n";
  }

  // Sends a request and returns the first reply with that reqId (pushes are skipped).
  json request(const std::string& type, const json& payload = json::object(), std::chrono::milliseconds timeout = 5s) {
    return ws->request(type, payload, timeout);
  }

  std::string file_source(const std::string& name) {
    const json sources = request("audio_list_sources");
    for (const auto& item : sources["payload"]["items"]) {
      if (item["kind"] == "file" && item["name"] == name) return item["id"];
    }
    ADD_FAILURE() << "file " << name << " not listed: " << sources.dump();
    return "";
  }

  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<WsClient> ws;
};

TEST_F(AudioProtocolTest, ListsDemoAndMediaFilesWithDurations) {
  write_tone(daemon->data_dir() / "media", "tone.wav", 2.0);
  const json reply = request("audio_list_sources");
  EXPECT_EQ(reply["type"], "audio_sources");
  EXPECT_EQ(reply["payload"]["default"], "device:default");
  bool demo = false, file = false;
  for (const auto& item : reply["payload"]["items"]) {
    ASSERT_TRUE(item.contains("id") && item.contains("kind") && item.contains("name") && item.contains("channels") &&
                item.contains("sr"));
    if (item["id"] == "synth:demo") demo = true;
    if (item["kind"] == "file") {
      file = true;
      EXPECT_EQ(item["id"].get<std::string>().size(), 5U + 24U);
      EXPECT_NEAR(item["duration"].get<double>(), 2.0, 1e-3);
      EXPECT_EQ(item["sr"], 48000);
    }
  }
  EXPECT_TRUE(demo);
  EXPECT_TRUE(file);
}

TEST_F(AudioProtocolTest, UnknownSourceIsAnErrorAndChangesNothing) {
  const json before = json::parse(http_request(daemon->port(), "GET", "/api/status").body);
  const json reply = request("audio_set_source", {{"sourceId", "file:000000000000000000000000"}});
  EXPECT_EQ(reply["type"], "error");
  EXPECT_EQ(reply["payload"]["code"], "AUDIO_SET_SOURCE_FAILED");
  EXPECT_NE(reply["payload"]["message"].get<std::string>().find("unknown source"), std::string::npos);
  const json bad_type = request("audio_set_source", {{"sourceId", 42}});
  EXPECT_EQ(bad_type["payload"]["code"], "BAD_PAYLOAD");
  const json after = json::parse(http_request(daemon->port(), "GET", "/api/status").body);
  EXPECT_EQ(after["audio"]["sourceId"], before["audio"]["sourceId"]);
  EXPECT_EQ(after["audio"]["state"], "running");
}

TEST_F(AudioProtocolTest, SetSourceStopsThenStartRuns) {
  const json set = request("audio_set_source", {{"sourceId", "synth:demo"}});
  EXPECT_EQ(set["type"], "ack");
  EXPECT_EQ(set["payload"]["sourceId"], "synth:demo");
  EXPECT_EQ(json::parse(http_request(daemon->port(), "GET", "/api/status").body)["audio"]["state"], "stopped");
  const json start = request("audio_start");
  EXPECT_EQ(start["type"], "audio_status");
  EXPECT_EQ(start["payload"]["state"], "running");
  EXPECT_EQ(start["payload"]["sourceId"], "synth:demo");
  const json stop = request("audio_stop");
  EXPECT_EQ(stop["payload"]["state"], "stopped");

  // fps is an integer 1..60 (written 30 or 30.0); anything else is refused whole, naming the field.
  const json with_fps = request("audio_start", {{"fps", 30.0}});
  EXPECT_EQ(with_fps["type"], "audio_status") << with_fps.dump();
  EXPECT_EQ(with_fps["payload"]["state"], "running");
  for (const json& bad : {json(30.5), json(0), json(-1), json(61), json(1000000), json("x")}) {
    const json refused = request("audio_start", {{"fps", bad}});
    EXPECT_EQ(refused["type"], "error") << bad;
    EXPECT_EQ(refused["payload"]["code"], "BAD_PAYLOAD") << bad;
    EXPECT_NE(refused["payload"]["message"].get<std::string>().find("field 'fps' must be an integer 1..60"),
              std::string::npos)
        << refused.dump();
  }
}

// audio_start's and dsp_set_params' `fps` take effect (B.4): the audio_meter
// rate follows. Upper bounds only where the rate is low (a loaded machine
// can only make pushes rarer), a lower bound where it is high.
TEST_F(AudioProtocolTest, TelemetryFpsTakesEffectAtRunTime) {
  WsClient meters(daemon->port());
  ASSERT_TRUE(meters.receive());  // hello_ack
  ASSERT_TRUE(meters.send_json({{"type", "subscribe"}, {"payload", {{"streams", {"audio_meter"}}}}, {"reqId", 1}}));
  // Pushes received in `window` (a receive that times out closes the client:
  // every wait is longer than the slowest rate's gap; the first message after
  // the window ends the count).
  auto count_for = [&meters](std::chrono::milliseconds window) {
    int n = 0;
    const auto until = std::chrono::steady_clock::now() + window;
    for (;;) {
      const auto message = meters.receive(3s);
      if (!message) {
        ADD_FAILURE() << "no push for 3 s: " << meters.error();
        return n;
      }
      if (std::chrono::steady_clock::now() >= until) return n;
      if ((*message)["type"] == "audio_meter") ++n;
    }
  };
  ASSERT_EQ(request("audio_start", {{"fps", 5}})["type"], "audio_status");
  (void)count_for(500ms);  // pushes already queued at the old rate
  const int slow = count_for(3s);
  EXPECT_LE(slow, 3 * 5 + 2) << "at 5 fps";
  EXPECT_GT(slow, 0);
  ASSERT_EQ(request("dsp_set_params", {{"fps", 60}})["type"], "ack");
  (void)count_for(200ms);
  const int fast = count_for(3s);
  EXPECT_GT(fast, 3 * 5 + 2) << "at 60 fps: more than 5 fps could give";
  ASSERT_EQ(request("dsp_set_params", {{"fps", 2}})["type"], "ack");
  (void)count_for(600ms);
  EXPECT_LE(count_for(3s), 3 * 2 + 2) << "at 2 fps";
}

TEST_F(AudioProtocolTest, FileTransportPushesStatusThenAcks) {
  write_tone(daemon->data_dir() / "media", "song.wav", 3.0);
  const std::string id = file_source("song.wav");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(ws->send_json({{"type", "subscribe"}, {"payload", {{"streams", {"audio_file_status"}}}}, {"reqId", "s"}}));
  ASSERT_TRUE(ws->receive_type("ack"));
  EXPECT_EQ(request("audio_set_source", {{"sourceId", id}})["type"], "ack");
  EXPECT_EQ(request("audio_start")["payload"]["state"], "running");

  // Play: the push arrives before the ack.
  ASSERT_TRUE(ws->send_json({{"type", "audio_file_play"}, {"reqId", "p"}}));
  auto first = ws->receive();
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)["type"], "audio_file_status");
  EXPECT_EQ((*first)["payload"]["state"], "playing");
  EXPECT_EQ((*first)["payload"]["fileId"], id.substr(5));
  EXPECT_EQ((*first)["payload"]["name"], "song.wav");
  EXPECT_NEAR((*first)["payload"]["duration"].get<double>(), 3.0, 1e-3);
  EXPECT_EQ((*first)["payload"]["sr"], 48000);
  EXPECT_EQ((*first)["payload"]["channels"], 1);
  EXPECT_TRUE((*first)["ts"].is_number_float());
  auto ack = ws->receive_type("ack");
  ASSERT_TRUE(ack);
  EXPECT_EQ((*ack)["reqId"], "p");

  // While playing: periodic pushes (≈ 4 Hz) with an advancing position.
  double last = -1;
  int pushes = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < 1200ms) {
    auto m = ws->receive_type("audio_file_status", 1s);
    ASSERT_TRUE(m);
    const double pos = (*m)["payload"]["position"];
    EXPECT_GE(pos, last);
    last = pos;
    ++pushes;
  }
  EXPECT_GE(pushes, 3);
  EXPECT_GT(last, 0.5);

  // Seek (clamped), pause, status_get.
  EXPECT_EQ(request("audio_file_seek", {{"seconds", 99.0}})["type"], "ack");
  const json bad_seek = request("audio_file_seek", {{"seconds", "middle"}});
  EXPECT_EQ(bad_seek["payload"]["code"], "FILE_SEEK_FAILED");
  EXPECT_EQ(request("audio_file_seek", {{"seconds", 1.5}})["type"], "ack");
  EXPECT_EQ(request("audio_file_pause")["type"], "ack");
  std::this_thread::sleep_for(100ms);
  const json paused = request("audio_file_status_get");
  EXPECT_EQ(paused["type"], "audio_file_status");
  EXPECT_EQ(paused["payload"]["state"], "paused");
  EXPECT_NEAR(paused["payload"]["position"].get<double>(), 1.5, 0.1);
  EXPECT_TRUE(paused["ts"].is_number_float());

  // Play to the end: a push says stopped at the end; play again restarts at 0.
  EXPECT_EQ(request("audio_file_seek", {{"seconds", 2.8}})["type"], "ack");
  EXPECT_EQ(request("audio_file_play")["type"], "ack");
  bool ended = false;
  const auto t1 = std::chrono::steady_clock::now();
  while (!ended && std::chrono::steady_clock::now() - t1 < 3s) {
    auto m = ws->receive_type("audio_file_status", 2s);
    ASSERT_TRUE(m);
    ended = (*m)["payload"]["state"] == "stopped" && (*m)["payload"]["ended"] == true;
  }
  EXPECT_TRUE(ended) << "end of file is pushed";
  EXPECT_EQ(request("audio_file_play")["type"], "ack");
  std::this_thread::sleep_for(300ms);
  const json again = request("audio_file_status_get");
  EXPECT_EQ(again["payload"]["state"], "playing");
  EXPECT_LT(again["payload"]["position"].get<double>(), 1.0);

  // audio_stop really stops the file.
  EXPECT_EQ(request("audio_stop")["payload"]["state"], "stopped");
  std::this_thread::sleep_for(100ms);
  const json stopped = request("audio_file_status_get");
  EXPECT_EQ(stopped["payload"]["state"], "stopped");
  EXPECT_EQ(stopped["payload"]["position"], 0.0);

  const json status = json::parse(http_request(daemon->port(), "GET", "/api/status").body);
  EXPECT_EQ(status["audio"]["underruns"], 0);
}

TEST_F(AudioProtocolTest, FileCommandsWithoutAFileAreClearErrors) {
  const json status = request("audio_file_status_get");
  EXPECT_EQ(status["payload"], (json{{"state", "stopped"}, {"fileId", nullptr}, {"duration", 0.0}, {"position", 0.0}}));
  const json play = request("audio_file_play");
  EXPECT_EQ(play["payload"]["code"], "FILE_PLAY_FAILED");
  EXPECT_NE(play["payload"]["message"].get<std::string>().find("audio_set_source"), std::string::npos);
  const json seek = request("audio_file_seek", {{"seconds", 1}});
  EXPECT_EQ(seek["payload"]["code"], "FILE_SEEK_FAILED");
}

TEST_F(AudioProtocolTest, NewMediaFilesArePushedToSourceSubscribers) {
  ASSERT_TRUE(ws->send_json({{"type", "subscribe"}, {"payload", {{"streams", {"audio_sources"}}}}, {"reqId", 1}}));
  ASSERT_TRUE(ws->receive_type("ack"));
  write_tone(daemon->data_dir() / "media", "new.wav", 0.5);
  auto pushed = ws->receive_type("audio_sources", 6s);
  ASSERT_TRUE(pushed) << "a file added to the media folder is announced";
  bool listed = false;
  for (const auto& item : (*pushed)["payload"]["items"]) listed = listed || item["name"] == "new.wav";
  EXPECT_TRUE(listed);
}

TEST_F(AudioProtocolTest, DspParamsTakeEffectOrAreRejectedWhole) {
  ASSERT_TRUE(ws->send_json({{"type", "subscribe"}, {"payload", {{"streams", {"audio_meter"}}}}, {"reqId", "m"}}));
  ASSERT_TRUE(ws->receive_type("ack"));
  auto meter = ws->receive_type("audio_meter");
  ASSERT_TRUE(meter);
  EXPECT_EQ((*meter)["payload"]["bands"].size(), 8U);

  // Invalid: named field and range; nothing applied (bands stays 8).
  const json bad = request("dsp_set_params", {{"bands", 12}, {"fftSize", 1000}});
  EXPECT_EQ(bad["type"], "error");
  EXPECT_EQ(bad["payload"]["code"], "BAD_PAYLOAD");
  EXPECT_NE(bad["payload"]["message"].get<std::string>().find("fftSize"), std::string::npos);
  EXPECT_NE(bad["payload"]["message"].get<std::string>().find("power of two"), std::string::npos);
  EXPECT_EQ(request("dsp_set_params", {{"analysisGain", 0.01}})["payload"]["code"], "BAD_PAYLOAD");
  EXPECT_EQ(request("dsp_set_params", {{"monitor", "yes"}})["payload"]["code"], "BAD_PAYLOAD");
  EXPECT_EQ(request("dsp_set_params", {{"mockEvents", true}})["payload"]["code"], "BAD_PAYLOAD");
  const json big_block = request("dsp_set_params", {{"block", 4096}, {"fftSize", 1024}});
  EXPECT_EQ(big_block["payload"]["code"], "BAD_PAYLOAD") << "hop larger than the FFT is refused";
  EXPECT_EQ(big_block["payload"]["message"], "field 'block' must be in 64..fftSize (1024), got 4096")
      << "named by the field the client sent";
  std::this_thread::sleep_for(200ms);
  meter = ws->receive_type("audio_meter");
  ASSERT_TRUE(meter);
  EXPECT_EQ((*meter)["payload"]["bands"].size(), 8U);

  // Valid: takes effect while running, meters keep flowing. An integral
  // float counts as an integer (some clients write every number so).
  const json ok = request("dsp_set_params", {{"bands", 16.0},
                                             {"fftSize", 4096},
                                             {"block", 256},
                                             {"analysisGain", 2.0},
                                             {"gateRms", 0.0},
                                             {"monitor", true},
                                             {"mockEvents", false},
                                             {"colour", "red"}});
  EXPECT_EQ(ok["type"], "ack");
  EXPECT_EQ(ok["payload"]["ignored"], json::array({"colour"}));
  bool sixteen = false;
  for (int i = 0; i < 30 && !sixteen; ++i) {
    meter = ws->receive_type("audio_meter", 2s);
    ASSERT_TRUE(meter) << "meters keep flowing through the change";
    sixteen = (*meter)["payload"]["bands"].size() == 16U;
  }
  EXPECT_TRUE(sixteen);
  const json status = json::parse(http_request(daemon->port(), "GET", "/api/status").body);
  EXPECT_EQ(status["audio"]["monitor"], true);
  EXPECT_EQ(status["audio"]["underruns"], 0);
}

}  // namespace
}  // namespace lumina::testing
