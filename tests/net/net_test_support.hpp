#pragma once
// Real Beast clients for the end-to-end server tests. Every client operation
// runs with a tcp_stream deadline, so no test can hang on a socket.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
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

#include "lumina/core/latest_value.hpp"
#include "lumina/core/version.hpp"
#include "lumina/dsp/analysis_frame.hpp"
#include "lumina/net/server.hpp"

namespace lumina::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using nlohmann::json;
using namespace std::chrono_literals;

inline constexpr auto kOpTimeout = 5s;

using HeaderList = std::vector<std::pair<http::field, std::string>>;

// Runs the operation that `initiate` starts until its handler ran. Callers set
// a tcp_stream deadline first, which guarantees completion.
template <typename Initiate>
beast::error_code run_op(asio::io_context& io, Initiate&& initiate) {
  bool done = false;
  beast::error_code result;
  initiate([&](beast::error_code ec, auto&&...) {
    result = ec;
    done = true;
  });
  io.restart();
  while (!done && io.run_one() > 0) {
  }
  return done ? result : beast::error_code(asio::error::timed_out);
}

inline void check(const beast::error_code& ec, const char* what) {
  if (ec) throw std::runtime_error(std::string(what) + ": " + ec.message());
}

inline asio::ip::tcp::endpoint loopback(std::uint16_t port) { return {asio::ip::make_address("127.0.0.1"), port}; }

struct WsClientOptions {
  std::string target = "/ws";
  HeaderList headers;      // added to the upgrade request (Origin, Authorization, ...)
  int receive_buffer = 0;  // > 0 shrinks SO_RCVBUF so a client that never reads stalls the server quickly
};

class WsClient {
 public:
  explicit WsClient(std::uint16_t port, int receive_buffer = 0)
      : WsClient(port, WsClientOptions{"/ws", {}, receive_buffer}) {}

  WsClient(std::uint16_t port, const WsClientOptions& options) : ws_(io_) {
    auto& tcp = beast::get_lowest_layer(ws_);
    if (options.receive_buffer > 0) {
      tcp.socket().open(asio::ip::tcp::v4());
      tcp.socket().set_option(asio::socket_base::receive_buffer_size(options.receive_buffer));
    }
    tcp.expires_after(kOpTimeout);
    check(run_op(io_, [&](auto handler) { tcp.async_connect(loopback(port), std::move(handler)); }), "connect");
    ws_.set_option(websocket::stream_base::decorator([headers = options.headers](websocket::request_type& request) {
      for (const auto& [field, value] : headers) request.set(field, value);
    }));
    tcp.expires_after(kOpTimeout);
    const std::string host = "127.0.0.1:" + std::to_string(port);
    check(run_op(io_, [&](auto handler) { ws_.async_handshake(host, options.target, std::move(handler)); }),
          "handshake");
  }

  void send_text(const std::string& text) {
    ws_.text(true);
    write(text);
  }
  void send(const json& message) { send_text(message.dump()); }
  void send_binary(const std::string& bytes) {
    ws_.binary(true);
    write(bytes);
  }

  // The next message's error (closed, timeout, ...) without throwing.
  beast::error_code read_raw(beast::flat_buffer& buffer, std::chrono::steady_clock::duration timeout = kOpTimeout) {
    beast::get_lowest_layer(ws_).expires_after(timeout);
    return run_op(io_, [&](auto handler) { ws_.async_read(buffer, std::move(handler)); });
  }

  json read() {
    beast::flat_buffer buffer;
    check(read_raw(buffer), "read");
    if (!ws_.got_text()) throw std::runtime_error("server sent a binary frame");
    return json::parse(beast::buffers_to_string(buffer.data()));
  }

  // Skips other messages (telemetry) until one of `type` arrives.
  json read_type(const std::string& type, int max_messages = 500) {
    for (int i = 0; i < max_messages; ++i) {
      json message = read();
      if (message["type"] == type) return message;
    }
    throw std::runtime_error("no '" + type + "' message");
  }

  // Reads until the server closes; returns the read error (websocket::error::closed on a clean close).
  beast::error_code read_until_closed(int max_messages = 100000,
                                      std::chrono::steady_clock::duration timeout = kOpTimeout) {
    for (int i = 0; i < max_messages; ++i) {
      beast::flat_buffer buffer;
      if (auto ec = read_raw(buffer, timeout)) return ec;
    }
    return asio::error::timed_out;
  }

  websocket::stream<beast::tcp_stream>& ws() { return ws_; }
  asio::io_context& io() { return io_; }

 private:
  void write(const std::string& bytes) {
    beast::get_lowest_layer(ws_).expires_after(kOpTimeout);
    check(run_op(io_, [&](auto handler) { ws_.async_write(asio::buffer(bytes), std::move(handler)); }), "write");
  }

  asio::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
};

class HttpClient {
 public:
  explicit HttpClient(const asio::ip::tcp::endpoint& endpoint) : stream_(io_) {
    stream_.expires_after(kOpTimeout);
    check(run_op(io_, [&](auto handler) { stream_.async_connect(endpoint, std::move(handler)); }), "connect");
  }
  explicit HttpClient(std::uint16_t port) : HttpClient(loopback(port)) {}

  http::response<http::string_body> request(http::verb verb, const std::string& target, const HeaderList& headers = {},
                                            std::string body = {}) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [field, value] : headers) req.set(field, value);
    req.body() = std::move(body);
    req.prepare_payload();
    stream_.expires_after(kOpTimeout);
    check(run_op(io_, [&](auto handler) { http::async_write(stream_, req, std::move(handler)); }), "http write");
    http::response_parser<http::string_body> parser;
    parser.skip(verb == http::verb::head);  // a HEAD answer has a Content-Length but no body
    stream_.expires_after(kOpTimeout);
    check(run_op(io_, [&](auto handler) { http::async_read(stream_, buffer_, parser, std::move(handler)); }),
          "http read");
    return parser.release();
  }

 private:
  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

// Headers of a WebSocket upgrade, for sending one through HttpClient to see
// the refusal's status and JSON body.
inline HeaderList upgrade_headers(HeaderList extra = {}) {
  HeaderList headers{{http::field::connection, "Upgrade"},
                     {http::field::upgrade, "websocket"},
                     {http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ=="},
                     {http::field::sec_websocket_version, "13"}};
  headers.insert(headers.end(), extra.begin(), extra.end());
  return headers;
}

// Publishes analysis frames from its own thread (the single writer of the
// LatestValue), like the analysis thread does. `beat_every` > 0: every that
// many frames the beat counter advances (and the onset counter with it).
class FrameFeeder {
 public:
  FrameFeeder(LatestValue<AnalysisFrame>& frames, std::uint32_t bands, std::uint64_t beat_every = 0) {
    thread_ = std::thread([this, &frames, bands, beat_every] {
      AnalysisFrame frame;
      frame.band_count = bands;
      frame.sample_rate = 48000;
      std::uint64_t n = 0;
      while (!stop_.load()) {
        ++n;
        frame.sample_time = n * 512;
        frame.rms = 0.5F + 0.25F * static_cast<float>(std::sin(static_cast<double>(n) * 0.1));
        frame.peak = std::min(1.0F, frame.rms + 0.2F);
        frame.energy = frame.rms;
        for (std::uint32_t i = 0; i < bands; ++i) frame.bands[i] = static_cast<float>((n + i) % 100) / 100.0F;
        if (beat_every > 0) {
          frame.bpm = 120.0F;
          frame.bpm_confidence = 0.9F;
          frame.beat_phase = static_cast<float>(n % beat_every) / static_cast<float>(beat_every);
          frame.kick = n % beat_every == 0 ? 1.0F : 0.1F;
          if (n % beat_every == 0) {
            ++frame.beat_count;
            ++frame.onset_count;
            frame.last_beat_time = frame.sample_time;
            frame.last_onset_time = frame.sample_time;
          }
        }
        frames.store(frame);
        std::this_thread::sleep_for(4ms);
      }
    });
  }
  ~FrameFeeder() {
    stop_.store(true);
    thread_.join();
  }
  FrameFeeder(const FrameFeeder&) = delete;
  FrameFeeder& operator=(const FrameFeeder&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A running Server on 127.0.0.1 (port 0). Derived fixtures adjust options and
// hooks in configure() before it starts.
class ServerFixture : public ::testing::Test {
 protected:
  virtual void configure(ServerOptions& /*options*/, ServerHooks& /*hooks*/) {}

  void SetUp() override {
    ServerOptions options;
    options.listen = "127.0.0.1";
    options.port = 0;
    options.telemetry_fps = 60;
    ServerHooks hooks;
    hooks.frames = &frames_;
    hooks.status = [] { return json{{"version", kVersion}, {"uptime", 12.5}, {"audio", {{"state", "stopped"}}}}; };
    hooks.dmx_write = [this](const DmxOverride& write) {
      std::lock_guard lock(writes_mutex_);
      writes_.push_back(write);
      return true;
    };
    configure(options, hooks);
    server_ = std::make_unique<Server>(options, hooks);
    server_->start();
    ASSERT_NE(server_->port(), 0);
  }

  void TearDown() override { server_->stop(); }

  std::uint16_t port() const { return server_->port(); }

  std::vector<DmxOverride> writes() {
    std::lock_guard lock(writes_mutex_);
    return writes_;
  }

  // A request whose reply proves every earlier message of this client was handled.
  static json fence(WsClient& client, int req_id) {
    client.send({{"type", "fence_probe"}, {"reqId", req_id}});
    return client.read();
  }

  LatestValue<AnalysisFrame> frames_;
  std::mutex writes_mutex_;
  std::vector<DmxOverride> writes_;
  std::unique_ptr<Server> server_;
};

}  // namespace lumina::test
