// End-to-end tests of the extension API (ServerHooks::handlers,
// Server::publish) and the analysis pushes (dsp_event, beat).
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lumina/net/server.hpp"
#include "net/net_test_support.hpp"

namespace lumina {
namespace {

using namespace lumina::test;

json subscribe(WsClient& client, const std::vector<std::string>& streams, int req_id) {
  client.send({{"type", "subscribe"}, {"payload", {{"streams", streams}}}, {"reqId", req_id}});
  return client.read_type("ack");
}

class ServerHandlersTest : public ServerFixture {
 protected:
  void configure(ServerOptions&, ServerHooks& hooks) override {
    // A.5: push audio_file_status to subscribers, then ack.
    hooks.handlers["audio_file_play"] = [this](const json& payload, ControlReply& reply) {
      server_->publish("audio_file_status", {{"state", "playing"}, {"position", payload.value("from", 0.0)}});
      reply.ack();
    };
    hooks.handlers["audio_list_sources"] = [](const json&, ControlReply& reply) {
      reply.reply("audio_sources", {{"default", "device:default"}, {"items", json::array()}});
    };
    hooks.handlers["audio_file_seek"] = [](const json& payload, ControlReply& reply) {
      if (!payload.contains("seconds")) throw std::runtime_error("seek without seconds");
      reply.ack();
    };
  }
};

TEST_F(ServerHandlersTest, HandlerReplyEchoesReqIdAndTs) {
  WsClient client(port());
  client.read();
  client.send({{"type", "audio_list_sources"}, {"reqId", {{"k", "v"}}}});
  const json reply = client.read();
  EXPECT_EQ(reply["type"], "audio_sources");
  EXPECT_EQ(reply["payload"]["default"], "device:default");
  EXPECT_EQ(reply["reqId"], json({{"k", "v"}}));
  EXPECT_TRUE(reply["ts"].is_number_float());
}

TEST_F(ServerHandlersTest, PushFromAHandlerPrecedesItsAck) {
  WsClient listener(port());
  listener.read();
  subscribe(listener, {"audio_file_status"}, 1);
  WsClient caller(port());
  caller.read();
  subscribe(caller, {"audio_file_status"}, 1);

  caller.send({{"type", "audio_file_play"}, {"payload", {{"from", 2.5}}}, {"reqId", "play"}});
  const json push = caller.read();
  EXPECT_EQ(push["type"], "audio_file_status");
  EXPECT_TRUE(push["reqId"].is_null());
  EXPECT_TRUE(push["ts"].is_number_float());
  EXPECT_EQ(push["payload"], json({{"state", "playing"}, {"position", 2.5}}));
  const json ack = caller.read();
  EXPECT_EQ(ack["type"], "ack");
  EXPECT_EQ(ack["reqId"], "play");

  // Other subscribers get the same push.
  EXPECT_EQ(listener.read()["payload"]["state"], "playing");
}

TEST_F(ServerHandlersTest, NonSubscribersGetOnlyTheirAck) {
  WsClient caller(port());
  caller.read();
  caller.send({{"type", "audio_file_play"}, {"reqId", 7}});
  const json ack = caller.read();
  EXPECT_EQ(ack["type"], "ack");
  EXPECT_EQ(ack["reqId"], 7);
  EXPECT_EQ(fence(caller, 8)["reqId"], 8);  // nothing else was queued
}

TEST_F(ServerHandlersTest, ThrowingHandlerIsInternalErrorAndTheConnectionStays) {
  WsClient client(port());
  client.read();
  client.send({{"type", "audio_file_seek"}, {"reqId", 3}});
  const json reply = client.read();
  EXPECT_EQ(reply["type"], "error");
  EXPECT_EQ(reply["payload"]["code"], "INTERNAL_ERROR");
  EXPECT_EQ(reply["payload"]["message"], "seek without seconds");
  EXPECT_EQ(reply["reqId"], 3);
  client.send({{"type", "audio_file_seek"}, {"payload", {{"seconds", 1}}}, {"reqId", 4}});
  EXPECT_EQ(client.read()["type"], "ack");
}

TEST(ServerHandlers, BuiltInTypesCannotBeOverridden) {
  for (const char* type : {"subscribe", "unsubscribe", "auth"}) {
    ServerOptions options;
    options.port = 0;
    ServerHooks hooks;
    hooks.handlers[type] = [](const json&, ControlReply& reply) { reply.ack(); };
    Server server(options, hooks);
    EXPECT_THROW(server.start(), std::invalid_argument) << type;
    server.stop();
  }
}

class ServerPublishTest : public ServerFixture {};

TEST_F(ServerPublishTest, PublishFromAnotherThreadReachesOnlySubscribersInOrder) {
  WsClient subscriber(port());
  subscriber.read();
  subscribe(subscriber, {"audio_sources"}, 1);
  WsClient bystander(port());
  bystander.read();
  subscribe(bystander, {"audio_meter"}, 1);

  constexpr int kEvents = 100;
  std::thread publisher([this] {
    for (int i = 0; i < kEvents; ++i) server_->publish("audio_sources", {{"n", i}});
  });
  publisher.join();
  // Events are never replaced: all arrive, in order.
  for (int i = 0; i < kEvents; ++i) {
    const json event = subscriber.read();
    ASSERT_EQ(event["type"], "audio_sources");
    EXPECT_EQ(event["payload"]["n"], i);
    EXPECT_TRUE(event["reqId"].is_null());
  }
  EXPECT_EQ(fence(bystander, 2)["reqId"], 2);
}

TEST_F(ServerPublishTest, BadPublishIsDroppedNotThrown) {
  WsClient client(port());
  client.read();
  subscribe(client, {""}, 1);
  EXPECT_NO_THROW(server_->publish("", {{"x", 1}}));
  EXPECT_NO_THROW(server_->publish("x", json::array()));
  EXPECT_EQ(fence(client, 2)["reqId"], 2);
}

TEST(ServerPublish, PublishWhileStoppedIsIgnored) {
  ServerOptions options;
  options.port = 0;
  Server server(options, ServerHooks{});
  server.publish("audio_sources", {{"items", json::array()}});
  server.start();
  server.stop();
  server.publish("audio_sources", {{"items", json::array()}});
}

TEST(ServerPublish, ConcurrentPublishAndStopIsSafe) {
  ServerOptions options;
  options.port = 0;
  Server server(options, ServerHooks{});
  std::atomic<bool> done{false};
  std::thread publisher([&] {
    while (!done.load()) server.publish("beat", {{"bpm", 120}});
  });
  for (int i = 0; i < 5; ++i) {
    server.start();
    std::this_thread::sleep_for(10ms);
    server.stop();
  }
  done.store(true);
  publisher.join();
}

class ServerAnalysisPushTest : public ServerFixture {};

TEST_F(ServerAnalysisPushTest, DspEventGoesWithEveryMeter) {
  FrameFeeder feeder(frames_, 8, 10);
  WsClient client(port());
  client.read();
  subscribe(client, {"audio_meter", "dsp_event"}, 1);
  int meters = 0;
  int events = 0;
  for (int i = 0; i < 40; ++i) {
    const json message = client.read();
    if (message["type"] == "audio_meter") ++meters;
    if (message["type"] != "dsp_event") continue;
    ++events;
    const json& payload = message["payload"];
    for (const char* key : {"kick", "snare", "hihat", "energy", "beatPhase", "bpmConfidence"}) {
      ASSERT_TRUE(payload[key].is_number()) << key;
      EXPECT_GE(payload[key].get<double>(), 0.0) << key;
      EXPECT_LE(payload[key].get<double>(), 1.0) << key;
    }
    EXPECT_EQ(payload["bpm"], 120.0);
    EXPECT_TRUE(payload["beat"].is_boolean());
    EXPECT_TRUE(payload["onset"].is_boolean());
    EXPECT_TRUE(message["reqId"].is_null());
  }
  EXPECT_GT(meters, 10);
  EXPECT_GT(events, 10);
  // Same frames, same rate: the counts differ by at most the message in flight.
  EXPECT_LE(std::abs(meters - events), 1);
}

TEST_F(ServerAnalysisPushTest, BeatFlagAndBeatPushFollowTheBeatCounter) {
  // A beat every 10 frames of 4 ms: ~25 beats/s, more than one per pump tick
  // at times, so the counter comparison (not a per-hop flag) must catch them.
  FrameFeeder feeder(frames_, 8, 10);
  WsClient client(port());
  client.read();
  subscribe(client, {"dsp_event", "beat"}, 1);
  int beats = 0;
  int beat_flags = 0;
  std::uint64_t last_count = 0;
  for (int i = 0; i < 200 && beats < 5; ++i) {
    const json message = client.read();
    if (message["type"] == "dsp_event" && message["payload"]["beat"] == true) ++beat_flags;
    if (message["type"] != "beat") continue;
    ++beats;
    const json& payload = message["payload"];
    EXPECT_EQ(payload["bpm"], 120.0);
    ASSERT_TRUE(payload["sampleTime"].is_number_unsigned());
    EXPECT_EQ(payload["sampleTime"].get<std::uint64_t>() % 512, 0U);
    ASSERT_TRUE(payload["phase"].is_number());
    const auto count = payload["count"].get<std::uint64_t>();
    EXPECT_GT(count, last_count);
    last_count = count;
  }
  EXPECT_GE(beats, 5);
  EXPECT_GE(beat_flags, 1);
}

TEST_F(ServerAnalysisPushTest, NoBeatWithoutBeats) {
  FrameFeeder feeder(frames_, 8);  // counters never move
  WsClient client(port());
  client.read();
  subscribe(client, {"dsp_event", "beat"}, 1);
  for (int i = 0; i < 20; ++i) {
    const json message = client.read();
    ASSERT_EQ(message["type"], "dsp_event");
    EXPECT_EQ(message["payload"]["beat"], false);
    EXPECT_EQ(message["payload"]["onset"], false);
    EXPECT_EQ(message["payload"]["bpm"], 0.0);
  }
}

}  // namespace
}  // namespace lumina
