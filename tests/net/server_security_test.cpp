// End-to-end tests of access control (token, origins), the inbound rate
// limit and GET /metrics.
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

constexpr const char* kToken = "test-token-0123456789";

std::string bearer(const std::string& token) { return "Bearer " + token; }

json net_status(std::uint16_t port, const std::string& token = {}) {
  HttpClient client(port);
  HeaderList headers;
  if (!token.empty()) headers.emplace_back(http::field::authorization, bearer(token));
  return json::parse(client.request(http::verb::get, "/api/status", headers).body())["net"];
}

class ServerAuthTest : public ServerFixture {
 protected:
  void configure(ServerOptions& options, ServerHooks&) override { options.access_token = kToken; }
};

TEST_F(ServerAuthTest, HttpNeedsTheBearerToken) {
  HttpClient client(port());
  auto response = client.request(http::verb::get, "/api/status");
  EXPECT_EQ(response.result(), http::status::unauthorized);
  EXPECT_EQ(response[http::field::www_authenticate], R"(Bearer realm="luminad")");
  const json body = json::parse(response.body());
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["error"], "unauthorized");
  EXPECT_TRUE(body["message"].is_string());

  response = client.request(http::verb::get, "/api/status", {{http::field::authorization, bearer("wrong")}});
  EXPECT_EQ(response.result(), http::status::unauthorized);
  response = client.request(http::verb::get, "/api/status", {{http::field::authorization, "Basic Zm9vOmJhcg=="}});
  EXPECT_EQ(response.result(), http::status::unauthorized);
  // Unknown paths are 401 too: nothing can be probed without the token.
  response = client.request(http::verb::get, "/secret-admin");
  EXPECT_EQ(response.result(), http::status::unauthorized);

  response = client.request(http::verb::get, "/api/status", {{http::field::authorization, bearer(kToken)}});
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(json::parse(response.body())["audio"]["state"], "stopped");
  response = client.request(http::verb::get, "/nope", {{http::field::authorization, bearer(kToken)}});
  EXPECT_EQ(response.result(), http::status::not_found);
}

TEST_F(ServerAuthTest, HealthStaysOpenButSaysLittleWithoutTheToken) {
  HttpClient client(port());
  auto response = client.request(http::verb::get, "/health");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(json::parse(response.body()), json({{"ok", true}, {"server", "lumina-v3"}, {"authRequired", true}}));
  response = client.request(http::verb::get, "/health", {{http::field::authorization, bearer(kToken)}});
  const json body = json::parse(response.body());
  EXPECT_EQ(body["ok"], true);
  EXPECT_EQ(body["audio"]["state"], "stopped");
  EXPECT_EQ(body["net"]["authRequired"], true);
}

TEST_F(ServerAuthTest, PreflightNeedsNoToken) {
  HttpClient client(port());
  const auto response =
      client.request(http::verb::options, "/api/status",
                     {{http::field::origin, "http://127.0.0.1"}, {http::field::access_control_request_method, "GET"}});
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::access_control_allow_headers], "Content-Type,Authorization");
}

TEST_F(ServerAuthTest, MetricsNeedTheToken) {
  HttpClient client(port());
  EXPECT_EQ(client.request(http::verb::get, "/metrics").result(), http::status::unauthorized);
  EXPECT_EQ(client.request(http::verb::get, "/metrics", {{http::field::authorization, bearer(kToken)}}).result(),
            http::status::ok);
}

TEST_F(ServerAuthTest, WebSocketWithAuthorizationHeader) {
  WsClient client(port(), WsClientOptions{"/ws", {{http::field::authorization, bearer(kToken)}}, 0});
  const json hello = client.read();
  EXPECT_EQ(hello["payload"]["authenticated"], true);
  client.send({{"type", "subscribe"}, {"payload", {{"streams", {"audio_meter"}}}}, {"reqId", 1}});
  EXPECT_EQ(client.read()["type"], "ack");
}

TEST_F(ServerAuthTest, WebSocketWithQueryToken) {
  WsClient client(port(), WsClientOptions{std::string("/ws?token=") + kToken, {}, 0});
  EXPECT_EQ(client.read()["payload"]["authenticated"], true);
  client.send({{"type", "subscribe"}, {"payload", {{"streams", {"audio_meter"}}}}, {"reqId", 1}});
  EXPECT_EQ(client.read()["type"], "ack");
}

TEST_F(ServerAuthTest, WrongUpgradeCredentialIs401) {
  HttpClient by_query(port());
  auto response = by_query.request(http::verb::get, "/ws?token=nope", upgrade_headers());
  EXPECT_EQ(response.result(), http::status::unauthorized);
  EXPECT_EQ(json::parse(response.body())["error"], "unauthorized");
  HttpClient by_header(port());
  response = by_header.request(http::verb::get, "/ws", upgrade_headers({{http::field::authorization, bearer("x")}}));
  EXPECT_EQ(response.result(), http::status::unauthorized);
  EXPECT_EQ(net_status(port(), kToken)["authFailures"], 2);
}

TEST_F(ServerAuthTest, WebSocketWithAuthMessage) {
  WsClient client(port());
  EXPECT_EQ(client.read()["payload"]["authenticated"], false);
  client.send({{"type", "subscribe"}, {"payload", {{"streams", {"audio_meter"}}}}, {"reqId", 1}});
  json reply = client.read();
  EXPECT_EQ(reply["payload"]["code"], "UNAUTHORIZED");
  EXPECT_EQ(reply["reqId"], 1);
  client.send(json::parse(R"([{"ch":1,"val":255}])"));
  EXPECT_EQ(client.read()["payload"]["code"], "UNAUTHORIZED");
  EXPECT_TRUE(writes().empty());

  client.send({{"type", "auth"}, {"payload", {{"token", kToken}}}, {"reqId", "a"}});
  reply = client.read();
  EXPECT_EQ(reply["type"], "ack");
  EXPECT_EQ(reply["reqId"], "a");
  client.send({{"type", "subscribe"}, {"payload", {{"streams", {"audio_meter"}}}}, {"reqId", 2}});
  EXPECT_EQ(client.read()["type"], "ack");
  client.send(json::parse(R"({"ch":1,"val":255})"));
  EXPECT_EQ(fence(client, 3)["reqId"], 3);
  EXPECT_EQ(writes().size(), 1U);
}

TEST_F(ServerAuthTest, UnauthenticatedClientGetsNoTelemetry) {
  FrameFeeder feeder(frames_, 4);
  WsClient client(port());
  client.read();
  client.send({{"type", "subscribe"}, {"payload", {{"streams", {"audio_meter"}}}}, {"reqId", 1}});
  EXPECT_EQ(client.read()["payload"]["code"], "UNAUTHORIZED");
  std::this_thread::sleep_for(200ms);
  client.send({{"type", "auth"}, {"payload", {{"token", kToken}}}, {"reqId", 2}});
  EXPECT_EQ(client.read()["type"], "ack");  // no meter queued before it
}

TEST_F(ServerAuthTest, RepeatedFailuresClose1008) {
  WsClient client(port());
  client.read();
  for (int i = 0; i < 5; ++i) client.send({{"type", "auth"}, {"payload", {{"token", "guess"}}}, {"reqId", i}});
  // The refusals arrive, then the close.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.read()["payload"]["code"], "UNAUTHORIZED");
  const auto ec = client.read_until_closed();
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(client.ws().reason().code, websocket::close_code::policy_error);
  EXPECT_EQ(client.ws().reason().reason, "authentication failed");
}

TEST_F(ServerAuthTest, SilentClientIsClosedAfterTheAuthTimeout) {
  WsClient client(port());
  client.read();
  // kAuthTimeout (10 s) plus the 1 s progress check.
  const auto ec = client.read_until_closed(10, 15s);
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(client.ws().reason().code, websocket::close_code::policy_error);
  EXPECT_EQ(client.ws().reason().reason, "authentication timeout");
}

TEST(ServerAuthRequired, NonLoopbackWithoutTokenRefusesToStart) {
  ServerOptions options;
  options.listen = "0.0.0.0";
  options.port = 0;
  Server server(options, ServerHooks{});
  try {
    server.start();
    FAIL() << "started on 0.0.0.0 without a token";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("without an access token"), std::string::npos) << error.what();
  }
}

class ServerOriginTest : public ServerFixture {
 protected:
  void configure(ServerOptions& options, ServerHooks&) override {
    options.allowed_origins = {"http://ui.example:5173"};
  }
};

TEST_F(ServerOriginTest, ForeignOriginUpgradeIs403) {
  HttpClient client(port());
  const auto response =
      client.request(http::verb::get, "/ws", upgrade_headers({{http::field::origin, "http://evil.example"}}));
  EXPECT_EQ(response.result(), http::status::forbidden);
  const json body = json::parse(response.body());
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["error"], "forbidden_origin");
  EXPECT_NE(body["message"].get<std::string>().find("http://evil.example"), std::string::npos);
}

TEST_F(ServerOriginTest, ListedSameOriginAndNoOriginAreAccepted) {
  WsClient listed(port(), WsClientOptions{"/ws", {{http::field::origin, "http://ui.example:5173"}}, 0});
  EXPECT_EQ(listed.read()["type"], "hello_ack");
  // WsClient sends Host 127.0.0.1:<port>.
  WsClient same(port(),
                WsClientOptions{"/ws", {{http::field::origin, "http://127.0.0.1:" + std::to_string(port())}}, 0});
  EXPECT_EQ(same.read()["type"], "hello_ack");
  WsClient none(port());
  EXPECT_EQ(none.read()["type"], "hello_ack");
}

TEST_F(ServerOriginTest, CorsEchoesAllowedOriginsOnly) {
  HttpClient client(port());
  auto response = client.request(http::verb::get, "/health", {{http::field::origin, "http://ui.example:5173"}});
  EXPECT_EQ(response[http::field::access_control_allow_origin], "http://ui.example:5173");
  response = client.request(http::verb::get, "/health", {{http::field::origin, "http://evil.example"}});
  EXPECT_EQ(response.result(), http::status::ok);  // a read; the browser withholds it without the header
  EXPECT_EQ(response.count(http::field::access_control_allow_origin), 0U);
}

TEST_F(ServerOriginTest, StateChangingRequestFromForeignOriginIs403) {
  HttpClient client(port());
  const auto response =
      client.request(http::verb::post, "/upload", {{http::field::origin, "http://evil.example"}}, "x");
  EXPECT_EQ(response.result(), http::status::forbidden);
  EXPECT_EQ(json::parse(response.body())["error"], "forbidden_origin");
}

class ServerRateLimitTest : public ServerFixture {
 protected:
  void configure(ServerOptions& options, ServerHooks&) override {
    options.rate_limit_per_sec = 20.0;
    options.rate_limit_burst = 10;
  }
};

TEST_F(ServerRateLimitTest, FloodIsRefusedWithFewErrorsAndTheConnectionStays) {
  WsClient client(port());
  client.read();
  constexpr int kFlood = 300;
  for (int i = 0; i < kFlood; ++i)
    client.send({{"type", "subscribe"}, {"payload", {{"streams", json::array()}}}, {"reqId", i}});
  for (int i = 0; i < 50; ++i) client.send_binary("bin");
  // Let the bucket refill, then prove the connection still works.
  std::this_thread::sleep_for(600ms);
  client.send({{"type", "subscribe"}, {"payload", {{"streams", json::array()}}}, {"reqId", "last"}});
  int acks = 0;
  int limited = 0;
  for (;;) {
    const json reply = client.read();
    if (reply["reqId"] == "last") {
      EXPECT_EQ(reply["type"], "ack");
      break;
    }
    if (reply["type"] == "ack") ++acks;
    if (reply["type"] == "error") {
      EXPECT_EQ(reply["payload"]["code"], "RATE_LIMITED");
      EXPECT_TRUE(reply["reqId"].is_number() || reply["reqId"].is_null());
      ++limited;
    }
  }
  EXPECT_GE(acks, 10);
  EXPECT_LT(acks, kFlood);
  EXPECT_GE(limited, 1);
  // The errors are rate-limited too: far fewer than the refused messages.
  EXPECT_LT(limited, 50);
  const json net = net_status(port());
  EXPECT_GE(net["rateLimited"].get<int>(), kFlood + 50 - acks - 20);
  EXPECT_EQ(net["clientsDropped"], 0);
}

class ServerMetricsTest : public ServerFixture {
 protected:
  void configure(ServerOptions&, ServerHooks& hooks) override {
    hooks.metrics = [] {
      MetricSample xruns;
      xruns.name = "lumina_audio_xruns_total";
      xruns.help = "Audio xruns.";
      xruns.type = MetricType::kCounter;
      xruns.value = 2;
      MetricSample callback;
      callback.name = "lumina_audio_callback_seconds";
      callback.help = "Callback duration.";
      callback.type = MetricType::kHistogram;
      callback.buckets = {{0.000025, 7}, {0.00005, 1}};
      return std::vector<MetricSample>{xruns, callback};
    };
  }
};

TEST_F(ServerMetricsTest, PrometheusTextWithNetAndEngineFigures) {
  {
    WsClient client(port());
    client.read();
    client.send({{"type", "subscribe"}, {"payload", {{"streams", {"x"}}}}, {"reqId", 1}});
    client.read();
  }
  HttpClient client(port());
  client.request(http::verb::get, "/health");
  client.request(http::verb::get, "/nowhere/1");
  const auto response = client.request(http::verb::get, "/metrics");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = response.body();
  for (const char* expected :
       {"# TYPE lumina_net_ws_clients gauge\n", "# HELP lumina_net_messages_in_total ",
        "lumina_net_messages_in_total{type=\"subscribe\"} 1\n", "lumina_net_messages_out_total{type=\"ack\"} 1\n",
        "lumina_net_messages_out_total{type=\"hello_ack\"} 1\n",
        "lumina_net_http_requests_total{route=\"/health\",status=\"200\"} 1\n",
        "lumina_net_http_requests_total{route=\"unmatched\",status=\"404\"} 1\n",
        "lumina_net_http_requests_total{route=\"/ws\",status=\"101\"} 1\n",
        "# TYPE lumina_net_rate_limited_total counter\n", "lumina_net_auth_failures_total 0\n",
        "lumina_audio_xruns_total 2\n", "lumina_audio_callback_seconds_bucket{le=\"5e-05\"} 8\n",
        "lumina_audio_callback_seconds_count 8\n"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n---\n" << text;
  }
}

}  // namespace
}  // namespace lumina
