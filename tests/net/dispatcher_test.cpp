#include "net/dispatcher.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lumina/core/clock.hpp"

namespace lumina::net {
namespace {

using nlohmann::json;

class DispatcherTest : public ::testing::Test {
 protected:
  // Exactly one reply expected; returned parsed.
  json handle_one(std::string_view text) {
    const auto replies = dispatcher_.handle_text(text, client_);
    EXPECT_EQ(replies.size(), 1U) << text;
    if (replies.empty()) return json();
    return json::parse(replies.front());
  }

  std::vector<DmxOverride> writes_;
  Dispatcher dispatcher_{[this](const DmxOverride& write) {
    writes_.push_back(write);
    return true;
  }};
  ClientState client_;
};

TEST_F(DispatcherTest, ReqIdIsEchoedVerbatim) {
  for (const char* req_id : {R"("abc")", "42", "-3.5", R"({"n":[1,{"x":null}]})", "[1,2]", "true", "null"}) {
    const json reply =
        handle_one(std::string(R"({"type":"subscribe","payload":{"streams":[]},"reqId":)") + req_id + "}");
    EXPECT_EQ(reply["reqId"], json::parse(req_id)) << req_id;
  }
}

TEST_F(DispatcherTest, AbsentReqIdIsNull) {
  const json reply = handle_one(R"({"type":"subscribe","payload":{"streams":[]}})");
  ASSERT_TRUE(reply.contains("reqId"));
  EXPECT_TRUE(reply["reqId"].is_null());
}

TEST_F(DispatcherTest, EveryReplyHasFloatTs) {
  const double before = unix_seconds();
  for (const char* text : {R"({"type":"subscribe","payload":{"streams":[]}})", R"({"type":"zzz"})", "{bad",
                           R"({"type":"subscribe","payload":3})"}) {
    const json reply = handle_one(text);
    ASSERT_TRUE(reply["ts"].is_number()) << text;
    EXPECT_GE(reply["ts"].get<double>(), before - 1.0) << text;
    EXPECT_LE(reply["ts"].get<double>(), unix_seconds() + 1.0) << text;
  }
}

TEST_F(DispatcherTest, SubscribeAddsAndAcks) {
  const json reply = handle_one(R"({"type":"subscribe","payload":{"streams":["audio_meter","made_up"]},"reqId":1})");
  EXPECT_EQ(reply["type"], "ack");
  EXPECT_EQ(reply["payload"], json({{"ok", true}}));
  EXPECT_TRUE(client_.subscribed("audio_meter"));
  EXPECT_TRUE(client_.subscribed("made_up"));
  EXPECT_FALSE(client_.subscribed("dsp_event"));
}

TEST_F(DispatcherTest, UnsubscribeRemoves) {
  handle_one(R"({"type":"subscribe","payload":{"streams":["audio_meter","dsp_event"]}})");
  const json reply = handle_one(R"({"type":"unsubscribe","payload":{"streams":["audio_meter","never_had"]},"reqId":"u"})");
  EXPECT_EQ(reply["type"], "ack");
  EXPECT_EQ(reply["reqId"], "u");
  EXPECT_FALSE(client_.subscribed("audio_meter"));
  EXPECT_TRUE(client_.subscribed("dsp_event"));
}

TEST_F(DispatcherTest, SubscribeWithBadStreamsIsBadPayloadAndChangesNothing) {
  json reply = handle_one(R"({"type":"subscribe","payload":{"streams":["audio_meter",5]},"reqId":9})");
  EXPECT_EQ(reply["type"], "error");
  EXPECT_EQ(reply["payload"]["code"], "BAD_PAYLOAD");
  EXPECT_EQ(reply["payload"]["message"], "streams[1] must be a string");
  EXPECT_EQ(reply["reqId"], 9);
  EXPECT_TRUE(client_.streams.empty());

  reply = handle_one(R"({"type":"subscribe"})");
  EXPECT_EQ(reply["payload"]["message"], "field 'streams' must be an array of strings");
  reply = handle_one(R"({"type":"unsubscribe","payload":{"streams":"audio_meter"}})");
  EXPECT_EQ(reply["payload"]["code"], "BAD_PAYLOAD");
}

TEST_F(DispatcherTest, SubscriptionCountIsBounded) {
  json names = json::array();
  for (std::size_t i = 0; i < kMaxSubscriptions; ++i) names.push_back("s" + std::to_string(i));
  EXPECT_EQ(handle_one(json{{"type", "subscribe"}, {"payload", {{"streams", names}}}}.dump())["type"], "ack");
  // Re-subscribing to known names is fine; one more new name is not.
  EXPECT_EQ(handle_one(json{{"type", "subscribe"}, {"payload", {{"streams", {"s0"}}}}}.dump())["type"], "ack");
  const json reply = handle_one(R"({"type":"subscribe","payload":{"streams":["one_more"]}})");
  EXPECT_EQ(reply["payload"]["code"], "BAD_PAYLOAD");
  EXPECT_FALSE(client_.subscribed("one_more"));
}

TEST_F(DispatcherTest, UnknownTypeIsUnknownMsgNamingTheType) {
  const json reply = handle_one(R"({"type":"audio_teleport","reqId":[1]})");
  EXPECT_EQ(reply["type"], "error");
  EXPECT_EQ(reply["payload"], json({{"code", "UNKNOWN_MSG"}, {"message", "audio_teleport"}}));
  EXPECT_EQ(reply["reqId"], json({1}));
}

TEST_F(DispatcherTest, BadJsonIsReported) {
  const json reply = handle_one("not json");
  EXPECT_EQ(reply["payload"]["code"], "BAD_JSON");
  EXPECT_TRUE(reply["reqId"].is_null());
}

TEST_F(DispatcherTest, LegacyWritesReachTheSinkWithoutReply) {
  EXPECT_TRUE(dispatcher_.handle_text(R"([{"ch":1,"val":10},{"ch":2,"val":20,"u":1}])", client_).empty());
  EXPECT_TRUE(dispatcher_.handle_text(R"({"ch":3,"val":999})", client_).empty());
  ASSERT_EQ(writes_.size(), 3U);
  EXPECT_EQ(writes_[0].channel, 1);
  EXPECT_EQ(writes_[0].value, 10);
  EXPECT_EQ(writes_[1].universe, 1);
  EXPECT_EQ(writes_[2].value, 255);
}

TEST_F(DispatcherTest, InvalidLegacyArrayAppliesNothing) {
  const json reply = handle_one(R"([{"ch":1,"val":10},{"ch":0,"val":20}])");
  EXPECT_EQ(reply["payload"]["code"], "BAD_PAYLOAD");
  EXPECT_EQ(reply["payload"]["message"], "element 1: field 'ch' must be an integer 1..512");
  EXPECT_TRUE(writes_.empty());
}

TEST_F(DispatcherTest, RegisteredHandlerGetsRequestAndReplies) {
  dispatcher_.add("echo", [](const Request& request, ClientState&, Responder& responder) {
    responder.reply("echoed", request.payload);
    responder.ack({{"n", 2}});
  });
  EXPECT_TRUE(dispatcher_.handles("echo"));
  const auto replies = dispatcher_.handle_text(R"({"type":"echo","payload":{"x":1},"reqId":"e"})", client_);
  ASSERT_EQ(replies.size(), 2U);
  const json first = json::parse(replies[0]);
  const json second = json::parse(replies[1]);
  EXPECT_EQ(first["type"], "echoed");
  EXPECT_EQ(first["payload"], json({{"x", 1}}));
  EXPECT_EQ(first["reqId"], "e");
  EXPECT_EQ(second["payload"], json({{"ok", true}, {"n", 2}}));
  EXPECT_EQ(second["reqId"], "e");
}

TEST_F(DispatcherTest, ThrowingHandlerBecomesInternalError) {
  dispatcher_.add("boom", [](const Request&, ClientState&, Responder& responder) {
    responder.ack();
    throw std::runtime_error("kaput");
  });
  const json reply = handle_one(R"({"type":"boom","reqId":3})");
  EXPECT_EQ(reply["payload"], json({{"code", "INTERNAL_ERROR"}, {"message", "kaput"}}));
  EXPECT_EQ(reply["reqId"], 3);
}

TEST(DispatcherNoSink, LegacyWritesWithoutSinkAreDiscarded) {
  Dispatcher dispatcher{nullptr};
  ClientState client;
  EXPECT_TRUE(dispatcher.handle_text(R"({"ch":1,"val":1})", client).empty());
}

}  // namespace
}  // namespace lumina::net
