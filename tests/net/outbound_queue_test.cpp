#include "net/outbound_queue.hpp"

#include <string>

#include <gtest/gtest.h>

namespace lumina::net {
namespace {

SharedText text(const char* value) { return make_shared_text(value); }

std::string pop_text(OutboundQueue& queue) {
  const SharedText next = queue.pop();
  return next ? *next : std::string("<none>");
}

TEST(OutboundQueue, StartsEmpty) {
  OutboundQueue queue;
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.pop(), nullptr);
}

TEST(OutboundQueue, RepliesAreFifoAndComeBeforeTelemetry) {
  OutboundQueue queue;
  queue.push_telemetry("audio_meter", text("m1"));
  ASSERT_TRUE(queue.push_reply(text("r1")));
  ASSERT_TRUE(queue.push_reply(text("r2")));
  EXPECT_EQ(pop_text(queue), "r1");
  EXPECT_EQ(pop_text(queue), "r2");
  EXPECT_EQ(pop_text(queue), "m1");
  EXPECT_TRUE(queue.empty());
}

TEST(OutboundQueue, TelemetryIsLatestWinsPerStream) {
  OutboundQueue queue;
  EXPECT_FALSE(queue.push_telemetry("audio_meter", text("m1")));
  EXPECT_TRUE(queue.push_telemetry("audio_meter", text("m2")));
  EXPECT_TRUE(queue.push_telemetry("audio_meter", text("m3")));
  EXPECT_EQ(queue.pending_telemetry(), 1U);
  EXPECT_EQ(pop_text(queue), "m3");
  EXPECT_EQ(queue.pop(), nullptr);
}

TEST(OutboundQueue, StreamsKeepTheirPlaceInLine) {
  OutboundQueue queue;
  queue.push_telemetry("audio_meter", text("m1"));
  queue.push_telemetry("engine_status", text("s1"));
  // A newer meter replaces the older one but does not jump behind the status.
  queue.push_telemetry("audio_meter", text("m2"));
  EXPECT_EQ(pop_text(queue), "m2");
  EXPECT_EQ(pop_text(queue), "s1");
  // Once sent, the next meter queues behind whatever is pending now.
  queue.push_telemetry("engine_status", text("s2"));
  queue.push_telemetry("audio_meter", text("m3"));
  EXPECT_EQ(pop_text(queue), "s2");
  EXPECT_EQ(pop_text(queue), "m3");
}

TEST(OutboundQueue, ReplyFifoIsBounded) {
  OutboundQueue queue(3);
  EXPECT_TRUE(queue.push_reply(text("a")));
  EXPECT_TRUE(queue.push_reply(text("b")));
  EXPECT_TRUE(queue.push_reply(text("c")));
  EXPECT_FALSE(queue.push_reply(text("d")));
  EXPECT_EQ(queue.pending_replies(), 3U);
  EXPECT_EQ(pop_text(queue), "a");
  EXPECT_TRUE(queue.push_reply(text("d")));
}

TEST(OutboundQueue, DefaultReplyBoundIs256) {
  OutboundQueue queue;
  for (std::size_t i = 0; i < kMaxPendingReplies; ++i) ASSERT_TRUE(queue.push_reply(text("r")));
  EXPECT_FALSE(queue.push_reply(text("r")));
}

TEST(OutboundQueue, DropTelemetryIfForgetsOnlyMatchingStreams) {
  OutboundQueue queue;
  queue.push_telemetry("audio_meter", text("m"));
  queue.push_telemetry("engine_status", text("s"));
  ASSERT_TRUE(queue.push_reply(text("r")));
  queue.drop_telemetry_if([](std::string_view stream) { return stream == "audio_meter"; });
  EXPECT_EQ(queue.pending_telemetry(), 1U);
  EXPECT_EQ(pop_text(queue), "r");
  EXPECT_EQ(pop_text(queue), "s");
  EXPECT_TRUE(queue.empty());
}

TEST(OutboundQueue, ClearEmptiesEverything) {
  OutboundQueue queue;
  queue.push_telemetry("audio_meter", text("m"));
  ASSERT_TRUE(queue.push_reply(text("r")));
  queue.clear();
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.pop(), nullptr);
}

TEST(OutboundQueue, SharesTheBufferInsteadOfCopying) {
  OutboundQueue first;
  OutboundQueue second;
  const SharedText meter = text("meter");
  first.push_telemetry("audio_meter", meter);
  second.push_telemetry("audio_meter", meter);
  EXPECT_EQ(first.pop().get(), meter.get());
  EXPECT_EQ(second.pop().get(), meter.get());
}

}  // namespace
}  // namespace lumina::net
