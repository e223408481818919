#include "net/outbound_queue.hpp"

#include <string>

#include <gtest/gtest.h>

namespace lumina::net {
namespace {

SharedText text(const char* value) { return make_shared_text(value); }

std::string pop_text(OutboundQueue& queue) {
  const OutboundMessage next = queue.pop();
  return next ? *next.text : std::string("<none>");
}

TEST(OutboundQueue, StartsEmpty) {
  OutboundQueue queue;
  EXPECT_TRUE(queue.empty());
  EXPECT_FALSE(queue.pop());
}

TEST(OutboundQueue, RepliesAreFifoAndComeBeforeTelemetry) {
  OutboundQueue queue;
  queue.push_telemetry("audio_meter", text("m1"));
  ASSERT_TRUE(queue.push_ordered(text("r1"), "ack"));
  ASSERT_TRUE(queue.push_ordered(text("r2"), "ack"));
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
  EXPECT_FALSE(queue.pop());
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
  EXPECT_TRUE(queue.push_ordered(text("a"), "ack"));
  EXPECT_TRUE(queue.push_ordered(text("b"), "ack"));
  EXPECT_TRUE(queue.push_ordered(text("c"), "ack"));
  EXPECT_FALSE(queue.push_ordered(text("d"), "ack"));
  EXPECT_EQ(queue.pending_ordered(), 3U);
  EXPECT_EQ(pop_text(queue), "a");
  EXPECT_TRUE(queue.push_ordered(text("d"), "ack"));
}

TEST(OutboundQueue, DefaultReplyBoundIs256) {
  OutboundQueue queue;
  for (std::size_t i = 0; i < kMaxPendingReplies; ++i) ASSERT_TRUE(queue.push_ordered(text("r"), "ack"));
  EXPECT_FALSE(queue.push_ordered(text("r"), "ack"));
}

TEST(OutboundQueue, DropTelemetryIfForgetsOnlyMatchingStreams) {
  OutboundQueue queue;
  queue.push_telemetry("audio_meter", text("m"));
  queue.push_telemetry("engine_status", text("s"));
  ASSERT_TRUE(queue.push_ordered(text("r"), "ack"));
  queue.drop_telemetry_if([](std::string_view stream) { return stream == "audio_meter"; });
  EXPECT_EQ(queue.pending_telemetry(), 1U);
  EXPECT_EQ(pop_text(queue), "r");
  EXPECT_EQ(pop_text(queue), "s");
  EXPECT_TRUE(queue.empty());
}

TEST(OutboundQueue, ClearEmptiesEverything) {
  OutboundQueue queue;
  queue.push_telemetry("audio_meter", text("m"));
  ASSERT_TRUE(queue.push_ordered(text("r"), "ack"));
  queue.clear();
  EXPECT_TRUE(queue.empty());
  EXPECT_FALSE(queue.pop());
}

TEST(OutboundQueue, SharesTheBufferInsteadOfCopying) {
  OutboundQueue first;
  OutboundQueue second;
  const SharedText meter = text("meter");
  first.push_telemetry("audio_meter", meter);
  second.push_telemetry("audio_meter", meter);
  EXPECT_EQ(first.pop().text.get(), meter.get());
  EXPECT_EQ(second.pop().text.get(), meter.get());
}

TEST(OutboundQueue, PopReportsTheType) {
  OutboundQueue queue;
  queue.push_telemetry("audio_meter", text("m"));
  ASSERT_TRUE(queue.push_ordered(text("e"), "audio_file_status"));
  EXPECT_EQ(queue.pop().type, "audio_file_status");
  EXPECT_EQ(queue.pop().type, "audio_meter");
}

TEST(OutboundQueue, EventsStayInOrderWithRepliesAndAreNeverReplaced) {
  OutboundQueue queue;
  ASSERT_TRUE(queue.push_ordered(text("status1"), "audio_file_status"));
  ASSERT_TRUE(queue.push_ordered(text("ack"), "ack"));
  ASSERT_TRUE(queue.push_ordered(text("status2"), "audio_file_status"));
  EXPECT_EQ(pop_text(queue), "status1");
  EXPECT_EQ(pop_text(queue), "ack");
  EXPECT_EQ(pop_text(queue), "status2");
}

}  // namespace
}  // namespace lumina::net
