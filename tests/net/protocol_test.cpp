#include "net/protocol.hpp"

#include <string>
#include <variant>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lumina/core/version.hpp"

namespace lumina::net {
namespace {

using nlohmann::json;

ProtocolError expect_error(const Inbound& inbound) {
  const auto* error = std::get_if<ProtocolError>(&inbound);
  EXPECT_NE(error, nullptr) << "expected a ProtocolError";
  return error ? *error : ProtocolError{};
}

Request expect_request(const Inbound& inbound) {
  const auto* request = std::get_if<Request>(&inbound);
  EXPECT_NE(request, nullptr) << "expected a Request";
  return request ? *request : Request{};
}

LegacyWrites expect_writes(const Inbound& inbound) {
  const auto* writes = std::get_if<LegacyWrites>(&inbound);
  EXPECT_NE(writes, nullptr) << "expected LegacyWrites";
  return writes ? *writes : LegacyWrites{};
}

TEST(ProtocolDecode, InvalidJsonIsBadJsonNamingTheProblem) {
  const auto error = expect_error(decode_inbound("{\"type\": "));
  EXPECT_EQ(error.code, "BAD_JSON");
  EXPECT_NE(error.message.find("parse error"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find("[json.exception"), std::string::npos) << error.message;
  EXPECT_TRUE(error.req_id.is_null());
}

TEST(ProtocolDecode, EmptyTextIsBadJson) { EXPECT_EQ(expect_error(decode_inbound("")).code, "BAD_JSON"); }

TEST(ProtocolDecode, OverlyDeepNestingIsRefusedBeforeParsing) {
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  const auto error = expect_error(decode_inbound(deep));
  EXPECT_EQ(error.code, "BAD_JSON");
  EXPECT_NE(error.message.find("nesting"), std::string::npos);
}

TEST(ProtocolDecode, BracketsInsideStringsDoNotCountAsNesting) {
  const std::string text = R"({"type":"x","reqId":")" + std::string(200, '[') + R"(\"]"})";
  const auto request = expect_request(decode_inbound(text));
  EXPECT_EQ(request.type, "x");
}

TEST(ProtocolDecode, ScalarMessageIsBadPayload) {
  EXPECT_EQ(expect_error(decode_inbound("42")).code, "BAD_PAYLOAD");
  EXPECT_EQ(expect_error(decode_inbound(R"("hello")")).code, "BAD_PAYLOAD");
  EXPECT_EQ(expect_error(decode_inbound("null")).code, "BAD_PAYLOAD");
}

TEST(ProtocolDecode, MissingTypeIsBadPayload) {
  const auto error = expect_error(decode_inbound(R"({"payload":{},"reqId":5})"));
  EXPECT_EQ(error.code, "BAD_PAYLOAD");
  EXPECT_EQ(error.message, "field 'type' must be a string");
  EXPECT_EQ(error.req_id, json(5));
}

TEST(ProtocolDecode, NonStringTypeIsBadPayload) {
  const auto error = expect_error(decode_inbound(R"({"type":12})"));
  EXPECT_EQ(error.code, "BAD_PAYLOAD");
  EXPECT_EQ(error.message, "field 'type' must be a string");
  EXPECT_TRUE(error.req_id.is_null());
}

TEST(ProtocolDecode, NonObjectPayloadIsBadPayloadWithReqId) {
  for (const char* payload : {"[]", "3", "\"x\"", "null", "true"}) {
    const auto error =
        expect_error(decode_inbound(std::string(R"({"type":"subscribe","reqId":"r1","payload":)") + payload + "}"));
    EXPECT_EQ(error.code, "BAD_PAYLOAD") << payload;
    EXPECT_EQ(error.message, "field 'payload' must be an object") << payload;
    EXPECT_EQ(error.req_id, json("r1")) << payload;
  }
}

TEST(ProtocolDecode, RequestKeepsTypePayloadAndReqId) {
  const auto request = expect_request(decode_inbound(R"({"type":"x","payload":{"a":1},"reqId":{"k":[1,2]}})"));
  EXPECT_EQ(request.type, "x");
  EXPECT_EQ(request.payload, json({{"a", 1}}));
  EXPECT_EQ(request.req_id, json({{"k", {1, 2}}}));
}

TEST(ProtocolDecode, AbsentPayloadIsEmptyObjectAndAbsentReqIdIsNull) {
  const auto request = expect_request(decode_inbound(R"({"type":"x"})"));
  EXPECT_TRUE(request.payload.is_object());
  EXPECT_TRUE(request.payload.empty());
  EXPECT_TRUE(request.req_id.is_null());
}

TEST(ProtocolDecode, SingleLegacyWriteWinsOverType) {
  const auto writes = expect_writes(decode_inbound(R"({"type":"subscribe","ch":3,"val":128})"));
  ASSERT_EQ(writes.writes.size(), 1U);
  EXPECT_EQ(writes.writes[0].universe, 0);
  EXPECT_EQ(writes.writes[0].channel, 3);
  EXPECT_EQ(writes.writes[0].value, 128);
}

TEST(ProtocolDecode, ObjectWithOnlyChIsAnEnvelope) {
  EXPECT_EQ(expect_error(decode_inbound(R"({"ch":3})")).message, "field 'type' must be a string");
}

TEST(ProtocolDecode, LegacyValuesAreClampedAndRounded) {
  const auto writes = expect_writes(decode_inbound(
      R"([{"ch":1,"val":300},{"ch":2,"val":-5},{"ch":3,"val":12.5},{"ch":4,"val":12.4},{"ch":512,"val":254.6}])"));
  ASSERT_EQ(writes.writes.size(), 5U);
  EXPECT_EQ(writes.writes[0].value, 255);
  EXPECT_EQ(writes.writes[1].value, 0);
  EXPECT_EQ(writes.writes[2].value, 13);
  EXPECT_EQ(writes.writes[3].value, 12);
  EXPECT_EQ(writes.writes[4].value, 255);
  EXPECT_EQ(writes.writes[4].channel, 512);
}

TEST(ProtocolDecode, LegacyUniverseIsOptional) {
  const auto writes = expect_writes(decode_inbound(R"([{"ch":1,"val":1,"u":7},{"ch":1,"val":1,"u":32767},{"ch":1,"val":1}])"));
  ASSERT_EQ(writes.writes.size(), 3U);
  EXPECT_EQ(writes.writes[0].universe, 7);
  EXPECT_EQ(writes.writes[1].universe, 32767);
  EXPECT_EQ(writes.writes[2].universe, 0);
}

TEST(ProtocolDecode, IntegralFloatsCountAsIntegers) {
  const auto writes = expect_writes(decode_inbound(R"({"ch":5.0,"val":1,"u":2.0})"));
  ASSERT_EQ(writes.writes.size(), 1U);
  EXPECT_EQ(writes.writes[0].channel, 5);
  EXPECT_EQ(writes.writes[0].universe, 2);
}

TEST(ProtocolDecode, EmptyArrayIsNoWrites) { EXPECT_TRUE(expect_writes(decode_inbound("[]")).writes.empty()); }

struct BadLegacyCase {
  const char* text;
  const char* message;
};

class ProtocolBadLegacy : public ::testing::TestWithParam<BadLegacyCase> {};

TEST_P(ProtocolBadLegacy, IsBadPayloadNamingTheField) {
  const auto error = expect_error(decode_inbound(GetParam().text));
  EXPECT_EQ(error.code, "BAD_PAYLOAD");
  EXPECT_EQ(error.message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ProtocolBadLegacy,
    ::testing::Values(BadLegacyCase{R"({"ch":0,"val":1})", "field 'ch' must be an integer 1..512"},
                      BadLegacyCase{R"({"ch":513,"val":1})", "field 'ch' must be an integer 1..512"},
                      BadLegacyCase{R"({"ch":1.5,"val":1})", "field 'ch' must be an integer 1..512"},
                      BadLegacyCase{R"({"ch":"1","val":1})", "field 'ch' must be an integer 1..512"},
                      BadLegacyCase{R"({"ch":true,"val":1})", "field 'ch' must be an integer 1..512"},
                      BadLegacyCase{R"({"ch":1,"val":"7"})", "field 'val' must be a number"},
                      BadLegacyCase{R"({"ch":1,"val":null})", "field 'val' must be a number"},
                      BadLegacyCase{R"({"ch":1,"val":1,"u":-1})", "field 'u' must be an integer 0..32767"},
                      BadLegacyCase{R"({"ch":1,"val":1,"u":32768})", "field 'u' must be an integer 0..32767"},
                      BadLegacyCase{R"({"ch":1,"val":1,"u":"0"})", "field 'u' must be an integer 0..32767"},
                      BadLegacyCase{R"([{"ch":1,"val":1},{"ch":1}])", "element 1: field 'val' must be a number"},
                      BadLegacyCase{R"([{"ch":1,"val":1},5])", "element 1: must be an object with 'ch' and 'val'"},
                      BadLegacyCase{R"([{"ch":1,"val":1},{"ch":2,"val":2},{"ch":999,"val":2}])",
                                    "element 2: field 'ch' must be an integer 1..512"}));

TEST(ProtocolDecode, SingleLegacyErrorEchoesReqId) {
  EXPECT_EQ(expect_error(decode_inbound(R"({"ch":0,"val":1,"reqId":"w"})")).req_id, json("w"));
}

TEST(ProtocolStreams, AcceptsArrayOfStrings) {
  std::vector<std::string> names;
  EXPECT_FALSE(decode_stream_list(json{{"streams", {"audio_meter", "whatever"}}}, names));
  EXPECT_EQ(names, (std::vector<std::string>{"audio_meter", "whatever"}));
}

TEST(ProtocolStreams, RejectsMissingOrNonArray) {
  std::vector<std::string> names;
  EXPECT_EQ(decode_stream_list(json::object(), names), "field 'streams' must be an array of strings");
  EXPECT_EQ(decode_stream_list(json{{"streams", "audio_meter"}}, names), "field 'streams' must be an array of strings");
}

TEST(ProtocolStreams, NamesTheBadIndex) {
  std::vector<std::string> names{"untouched"};
  EXPECT_EQ(decode_stream_list(json{{"streams", {"a", 3}}}, names), "streams[1] must be a string");
  EXPECT_EQ(names, std::vector<std::string>{"untouched"});
  EXPECT_EQ(decode_stream_list(json{{"streams", {std::string(65, 'x')}}}, names),
            "streams[0] is longer than 64 characters");
}

TEST(ProtocolEncode, EnvelopeHasTypePayloadReqIdAndTs) {
  const json message = json::parse(encode_message("audio_status", {{"state", "running"}}, "q", 1700000000.25));
  EXPECT_EQ(message["type"], "audio_status");
  EXPECT_EQ(message["payload"], json({{"state", "running"}}));
  EXPECT_EQ(message["reqId"], "q");
  ASSERT_TRUE(message["ts"].is_number_float());
  EXPECT_DOUBLE_EQ(message["ts"].get<double>(), 1700000000.25);
}

TEST(ProtocolEncode, EnvelopeStartsWithType) {
  EXPECT_EQ(encode_message("ack", json::object(), nullptr, 1.5), R"({"type":"ack","payload":{},"reqId":null,"ts":1.5})");
}

TEST(ProtocolEncode, AckCarriesOkAndExtraFields) {
  const json ack = json::parse(encode_ack(17, 2.0, {{"sourceId", "device:default"}}));
  EXPECT_EQ(ack["type"], "ack");
  EXPECT_EQ(ack["payload"], json({{"ok", true}, {"sourceId", "device:default"}}));
  EXPECT_EQ(ack["reqId"], 17);
}

TEST(ProtocolEncode, ErrorCarriesCodeAndMessage) {
  const json error = json::parse(encode_error("UNKNOWN_MSG", "nope", {{"a", 1}}, 3.0));
  EXPECT_EQ(error["type"], "error");
  EXPECT_EQ(error["payload"], json({{"code", "UNKNOWN_MSG"}, {"message", "nope"}}));
  EXPECT_EQ(error["reqId"], json({{"a", 1}}));
}

// The reqId text of an ack to `message` (decoded, then encoded as the server does).
std::string echoed_req_id(const std::string& message) {
  const Inbound inbound = decode_inbound(message);
  const auto* request = std::get_if<Request>(&inbound);
  const std::string ack = request != nullptr ? encode_ack(request->req_id, 1.0) : encode_ack(peek_req_id(message), 1.0);
  const auto from = ack.find(R"("reqId":)") + 8;
  return ack.substr(from, ack.find(R"(,"ts":)") - from);
}

TEST(ProtocolEncode, NumericReqIdsAreEchoedAsTheClientWroteThem) {
  // Beyond 64 bits, or written otherwise than the parsed value would print.
  for (const char* id : {"18446744073709551616", "123456789012345678901234567890", "1.50", "1E2", "-0", "2e-3"}) {
    const std::string message = std::string(R"({"type":"x","reqId":)") + id + "}";
    EXPECT_EQ(echoed_req_id(message), id) << message;
    EXPECT_EQ(echoed_req_id(std::string(R"({ "reqId" :  )") + id + R"( , "type":"x"})"), id);
    // Rate-limited replies read the reqId without decoding the message.
    EXPECT_NE(encode_ack(peek_req_id(message), 1.0).find(std::string(R"("reqId":)") + id + ","), std::string::npos)
        << encode_ack(peek_req_id(message), 1.0);
  }
  // Everything else as before; the last of duplicate keys wins, as in the parser.
  EXPECT_EQ(echoed_req_id(R"({"type":"x","reqId":17})"), "17");
  EXPECT_EQ(echoed_req_id(R"({"type":"x","reqId":1.5})"), "1.5");
  EXPECT_EQ(echoed_req_id(R"({"type":"x","reqId":"1.50"})"), R"("1.50")");
  EXPECT_EQ(echoed_req_id(R"({"reqId":1.0,"type":"x","reqId":2.50})"), "2.50");
  EXPECT_EQ(echoed_req_id(R"({"type":"x","payload":{"reqId":3.0},"reqId":4.00})"), "4.00");
  EXPECT_EQ(echoed_req_id(R"({"type":"x","re\u0071Id":5.10})"), "5.10");
}

TEST(ProtocolEncode, HelloAckNamesServerAndVersion) {
  const json hello = json::parse(encode_hello_ack(4.0));
  EXPECT_EQ(hello["type"], "hello_ack");
  EXPECT_EQ(hello["payload"]["server"], "lumina-v3");
  EXPECT_EQ(hello["payload"]["version"], kVersion);
  EXPECT_TRUE(hello["reqId"].is_null());
  EXPECT_TRUE(hello["ts"].is_number());
}

TEST(ProtocolEncode, InvalidUtf8NeverThrows) {
  const std::string bad = "\xff\xfe";
  std::string text;
  EXPECT_NO_THROW(text = encode_error("BAD_JSON", bad, nullptr, 1.0));
  EXPECT_TRUE(json::accept(text));
}

}  // namespace
}  // namespace lumina::net
