#include "ws_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace lumina::testing {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct WsClient::Impl {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  bool ok = false;
  std::string error;
  int close_code = 0;

  // Runs the io_context until `done` or the timeout; a timeout breaks the connection.
  bool run(bool& done, std::chrono::milliseconds timeout) {
    io.restart();
    io.run_for(timeout);
    if (!done) {
      beast::get_lowest_layer(ws).socket().close();
      io.restart();
      io.run_for(std::chrono::milliseconds(500));
      ok = false;
      error = "timed out";
      return false;
    }
    return true;
  }
};

WsClient::WsClient(std::uint16_t port, const std::string& target, const std::map<std::string, std::string>& headers,
                   std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  bool done = false;
  beast::error_code result;
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  s.ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (const auto& [k, v] : headers) req.set(k, v);
  }));
  beast::get_lowest_layer(s.ws).async_connect(endpoint, [&](beast::error_code ec) {
    if (ec) {
      result = ec;
      done = true;
      return;
    }
    s.ws.async_handshake("127.0.0.1:" + std::to_string(port), target, [&](beast::error_code ec2) {
      result = ec2;
      done = true;
    });
  });
  if (!s.run(done, timeout)) return;
  if (result) {
    s.error = result.message();
    return;
  }
  s.ok = true;
}

WsClient::~WsClient() {
  if (impl_->ok) {
    beast::error_code ec;
    beast::get_lowest_layer(impl_->ws).socket().close(ec);
  }
}

bool WsClient::connected() const { return impl_->ok; }
const std::string& WsClient::error() const { return impl_->error; }
int WsClient::close_code() const { return impl_->close_code; }

bool WsClient::send_text(const std::string& text, std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  if (!s.ok) return false;
  s.ws.text(true);
  bool done = false;
  beast::error_code result;
  s.ws.async_write(asio::buffer(text), [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!s.run(done, timeout)) return false;
  if (result) {
    s.ok = false;
    s.error = result.message();
  }
  return !result;
}

bool WsClient::send_binary(const std::string& bytes, std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  if (!s.ok) return false;
  s.ws.binary(true);
  bool done = false;
  beast::error_code result;
  s.ws.async_write(asio::buffer(bytes), [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  const bool finished = s.run(done, timeout);
  s.ws.text(true);
  return finished && !result;
}

std::optional<nlohmann::json> WsClient::receive(std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  if (!s.ok) return std::nullopt;
  beast::flat_buffer buffer;
  bool done = false;
  beast::error_code result;
  s.ws.async_read(buffer, [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!s.run(done, timeout)) return std::nullopt;
  if (result) {
    s.ok = false;
    s.error = result.message();
    s.close_code = static_cast<int>(s.ws.reason().code);
    return std::nullopt;
  }
  return nlohmann::json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
}

std::optional<nlohmann::json> WsClient::receive_type(const std::string& type, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto message = receive(left);
    if (!message) return std::nullopt;
    if (message->is_object() && message->value("type", "") == type) return message;
  }
}

nlohmann::json WsClient::request(const std::string& type, const nlohmann::json& payload, std::chrono::milliseconds timeout,
                                 const std::function<void(const nlohmann::json&)>& on_other) {
  const int id = ++next_request_id_;
  EXPECT_TRUE(send_json({{"type", type}, {"payload", payload}, {"reqId", id}})) << "sending " << type;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto message = receive(left);
    if (!message) break;
    if (message->is_object() && message->value("reqId", nlohmann::json()) == id) return *message;
    if (on_other) on_other(*message);
  }
  ADD_FAILURE() << "no reply to " << type;
  return nlohmann::json::object();
}

}  // namespace lumina::testing
