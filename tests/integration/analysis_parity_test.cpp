// Daemon vs `luminad analyze` on the same file (issue 4, "done when"): a drum
// clip from the evaluation generator is analysed offline, then uploaded to the
// real daemon (null clock), played, and the `beat` / `dsp_event` pushes are
// compared with the offline detections.
//
// Aligning the two clocks: a `beat` push carries the daemon's sample-clock
// index, `analyze` reports file time. The file started playing at sample-clock
// index S0 = audio.frames - file.position × rate, both read from one
// GET /api/status while playing (the engine publishes both after every
// callback). The two values are read a few microseconds apart, so a callback
// can land in between; the estimate is taken over many polls and the most
// frequent value wins. This is exact, unlike wall-clock `ts` pairs (network
// and scheduling jitter of tens of ms) or fitting the beat lists to each
// other (a steady groove fits equally well shifted by whole beats).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "corpus.hpp"
#include "daemon_process.hpp"
#include "loopback.hpp"
#include "ws_client.hpp"

namespace lumina::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

constexpr double kRate = 48000.0;
constexpr double kHop = 512.0;        // dsp.hop default: the beat tracker's time grid
constexpr double kSkipSeconds = 4.0;  // lock-in: both sides start from silence, but at another hop phase
constexpr const char* kClip = "funk16_96";
constexpr const char* kBoundary = "luminaParityBoundary51c2";

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

struct Detections {
  std::vector<double> onsets;  // seconds
  std::vector<double> beats;   // seconds
  double duration = 0.0;
};

Detections run_analyze(const fs::path& wav) {
  Detections d;
  const RunResult r = run_luminad({"analyze", wav.string(), "--json"}, {}, 120s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    const json o = json::parse(line);
    if (o["type"] == "onset") d.onsets.push_back(o["time"]);
    if (o["type"] == "beat") d.beats.push_back(o["time"]);
    if (o["type"] == "end") d.duration = o["duration"];
  }
  return d;
}

// Fraction of `times` within [from, until] that have a partner in `others` within `tolerance`.
double matched_fraction(const std::vector<double>& times, const std::vector<double>& others, double tolerance,
                        double from, double until) {
  std::size_t considered = 0, matched = 0;
  for (const double t : times) {
    if (t < from || t > until) continue;
    ++considered;
    const bool hit = std::any_of(others.begin(), others.end(), [&](double o) { return std::fabs(o - t) <= tolerance; });
    if (hit) ++matched;
  }
  return considered ? static_cast<double>(matched) / static_cast<double>(considered) : 0.0;
}

class AnalysisParity : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && daemon) std::cerr << "---- luminad log ----\n" << daemon->log() << "\n";
  }

  json request(const std::string& type, const json& payload = json::object()) {
    return ws->request(type, payload, 10s, [this](const json& m) { collect(m); });
  }

  // Keeps what the comparison needs from any push that goes by.
  void collect(const json& m) {
    const std::string type = m.value("type", "");
    if (type == "beat") {
      beat_sample_times.push_back(m["payload"]["sampleTime"].get<std::uint64_t>());
      beat_counts.push_back(m["payload"]["count"].get<std::uint64_t>());
    } else if (type == "dsp_event") {
      ++dsp_events;
      if (m["payload"]["onset"] == true) ++onset_flags;
    } else if (type == "audio_file_status" && m["payload"].value("ended", false)) {
      ended = true;
    }
  }

  TempDir work;
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<WsClient> ws;
  std::vector<std::uint64_t> beat_sample_times, beat_counts;
  std::size_t dsp_events = 0, onset_flags = 0;
  bool ended = false;
};

TEST_F(AnalysisParity, DaemonPushesCarryTheSameDetectionsAsAnalyze) {
  const fs::path wav = render_corpus_clip(work.path(), kClip, 0).wav;

  const Detections offline = run_analyze(wav);
  ASSERT_GT(offline.beats.size(), 30U);
  ASSERT_GT(offline.onsets.size(), 100U);

  // 60 pushes a second: two onsets (≥ 50 ms apart) never share one dsp_event.
  const fs::path config = work.path() / "luminad.json";
  std::ofstream(config) << R"({"telemetry": {"fps": 60}})";
  daemon = std::make_unique<DaemonProcess>(Env{{"LUMINA_AUDIO_BACKEND", "null"}},
                                           std::vector<std::string>{"--config", config.string()});
  ASSERT_TRUE(daemon->wait_healthy()) << daemon->log();

  const std::string body = std::string("--") + kBoundary +
                           "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"groove.wav\"\r\n"
                           "Content-Type: audio/wav\r\n\r\n" +
                           read_all(wav) + "\r\n--" + kBoundary + "--\r\n";
  const HttpResponse up =
      http_request(daemon->port(), "POST", "/upload", body,
                   {{"Content-Type", std::string("multipart/form-data; boundary=") + kBoundary}}, 120s);
  ASSERT_EQ(up.status, 200) << up.body;
  const std::string source = json::parse(up.body)["sourceId"];

  ws = std::make_unique<WsClient>(daemon->port());
  ASSERT_TRUE(ws->connected()) << ws->error();
  ASSERT_TRUE(ws->receive());  // hello_ack
  for (const auto& [type, payload] : std::vector<std::pair<std::string, json>>{
           {"audio_set_source", {{"sourceId", source}}},
           {"audio_start", json::object()},
           {"subscribe", {{"streams", {"beat", "dsp_event", "audio_file_status"}}}},
           {"audio_file_play", json::object()}}) {
    const json reply = request(type, payload);
    ASSERT_NE(reply.value("type", "error"), "error") << type << ": " << reply.dump();
  }

  // Play to the end, polling /api/status for the clock offset on the way.
  std::map<std::int64_t, int> offsets;  // S0 candidate -> votes
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(offline.duration + 60.0);
  auto next_poll = std::chrono::steady_clock::now();
  while (!ended && std::chrono::steady_clock::now() < deadline) {
    if (auto m = ws->receive(200ms)) collect(*m);
    if (std::chrono::steady_clock::now() >= next_poll) {
      next_poll += 250ms;
      const HttpResponse r = http_request(daemon->port(), "GET", "/api/status");
      if (r.status != 200) continue;
      const json s = json::parse(r.body);
      const double position = s["file"]["position"];
      if (s["file"]["state"] != "playing" || position <= 0.1) continue;
      const auto frames = s["audio"]["frames"].get<std::int64_t>();
      ++offsets[frames - std::llround(position * kRate)];
    }
  }
  ASSERT_TRUE(ended) << "the file did not play to its end";
  // Pushes for the last hops of the file arrive within a few telemetry ticks.
  for (auto until = std::chrono::steady_clock::now() + 1s; std::chrono::steady_clock::now() < until;) {
    if (auto m = ws->receive(200ms)) collect(*m);
  }
  ASSERT_GE(offsets.size(), 1U);
  const auto best = std::max_element(offsets.begin(), offsets.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; });
  int votes = 0;
  for (const auto& [offset, n] : offsets) votes += n;
  const std::int64_t start = best->first;
  EXPECT_GE(best->second * 2, votes) << "no clear clock offset: " << json(offsets).dump();

  // Beats: the daemon's sample clock mapped to file time.
  std::vector<double> online_beats;
  for (const std::uint64_t t : beat_sample_times) {
    const double seconds = (static_cast<double>(t) - static_cast<double>(start)) / kRate;
    if (seconds >= 0.0 && seconds <= offline.duration) online_beats.push_back(seconds);
  }
  for (std::size_t i = 1; i < beat_counts.size(); ++i) {
    EXPECT_EQ(beat_counts[i], beat_counts[i - 1] + 1) << "a beat push was skipped";
  }
  const double tolerance = kHop / kRate;
  const double online_in_offline =
      matched_fraction(online_beats, offline.beats, tolerance, kSkipSeconds, offline.duration);
  const double offline_in_online =
      matched_fraction(offline.beats, online_beats, tolerance, kSkipSeconds, offline.duration);
  const double whole_clip = matched_fraction(offline.beats, online_beats, tolerance, 0.0, offline.duration);
  std::vector<double> residual_ms;
  for (const double t : online_beats) {
    if (t < kSkipSeconds) continue;
    const auto nearest = std::min_element(offline.beats.begin(), offline.beats.end(),
                                          [&](double a, double b) { return std::fabs(a - t) < std::fabs(b - t); });
    if (nearest != offline.beats.end() && std::fabs(*nearest - t) <= tolerance)
      residual_ms.push_back((t - *nearest) * 1e3);
  }
  std::sort(residual_ms.begin(), residual_ms.end());
  std::cout << "clock offset " << start << " (" << best->second << "/" << votes << " polls)\n"
            << "beats: analyze " << offline.beats.size() << ", daemon " << online_beats.size()
            << "; matched within ±1 hop after " << kSkipSeconds << " s: daemon→analyze " << online_in_offline
            << ", analyze→daemon " << offline_in_online << " (whole clip " << whole_clip << ")\n";
  if (!residual_ms.empty()) {
    std::cout << "beat residual daemon−analyze ms: min " << residual_ms.front() << ", median "
              << residual_ms[residual_ms.size() / 2] << ", max " << residual_ms.back() << "\n";
  }
  std::cout << "onsets: analyze " << offline.onsets.size() << ", daemon dsp_event onset flags " << onset_flags
            << " (of " << dsp_events << " dsp_events)\n";

  // Measured (2-core machine, loaded): every beat matched, residual median
  // 0 ms (max 1.5 ms), onset flags equal to the offline onset count. The
  // bounds leave room for a dropped analysis chunk on a busy machine, not
  // for a different code path (which shifts beats by whole sub-hops or more).
  EXPECT_GE(online_in_offline, 0.95);
  EXPECT_GE(offline_in_online, 0.95);
  EXPECT_NEAR(static_cast<double>(online_beats.size()), static_cast<double>(offline.beats.size()), 2.0);
  ASSERT_FALSE(residual_ms.empty());
  EXPECT_LE(std::fabs(residual_ms[residual_ms.size() / 2]), 1.0) << "beats are systematically shifted";
  const double onset_ratio = static_cast<double>(onset_flags) / static_cast<double>(offline.onsets.size());
  EXPECT_NEAR(onset_ratio, 1.0, 0.02) << onset_flags << " vs " << offline.onsets.size();
}

}  // namespace
}  // namespace lumina::testing
