// End-to-end tests of the control plane: a real Server on 127.0.0.1 (port 0)
// and real Beast clients (net_test_support.hpp).
#include "lumina/net/server.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "lumina/core/clock.hpp"
#include "lumina/core/version.hpp"
#include "net/net_test_support.hpp"

namespace lumina {
namespace {

using namespace lumina::test;

constexpr std::uint32_t kBands = 12;

using ServerTest = ServerFixture;

TEST_F(ServerTest, HelloAckOnConnect) {
  const double before = unix_seconds();
  WsClient client(port());
  const json hello = client.read();
  EXPECT_EQ(hello["type"], "hello_ack");
  EXPECT_EQ(hello["payload"]["server"], "lumina-v3");
  EXPECT_EQ(hello["payload"]["version"], kVersion);
  EXPECT_EQ(hello["payload"]["authenticated"], true);
  ASSERT_TRUE(hello.contains("reqId"));
  EXPECT_TRUE(hello["reqId"].is_null());
  ASSERT_TRUE(hello["ts"].is_number_float());
  EXPECT_GE(hello["ts"].get<double>(), before - 1.0);
  EXPECT_LE(hello["ts"].get<double>(), unix_seconds() + 1.0);
}

TEST_F(ServerTest, NoTelemetryBeforeSubscribe) {
  FrameFeeder feeder(frames_, kBands);
  WsClient client(port());
  client.read();  // hello_ack
  std::this_thread::sleep_for(300ms);
  // Any meter pushed meanwhile would be ahead of this reply.
  const json reply = fence(client, 1);
  EXPECT_EQ(reply["type"], "error");
  EXPECT_EQ(reply["reqId"], 1);
}

TEST_F(ServerTest, SubscribeAcksThenMetersArrive) {
  FrameFeeder feeder(frames_, kBands);
  WsClient client(port());
  client.read();
  client.send({{"type", "subscribe"}, {"payload", {{"streams", {"audio_meter"}}}}, {"reqId", "sub-1"}});
  const json ack = client.read();
  EXPECT_EQ(ack["type"], "ack");
  EXPECT_EQ(ack["reqId"], "sub-1");
  EXPECT_EQ(ack["payload"]["ok"], true);

  for (int i = 0; i < 5; ++i) {
    const json meter = client.read();
    ASSERT_EQ(meter["type"], "audio_meter");
    EXPECT_TRUE(meter["reqId"].is_null());
    EXPECT_TRUE(meter["ts"].is_number_float());
    const json& payload = meter["payload"];
    ASSERT_EQ(payload["bands"].size(), kBands);
    for (const char* key : {"rms", "peak"}) {
      ASSERT_TRUE(payload[key].is_number()) << key;
      EXPECT_GE(payload[key].get<double>(), 0.0);
      EXPECT_LE(payload[key].get<double>(), 1.0);
    }
  }
}

TEST_F(ServerTest, MetersOnlyWhenTheAnalysisPublishesNewFrames) {
  WsClient client(port());
  client.read();
  client.send({{"type", "subscribe"}, {"payload", {{"streams", {"audio_meter"}}}}, {"reqId", 1}});
  EXPECT_EQ(client.read()["type"], "ack");
  AnalysisFrame frame;
  frame.band_count = 3;
  frames_.store(frame);
  EXPECT_EQ(client.read()["type"], "audio_meter");
  std::this_thread::sleep_for(200ms);  // several ticks without a new frame
  EXPECT_EQ(fence(client, 2)["reqId"], 2);
}

TEST_F(ServerTest, UnsubscribeStopsMeters) {
  FrameFeeder feeder(frames_, kBands);
  WsClient client(port());
  client.read();
  client.send({{"type", "subscribe"}, {"payload", {{"streams", {"audio_meter"}}}}, {"reqId", 1}});
  client.read_type("ack");
  client.read_type("audio_meter");
  client.send({{"type", "unsubscribe"}, {"payload", {{"streams", {"audio_meter"}}}}, {"reqId", 2}});
  const json ack = client.read_type("ack");
  EXPECT_EQ(ack["reqId"], 2);
  std::this_thread::sleep_for(300ms);
  const json reply = fence(client, 3);
  EXPECT_EQ(reply["type"], "error");
  EXPECT_EQ(reply["reqId"], 3);
}

TEST_F(ServerTest, UnknownTypeIsUnknownMsg) {
  WsClient client(port());
  client.read();
  client.send({{"type", "audio_teleport"}, {"reqId", {{"n", 1}}}});
  const json reply = client.read();
  EXPECT_EQ(reply["type"], "error");
  EXPECT_EQ(reply["payload"]["code"], "UNKNOWN_MSG");
  EXPECT_EQ(reply["payload"]["message"], "audio_teleport");
  EXPECT_EQ(reply["reqId"], json({{"n", 1}}));
  EXPECT_TRUE(reply["ts"].is_number());
}

TEST_F(ServerTest, BadJsonKeepsTheConnection) {
  WsClient client(port());
  client.read();
  client.send_text("{\"type\": nope");
  const json error = client.read();
  EXPECT_EQ(error["type"], "error");
  EXPECT_EQ(error["payload"]["code"], "BAD_JSON");
  EXPECT_FALSE(error["payload"]["message"].get<std::string>().empty());
  EXPECT_TRUE(error["reqId"].is_null());

  client.send({{"type", "subscribe"}, {"payload", {{"streams", json::array()}}}, {"reqId", 5}});
  const json ack = client.read();
  EXPECT_EQ(ack["type"], "ack");
  EXPECT_EQ(ack["reqId"], 5);
}

TEST_F(ServerTest, NonObjectPayloadIsBadPayload) {
  WsClient client(port());
  client.read();
  client.send({{"type", "subscribe"}, {"payload", {1, 2}}, {"reqId", "p"}});
  const json reply = client.read();
  EXPECT_EQ(reply["payload"]["code"], "BAD_PAYLOAD");
  EXPECT_EQ(reply["payload"]["message"], "field 'payload' must be an object");
  EXPECT_EQ(reply["reqId"], "p");
  EXPECT_EQ(fence(client, 1)["reqId"], 1);  // still open
}

TEST_F(ServerTest, BinaryFramesAreIgnored) {
  WsClient client(port());
  client.read();
  client.send_binary(std::string("\x00\x01\x02garbage", 10));
  const json reply = fence(client, 42);
  EXPECT_EQ(reply["type"], "error");
  EXPECT_EQ(reply["reqId"], 42);
}

TEST_F(ServerTest, LegacyWritesReachTheDmxHook) {
  WsClient client(port());
  client.read();
  client.send(json::parse(R"([{"ch":1,"val":300},{"ch":2,"val":12.6,"u":3}])"));
  client.send(json::parse(R"({"ch":512,"val":-4,"type":"ignored"})"));
  const json reply = fence(client, 1);  // no reply to the writes themselves
  EXPECT_EQ(reply["reqId"], 1);
  const auto seen = writes();
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[0].universe, 0);
  EXPECT_EQ(seen[0].channel, 1);
  EXPECT_EQ(seen[0].value, 255);
  EXPECT_EQ(seen[1].universe, 3);
  EXPECT_EQ(seen[1].channel, 2);
  EXPECT_EQ(seen[1].value, 13);
  EXPECT_EQ(seen[2].channel, 512);
  EXPECT_EQ(seen[2].value, 0);
}

TEST_F(ServerTest, InvalidLegacyWritesApplyNothing) {
  WsClient client(port());
  client.read();
  client.send(json::parse(R"([{"ch":1,"val":10},{"ch":600,"val":10}])"));
  const json reply = client.read();
  EXPECT_EQ(reply["payload"]["code"], "BAD_PAYLOAD");
  EXPECT_EQ(reply["payload"]["message"], "element 1: field 'ch' must be an integer 1..512");
  EXPECT_TRUE(writes().empty());
}

TEST_F(ServerTest, OversizedMessageIsClosedWith1009) {
  WsClient client(port());
  client.read();
  const std::string big(1024 * 1024 + 1, 'x');
  auto& ws = client.ws();
  ws.text(true);
  beast::get_lowest_layer(ws).expires_after(kOpTimeout);
  bool wrote = false;
  bool read = false;
  beast::error_code read_ec;
  beast::flat_buffer buffer;
  // Write and read at once: the server may close before it has seen all bytes.
  ws.async_write(asio::buffer(big), [&](beast::error_code, std::size_t) { wrote = true; });
  ws.async_read(buffer, [&](beast::error_code ec, std::size_t) {
    read_ec = ec;
    read = true;
  });
  client.io().restart();
  while (!(wrote && read) && client.io().run_one() > 0) {
  }
  EXPECT_EQ(read_ec, websocket::error::closed) << read_ec.message();
  EXPECT_EQ(ws.reason().code, websocket::close_code::too_big);
}

TEST_F(ServerTest, OneMebibyteMessageIsAccepted) {
  WsClient client(port());
  client.read();
  // Exactly at the limit: a valid request padded with spaces.
  std::string text = R"({"type":"padded","reqId":7})";
  text.append(1024 * 1024 - text.size(), ' ');
  client.send_text(text);
  const json reply = client.read();
  EXPECT_EQ(reply["payload"]["code"], "UNKNOWN_MSG");
  EXPECT_EQ(reply["reqId"], 7);
}

TEST_F(ServerTest, EngineStatusPushCarriesStatus) {
  WsClient client(port());
  client.read();
  client.send({{"type", "subscribe"}, {"payload", {{"streams", {"engine_status"}}}}, {"reqId", 1}});
  client.read_type("ack");
  const json status = client.read_type("engine_status", 10);
  EXPECT_TRUE(status["reqId"].is_null());
  EXPECT_EQ(status["payload"]["audio"]["state"], "stopped");
  EXPECT_EQ(status["payload"]["net"]["wsClients"], 1);
}

TEST_F(ServerTest, HealthIsOkJsonMergedWithStatus) {
  HttpClient client(port());
  const auto response = client.request(http::verb::get, "/health");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  // No Origin (not a browser): nothing to allow.
  EXPECT_EQ(response.count(http::field::access_control_allow_origin), 0U);
  const json body = json::parse(response.body());
  EXPECT_EQ(body["ok"], true);
  EXPECT_EQ(body["server"], "lumina-v3");
  EXPECT_EQ(body["version"], kVersion);
  EXPECT_EQ(body["uptime"], 12.5);
  EXPECT_EQ(body["audio"]["state"], "stopped");
}

TEST_F(ServerTest, ApiStatusIsTheStatusJson) {
  HttpClient client(port());
  const auto response = client.request(http::verb::get, "/api/status?verbose=1");
  EXPECT_EQ(response.result(), http::status::ok);
  const json body = json::parse(response.body());
  EXPECT_EQ(body["audio"]["state"], "stopped");
  EXPECT_EQ(body["uptime"], 12.5);
  EXPECT_TRUE(body["net"].is_object());
}

TEST_F(ServerTest, OptionsIs200WithCors) {
  HttpClient client(port());
  // Same origin as the Host the client asked for: allowed without configuration.
  const std::string origin = "http://127.0.0.1";
  const auto response = client.request(http::verb::options, "/upload",
                                       {{http::field::origin, origin},
                                        {http::field::access_control_request_method, "POST"}});
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::access_control_allow_origin], origin);
  EXPECT_EQ(response[http::field::vary], "Origin");
  EXPECT_EQ(response[http::field::access_control_allow_methods], "GET,POST,DELETE,OPTIONS");
  EXPECT_EQ(response[http::field::access_control_allow_headers], "Content-Type,Authorization");
  EXPECT_EQ(response[http::field::access_control_max_age], "86400");
}

TEST_F(ServerTest, UnknownPathIs404Json) {
  HttpClient client(port());
  const auto response = client.request(http::verb::get, "/x");
  EXPECT_EQ(response.result(), http::status::not_found);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  EXPECT_EQ(json::parse(response.body()),
            json({{"ok", false}, {"error", "not_found"}, {"message", "no route for GET /x"}}));
}

TEST_F(ServerTest, WrongMethodIs405Json) {
  HttpClient client(port());
  const auto response = client.request(http::verb::delete_, "/health");
  EXPECT_EQ(response.result(), http::status::method_not_allowed);
  const json body = json::parse(response.body());
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["error"], "method_not_allowed");
}

TEST_F(ServerTest, PlainGetOnWsIs426) {
  HttpClient client(port());
  const auto response = client.request(http::verb::get, "/ws");
  EXPECT_EQ(response.result(), http::status::upgrade_required);
  EXPECT_EQ(json::parse(response.body())["error"], "upgrade_required");
}

TEST_F(ServerTest, HeadOnAnApiRouteKeepsTheConnectionInStep) {
  HttpClient client(port());
  const auto get = client.request(http::verb::get, "/api/status");
  const auto head = client.request(http::verb::head, "/api/status");
  EXPECT_EQ(head.result(), http::status::ok);
  EXPECT_EQ(head[http::field::content_type], "application/json");
  EXPECT_FALSE(head[http::field::content_length].empty());
  // Had a body followed the HEAD answer, this would read it as its response.
  const auto after = client.request(http::verb::get, "/health");
  EXPECT_EQ(after.result(), http::status::ok);
  EXPECT_EQ(json::parse(after.body())["ok"], true);
  EXPECT_FALSE(get.body().empty());
}

TEST_F(ServerTest, MalformedWebSocketHandshakesAreRefusedInJson) {
  const HeaderList upgrade = {{http::field::connection, "Upgrade"}, {http::field::upgrade, "websocket"}};
  auto with = [&](std::initializer_list<std::pair<http::field, std::string>> extra) {
    HeaderList headers = upgrade;
    headers.insert(headers.end(), extra.begin(), extra.end());
    return headers;
  };
  {
    HttpClient client(port());
    const auto r = client.request(http::verb::get, "/ws",
                                  with({{http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ=="},
                                        {http::field::sec_websocket_version, "8"},
                                        {http::field::origin, "http://127.0.0.1"}}));
    EXPECT_EQ(r.result(), http::status::upgrade_required);
    EXPECT_EQ(r[http::field::sec_websocket_version], "13");
    EXPECT_EQ(r[http::field::access_control_allow_origin], "http://127.0.0.1");
    const json body = json::parse(r.body());
    EXPECT_EQ(body["error"], "upgrade_required");
    EXPECT_NE(body["message"].get<std::string>().find("Sec-WebSocket-Version must be 13, got '8'"), std::string::npos)
        << body;
  }
  {
    HttpClient client(port());
    const auto r = client.request(http::verb::get, "/ws", with({{http::field::sec_websocket_version, "13"}}));
    EXPECT_EQ(r.result(), http::status::bad_request);
    EXPECT_EQ(r[http::field::content_type], "application/json");
    const json body = json::parse(r.body());
    EXPECT_EQ(body["error"], "bad_request");
    EXPECT_NE(body["message"].get<std::string>().find("Sec-WebSocket-Key"), std::string::npos) << body;
  }
  // RFC 6455 4.1: the key is the base64 of a 16-byte nonce.
  for (const char* key : {"short", "!!!notbase64!!!", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZ*==",
                          "dGhlIHNhbXBsZSBub25jZQ==AAAA", "dGhlIHNhbXBsZSBub25jZR=="}) {
    HttpClient client(port());
    const auto r = client.request(
        http::verb::get, "/ws",
        with({{http::field::sec_websocket_key, key}, {http::field::sec_websocket_version, "13"}}));
    EXPECT_EQ(r.result(), http::status::bad_request) << key;
    const json body = json::parse(r.body());
    EXPECT_EQ(body["error"], "bad_request") << key;
    EXPECT_NE(body["message"].get<std::string>().find("Sec-WebSocket-Key must be the base64 of a 16-byte nonce"),
              std::string::npos)
        << body;
  }
  // A well-formed handshake still opens the WebSocket.
  WsClient ws(port());
  EXPECT_EQ(ws.read()["type"], "hello_ack");
}

TEST_F(ServerTest, KeepAliveServesSeveralRequests) {
  HttpClient client(port());
  for (int i = 0; i < 3; ++i) {
    const auto response = client.request(http::verb::get, "/health");
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_TRUE(response.keep_alive());
  }
}

TEST_F(ServerTest, OversizedHeaderIs431Json) {
  HttpClient client(port());
  const auto response = client.request(http::verb::get, "/health", {{http::field::cookie, std::string(9000, 'c')}});
  EXPECT_EQ(response.result_int(), 431U);
  EXPECT_EQ(json::parse(response.body())["error"], "header_too_large");
}

// Sends requests whose UNKNOWN_MSG replies echo a `reply_bytes` long type,
// without reading anything back.
void send_unread_requests(WsClient& client, int count, std::size_t reply_bytes) {
  const std::string request = json{{"type", std::string(reply_bytes, 't')}}.dump();
  for (int i = 0; i < count; ++i) client.send_text(request);
}

json server_status(std::uint16_t port) {
  HttpClient client(port);
  return json::parse(client.request(http::verb::get, "/api/status").body())["net"];
}

TEST_F(ServerTest, OversizedBodyIs413Json) {
  HttpClient client(port());
  const auto response = client.request(http::verb::post, "/health", {}, std::string(200 * 1024, 'b'));
  EXPECT_EQ(response.result(), http::status::payload_too_large);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_EQ(json::parse(response.body())["error"], "payload_too_large");
}

TEST_F(ServerTest, SlowClientDoesNotStallOthers) {
  FrameFeeder feeder(frames_, AnalysisFrame::kMaxBands);
  // Subscribes, then never reads, and asks for ~6 MB of replies: more than
  // the socket buffers hold, fewer messages than the reply queue bound. The
  // server's writes to it stall for good.
  WsClient slow(port(), 4096);
  slow.send({{"type", "subscribe"}, {"payload", {{"streams", {"audio_meter", "engine_status"}}}}});
  send_unread_requests(slow, 100, 60000);

  // The slow client's meters are being replaced (latest-wins), not queued.
  bool stalled = false;
  for (int i = 0; i < 200 && !stalled; ++i) {
    stalled = server_status(port())["telemetryDropped"].get<std::uint64_t>() > 0;
    if (!stalled) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(stalled) << "the slow client never stalled";

  WsClient fast(port());
  fast.read();
  fast.send({{"type", "subscribe"}, {"payload", {{"streams", {"audio_meter"}}}}, {"reqId", 1}});
  fast.read_type("ack");
  const auto start = std::chrono::steady_clock::now();
  int meters = 0;
  while (std::chrono::steady_clock::now() - start < 2s) {
    if (fast.read()["type"] == "audio_meter") ++meters;
  }
  // 60 Hz nominal; generous for sanitizer builds on a loaded machine. A
  // client stuck behind its neighbour would see none.
  EXPECT_GE(meters, 20) << "meters in 2 s";

  // The slow client is still connected: its reply queue never overflowed.
  const json net = server_status(port());
  EXPECT_EQ(net["clientsDropped"], 0);
  EXPECT_EQ(net["wsClients"], 2);
}

TEST_F(ServerTest, KernelBuffersDoNotHideANonReadingSubscriber) {
  FrameFeeder feeder(frames_, AnalysisFrame::kMaxBands);
  // Only meters (~0.7 kB at 60 Hz), no large replies: without a cap on unsent
  // kernel data the server's send buffer would absorb minutes of them before
  // latest-wins engaged.
  WsClient slow(port(), 4096);
  slow.send({{"type", "subscribe"}, {"payload", {{"streams", {"audio_meter"}}}}});
  bool dropping = false;
  for (int i = 0; i < 100 && !dropping; ++i) {
    std::this_thread::sleep_for(100ms);
    dropping = server_status(port())["telemetryDropped"].get<std::uint64_t>() > 0;
  }
  EXPECT_TRUE(dropping) << "no meter was replaced within 10 s";
}

// The rate limit alone keeps a request flood from reaching the queue bound
// (the kernel's socket buffers absorb what it lets through), so it is off here
// to test the bound itself.
class ServerUnlimitedTest : public ServerFixture {
 protected:
  void configure(ServerOptions& options, ServerHooks&) override { options.rate_limit_per_sec = 0.0; }
};

TEST_F(ServerUnlimitedTest, ReplyQueueOverflowClosesWith1008) {
  WsClient client(port(), 4096);
  // Requests without reading until the server reports that it dropped the
  // client; the inbound side lags, so the server is asked in between.
  bool dropped = false;
  for (int round = 0; round < 100 && !dropped; ++round) {
    send_unread_requests(client, 100, 4000);
    dropped = server_status(port())["clientsDropped"].get<std::uint64_t>() > 0;
  }
  ASSERT_TRUE(dropped);
  // Reading again lets the stalled write finish; the close frame follows it.
  const auto ec = client.read_until_closed();
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(client.ws().reason().code, websocket::close_code::policy_error);
  EXPECT_EQ(client.ws().reason().reason, "send queue overflow");
}

TEST_F(ServerTest, WebSocketClientCapAnswers503) {
  std::vector<std::unique_ptr<WsClient>> clients;
  for (int i = 0; i < 256; ++i) clients.push_back(std::make_unique<WsClient>(port()));
  HttpClient client(port());
  const auto response = client.request(http::verb::get, "/ws", upgrade_headers());
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  const json body = json::parse(response.body());
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["error"], "too_many_clients");
}

TEST_F(ServerTest, StopWithConnectedClientsIsQuickAndSays1001) {
  WsClient reader(port());
  reader.read();
  WsClient idle(port(), 4096);  // never reads
  HttpClient keep_alive(port());
  keep_alive.request(http::verb::get, "/health");

  auto closed = std::async(std::launch::async, [&reader] { return reader.read_until_closed(); });
  std::this_thread::sleep_for(50ms);  // let the read start
  const auto start = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(closed.get(), websocket::error::closed);
  EXPECT_EQ(reader.ws().reason().code, websocket::close_code::going_away);
  server_->stop();  // idempotent
}

TEST_F(ServerTest, BusyPortIsAReadableError) {
  ServerOptions options;
  options.listen = "127.0.0.1";
  options.port = port();
  Server second(options, ServerHooks{});
  try {
    second.start();
    FAIL() << "start() on a busy port succeeded";
  } catch (const std::runtime_error& error) {
    EXPECT_EQ(std::string(error.what()),
              "cannot listen on 127.0.0.1:" + std::to_string(port()) + ": Address already in use");
  }
}

TEST(ServerLifecycle, InvalidListenAddressIsAReadableError) {
  ServerOptions options;
  options.listen = "not-an-ip";
  options.port = 0;
  Server server(options, ServerHooks{});
  EXPECT_THROW(server.start(), std::runtime_error);
}

TEST(ServerLifecycle, StopWithoutStartAndRestart) {
  ServerOptions options;
  options.port = 0;
  Server server(options, ServerHooks{});
  server.stop();
  server.start();
  server.stop();
  server.start();
  HttpClient client(server.port());
  EXPECT_EQ(client.request(http::verb::get, "/health").result(), http::status::ok);
}

TEST(ServerLifecycle, ListensOnIpv6Loopback) {
  ServerOptions options;
  options.listen = "::1";
  options.port = 0;
  Server server(options, ServerHooks{});
  try {
    server.start();
  } catch (const std::runtime_error& error) {
    GTEST_SKIP() << "no IPv6 loopback here: " << error.what();
  }
  HttpClient client(asio::ip::tcp::endpoint(asio::ip::make_address("::1"), server.port()));
  const auto response = client.request(http::verb::get, "/health");
  EXPECT_EQ(json::parse(response.body())["ok"], true);
}

}  // namespace
}  // namespace lumina
