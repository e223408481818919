#include "net/dispatcher.hpp"

#include <stdexcept>
#include <string_view>
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
    const auto result = dispatcher_.handle_text(text, client_);
    EXPECT_EQ(result.replies.size(), 1U) << text;
    if (result.replies.empty()) return json();
    const json reply = json::parse(result.replies.front().text);
    EXPECT_EQ(reply["type"], result.replies.front().type) << text;
    return reply;
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
  EXPECT_TRUE(dispatcher_.handle_text(R"([{"ch":1,"val":10},{"ch":2,"val":20,"u":1}])", client_).replies.empty());
  const auto result = dispatcher_.handle_text(R"({"ch":3,"val":999})", client_);
  EXPECT_TRUE(result.replies.empty());
  EXPECT_EQ(result.kind, kKindDmxWrite);
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
  const auto result = dispatcher_.handle_text(R"({"type":"echo","payload":{"x":1},"reqId":"e"})", client_);
  EXPECT_EQ(result.kind, "echo");
  ASSERT_EQ(result.replies.size(), 2U);
  EXPECT_EQ(result.replies[0].type, "echoed");
  EXPECT_EQ(result.replies[1].type, "ack");
  const json first = json::parse(result.replies[0].text);
  const json second = json::parse(result.replies[1].text);
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
  EXPECT_TRUE(dispatcher.handle_text(R"({"ch":1,"val":1})", client).replies.empty());
}

// --- extension handlers (ServerHooks::handlers) ---

TEST_F(DispatcherTest, ExtensionHandlerSeesThePayloadAndRepliesThroughControlReply) {
  json seen;
  dispatcher_.add_extension("audio_start", [&seen](const json& payload, ControlReply& reply) {
    seen = payload;
    reply.reply("audio_status", {{"state", "running"}});
  });
  const auto result = dispatcher_.handle_text(R"({"type":"audio_start","payload":{"fps":30},"reqId":"s"})", client_);
  EXPECT_EQ(seen, json({{"fps", 30}}));
  EXPECT_EQ(result.kind, "audio_start");
  ASSERT_EQ(result.replies.size(), 1U);
  const json reply = json::parse(result.replies[0].text);
  EXPECT_EQ(reply["type"], "audio_status");
  EXPECT_EQ(reply["payload"], json({{"state", "running"}}));
  EXPECT_EQ(reply["reqId"], "s");
  EXPECT_TRUE(reply["ts"].is_number_float());
}

TEST_F(DispatcherTest, ExtensionPayloadIsAnEmptyObjectWhenAbsent) {
  json seen = nullptr;
  dispatcher_.add_extension("audio_stop", [&seen](const json& payload, ControlReply& reply) {
    seen = payload;
    reply.ack();
  });
  EXPECT_EQ(handle_one(R"({"type":"audio_stop"})")["type"], "ack");
  EXPECT_EQ(seen, json::object());
}

TEST_F(DispatcherTest, ExtensionAckAndErrorShapes) {
  dispatcher_.add_extension("x_ack", [](const json&, ControlReply& reply) { reply.ack({{"sourceId", "file:ab"}}); });
  dispatcher_.add_extension("x_err", [](const json&, ControlReply& reply) {
    reply.error("FILE_PLAY_FAILED", "no file selected");
  });
  EXPECT_EQ(handle_one(R"({"type":"x_ack","reqId":1})")["payload"], json({{"ok", true}, {"sourceId", "file:ab"}}));
  const json error = handle_one(R"({"type":"x_err","reqId":2})");
  EXPECT_EQ(error["type"], "error");
  EXPECT_EQ(error["payload"], json({{"code", "FILE_PLAY_FAILED"}, {"message", "no file selected"}}));
  EXPECT_EQ(error["reqId"], 2);
}

TEST_F(DispatcherTest, ThrowingExtensionBecomesInternalErrorAndDropsItsReplies) {
  dispatcher_.add_extension("x_boom", [](const json&, ControlReply& reply) {
    reply.ack();
    throw std::runtime_error("device vanished");
  });
  const json reply = handle_one(R"({"type":"x_boom","reqId":4})");
  EXPECT_EQ(reply["payload"], json({{"code", "INTERNAL_ERROR"}, {"message", "device vanished"}}));
  EXPECT_EQ(reply["reqId"], 4);
}

TEST_F(DispatcherTest, ExtensionWithoutReplyGetsInternalError) {
  dispatcher_.add_extension("x_silent", [](const json&, ControlReply&) {});
  const json reply = handle_one(R"({"type":"x_silent","reqId":5})");
  EXPECT_EQ(reply["payload"]["code"], "INTERNAL_ERROR");
  EXPECT_EQ(reply["payload"]["message"], "handler for 'x_silent' sent no reply");
}

TEST_F(DispatcherTest, BuiltInTypesCannotBeOverridden) {
  const auto handler = [](const json&, ControlReply& reply) { reply.ack(); };
  for (const char* type : {"subscribe", "unsubscribe", "auth"}) {
    EXPECT_THROW(dispatcher_.add_extension(type, handler), std::invalid_argument) << type;
  }
  EXPECT_THROW(dispatcher_.add_extension("", handler), std::invalid_argument);
  EXPECT_THROW(dispatcher_.add_extension("x", ControlHandler{}), std::invalid_argument);
  // subscribe still does what it did.
  EXPECT_EQ(handle_one(R"({"type":"subscribe","payload":{"streams":["a"]}})")["type"], "ack");
}

TEST_F(DispatcherTest, KindLabelsAreBounded) {
  EXPECT_EQ(dispatcher_.handle_text(R"({"type":"client_invented_name"})", client_).kind, kKindUnknown);
  EXPECT_EQ(dispatcher_.handle_text("{oops", client_).kind, kKindInvalid);
  EXPECT_EQ(dispatcher_.handle_text(R"({"type":"subscribe","payload":{"streams":[]}})", client_).kind, "subscribe");
}

// --- authentication gate ---

class DispatcherAuthTest : public ::testing::Test {
 protected:
  DispatcherAuthTest() { client_.authenticated = false; }

  json handle_one(std::string_view text) {
    const auto result = dispatcher_.handle_text(text, client_);
    last_failed_ = result.auth_failed;
    EXPECT_EQ(result.replies.size(), 1U) << text;
    return result.replies.empty() ? json() : json::parse(result.replies.front().text);
  }

  std::vector<DmxOverride> writes_;
  Dispatcher dispatcher_{[this](const DmxOverride& write) {
                           writes_.push_back(write);
                           return true;
                         },
                         [](std::string_view token) { return token == "sesame"; }};
  ClientState client_;
  bool last_failed_ = false;
};

TEST_F(DispatcherAuthTest, EverythingButAuthIsUnauthorizedAndDoesNothing) {
  json reply = handle_one(R"({"type":"subscribe","payload":{"streams":["audio_meter"]},"reqId":1})");
  EXPECT_EQ(reply["payload"]["code"], "UNAUTHORIZED");
  EXPECT_EQ(reply["reqId"], 1);
  EXPECT_TRUE(last_failed_);
  EXPECT_TRUE(client_.streams.empty());

  reply = handle_one(R"({"ch":1,"val":255})");
  EXPECT_EQ(reply["payload"]["code"], "UNAUTHORIZED");
  EXPECT_TRUE(writes_.empty());

  // Malformed input keeps its precise error, and counts as a failure.
  reply = handle_one("{nope");
  EXPECT_EQ(reply["payload"]["code"], "BAD_JSON");
  EXPECT_TRUE(last_failed_);
  EXPECT_EQ(client_.auth_failures, 3U);
  EXPECT_FALSE(client_.close);
}

TEST_F(DispatcherAuthTest, RightTokenAuthenticates) {
  const json reply = handle_one(R"({"type":"auth","payload":{"token":"sesame"},"reqId":"a"})");
  EXPECT_EQ(reply["type"], "ack");
  EXPECT_EQ(reply["reqId"], "a");
  EXPECT_FALSE(last_failed_);
  EXPECT_TRUE(client_.authenticated);
  EXPECT_EQ(handle_one(R"({"type":"subscribe","payload":{"streams":["x"]}})")["type"], "ack");
}

TEST_F(DispatcherAuthTest, WrongOrMissingTokenIsRefused) {
  json reply = handle_one(R"({"type":"auth","payload":{"token":"sesam"},"reqId":1})");
  EXPECT_EQ(reply["payload"], json({{"code", "UNAUTHORIZED"}, {"message", "invalid token"}}));
  EXPECT_TRUE(last_failed_);
  reply = handle_one(R"({"type":"auth","payload":{"token":5}})");
  EXPECT_EQ(reply["payload"], json({{"code", "BAD_PAYLOAD"}, {"message", "field 'token' must be a non-empty string"}}));
  reply = handle_one(R"({"type":"auth"})");
  EXPECT_EQ(reply["payload"]["code"], "BAD_PAYLOAD");
  EXPECT_FALSE(client_.authenticated);
}

TEST_F(DispatcherAuthTest, RepeatedFailuresAskForAClose) {
  for (std::uint32_t i = 0; i + 1 < kMaxAuthFailures; ++i) {
    handle_one(R"({"type":"auth","payload":{"token":"guess"}})");
    EXPECT_FALSE(client_.close) << i;
  }
  handle_one(R"({"type":"auth","payload":{"token":"guess"}})");
  ASSERT_TRUE(client_.close);
  EXPECT_EQ(client_.close->code, 1008);
  EXPECT_EQ(client_.close->reason, "authentication failed");
}

TEST_F(DispatcherAuthTest, WrongTokenAfterAuthenticationDoesNotRevokeOrCount) {
  handle_one(R"({"type":"auth","payload":{"token":"sesame"}})");
  const json reply = handle_one(R"({"type":"auth","payload":{"token":"other"}})");
  EXPECT_EQ(reply["payload"]["code"], "UNAUTHORIZED");
  EXPECT_FALSE(last_failed_);
  EXPECT_TRUE(client_.authenticated);
}

TEST(DispatcherNoToken, AuthIsAckedWhenNoTokenIsRequired) {
  Dispatcher dispatcher{nullptr};
  ClientState client;
  const auto result = dispatcher.handle_text(R"({"type":"auth","payload":{"token":"anything"},"reqId":1})", client);
  ASSERT_EQ(result.replies.size(), 1U);
  EXPECT_EQ(json::parse(result.replies[0].text)["type"], "ack");
}

}  // namespace
}  // namespace lumina::net
