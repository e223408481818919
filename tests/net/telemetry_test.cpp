#include "net/telemetry.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace lumina::net {
namespace {

using nlohmann::json;

TEST(Telemetry, AudioMeterHasRmsPeakAndBandCountBands) {
  AnalysisFrame frame;
  frame.rms = 0.25F;
  frame.peak = 0.5F;
  frame.band_count = 12;
  for (std::uint32_t i = 0; i < frame.band_count; ++i) frame.bands[i] = static_cast<float>(i) / 16.0F;
  const SharedText text = encode_audio_meter(frame, 1700000000.5);
  const json message = json::parse(*text);
  EXPECT_EQ(message["type"], "audio_meter");
  EXPECT_TRUE(message["reqId"].is_null());
  EXPECT_DOUBLE_EQ(message["ts"].get<double>(), 1700000000.5);
  EXPECT_DOUBLE_EQ(message["payload"]["rms"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(message["payload"]["peak"].get<double>(), 0.5);
  ASSERT_EQ(message["payload"]["bands"].size(), 12U);
  EXPECT_DOUBLE_EQ(message["payload"]["bands"][4].get<double>(), 0.25);
}

TEST(Telemetry, MeterValuesStayInZeroToOne) {
  AnalysisFrame frame;
  frame.rms = 1.5F;
  frame.peak = std::numeric_limits<float>::quiet_NaN();
  frame.band_count = 2;
  frame.bands[0] = -0.2F;
  frame.bands[1] = std::numeric_limits<float>::infinity();
  const json payload = audio_meter_payload(frame);
  EXPECT_EQ(payload["rms"].get<double>(), 1.0);
  EXPECT_EQ(payload["peak"].get<double>(), 0.0);
  EXPECT_EQ(payload["bands"][0].get<double>(), 0.0);
  EXPECT_EQ(payload["bands"][1].get<double>(), 0.0);
}

TEST(Telemetry, MeterValuesAreRoundedForCompactJson) {
  AnalysisFrame frame;
  frame.rms = 0.1F;  // 0.100000001490116... as a double
  frame.band_count = 0;
  const SharedText text = encode_audio_meter(frame, 1.0);
  EXPECT_NE(text->find(R"("rms":0.1)"), std::string::npos) << *text;
  EXPECT_EQ(text->find("0.1000"), std::string::npos) << *text;
  EXPECT_NE(text->find(R"("bands":[])"), std::string::npos) << *text;
}

TEST(Telemetry, BandCountIsCappedAtKMaxBands) {
  AnalysisFrame frame;
  frame.band_count = 1000;
  EXPECT_EQ(audio_meter_payload(frame)["bands"].size(), AnalysisFrame::kMaxBands);
}

TEST(Telemetry, PushEnvelope) {
  const json message = json::parse(*encode_push("engine_status", {{"xruns", 0}}, 2.5));
  EXPECT_EQ(message, json::parse(R"({"type":"engine_status","payload":{"xruns":0},"reqId":null,"ts":2.5})"));
}

TEST(Telemetry, DspEventCarriesEveryContractField) {
  AnalysisFrame frame;
  frame.kick = 0.8F;
  frame.snare = 0.25F;
  frame.hihat = 1.7F;  // clamped
  frame.energy = 0.5F;
  frame.bpm = 123.456F;
  frame.beat_phase = 0.125F;
  frame.bpm_confidence = 0.75F;
  const json payload = dsp_event_payload(frame, true, false);
  EXPECT_EQ(payload, json::parse(R"({"kick":0.8,"snare":0.25,"hihat":1.0,"energy":0.5,"bpm":123.46,
                                     "beat":true,"onset":false,"beatPhase":0.125,"bpmConfidence":0.75})"));
}

TEST(Telemetry, DspEventUnknownTempoIsZero) {
  AnalysisFrame frame;
  frame.bpm = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(dsp_event_payload(frame, false, true)["bpm"].get<double>(), 0.0);
  frame.bpm = -5.0F;
  EXPECT_EQ(dsp_event_payload(frame, false, true)["bpm"].get<double>(), 0.0);
  EXPECT_EQ(dsp_event_payload(frame, false, true)["onset"], true);
}

TEST(Telemetry, BeatPayload) {
  AnalysisFrame frame;
  frame.bpm = 120.0F;
  frame.beat_phase = 0.0625F;
  frame.last_beat_time = 480000;
  frame.beat_count = 17;
  EXPECT_EQ(beat_payload(frame), json::parse(R"({"bpm":120.0,"phase":0.0625,"sampleTime":480000,"count":17})"));
}

}  // namespace
}  // namespace lumina::net
