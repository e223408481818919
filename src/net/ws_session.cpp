#include "ws_session.hpp"

#include <chrono>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include "lumina/core/clock.hpp"
#include "lumina/core/version.hpp"
#include "endpoint_text.hpp"
#include "outbound_queue.hpp"
#include "protocol.hpp"
#include "server_context.hpp"

namespace lumina::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kKeptReadCapacity = 64 * 1024;

class WsSession final : public Subscriber, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(asio::ip::tcp::socket socket, std::shared_ptr<ServerContext> context)
      : ws_(std::move(socket)), context_(std::move(context)) {
    peer_ = peer_text(beast::get_lowest_layer(ws_).socket());
  }

  ~WsSession() override {
    context_->hub.remove_ws(this);
    if (open_) spdlog::debug("net: ws client {} disconnected", peer_);
  }

  WsSession(const WsSession&) = delete;
  WsSession& operator=(const WsSession&) = delete;

  void start(http::request<http::empty_body> upgrade) {
    // The websocket stream runs its own handshake/idle timers and pings
    // (A.2: a client that stops answering is dropped); the tcp_stream's would
    // fight with them.
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
      response.set(http::field::server, std::string(kServerName) + "/" + kVersion);
    }));
    // Larger messages fail the connection with close code 1009 (C.5).
    ws_.read_message_max(kWsMessageMax);
    // Registered before the handshake so pending handshakes count against
    // the session cap and are closed by stop().
    context_->hub.add_ws(this);
    ws_.async_accept(upgrade, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
  }

  bool wants(std::string_view stream) const override {
    return open_ && !closing_ && client_.subscribed(stream);
  }

  void deliver(std::string_view stream, const SharedText& message) override {
    if (!open_ || closing_) return;
    if (outbound_.push_telemetry(stream, message)) ++context_->counters.telemetry_dropped;
    write_next();
  }

  void check_progress(SteadyClock::time_point now) override {
    if (closing_) {
      if (now >= close_deadline_) {
        spdlog::debug("net: ws client {} did not finish closing; dropping it", peer_);
        abort();
      }
    } else if (writing_ && now >= write_deadline_) {
      spdlog::warn("net: ws client {} has not read for {} s; dropping it", peer_, kWriteStallTimeout.count());
      ++context_->counters.clients_dropped;
      abort();
    }
  }

  void shut_down() override { close_with(websocket::close_code::going_away, "server shutting down"); }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) {
      spdlog::debug("net: ws handshake with {} failed: {}", peer_, ec.message());
      return;
    }
    open_ = true;
    ++context_->counters.ws_accepted;
    spdlog::debug("net: ws client {} connected", peer_);
    if (context_->stopping) {
      shut_down();
      return;
    }
    queue_reply(encode_hello_ack(unix_seconds()));
    write_next();
    read_next();
  }

  void read_next() {
    ws_.async_read(read_buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) {
      if (ec == websocket::error::message_too_big) {
        spdlog::warn("net: ws client {} sent a message over {} bytes; closed with 1009", peer_, kWsMessageMax);
      } else if (ec == websocket::error::closed) {
        spdlog::debug("net: ws client {} closed ({})", peer_, static_cast<unsigned>(ws_.reason().code));
      } else if (ec != asio::error::operation_aborted) {
        spdlog::debug("net: ws read from {} ended: {}", peer_, ec.message());
      }
      return;
    }
    // Binary frames are ignored: neither an error nor a close (A.1).
    if (ws_.got_text() && !closing_) {
      const auto data = read_buffer_.cdata();
      handle_text(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    read_buffer_.consume(read_buffer_.size());
    // One large message must not pin up to 1 MiB per idle client.
    if (read_buffer_.capacity() > kKeptReadCapacity) read_buffer_.shrink_to_fit();
    read_next();
  }

  void handle_text(std::string_view text) {
    std::vector<std::string> replies;
    try {
      replies = context_->dispatcher.handle_text(text, client_);
    } catch (const std::exception& error) {
      // Never let one message take the session (or the io thread) down.
      spdlog::warn("net: message from {} failed: {}", peer_, error.what());
      replies.assign(1, encode_error(kErrInternal, error.what(), nullptr, unix_seconds()));
    }
    // After an unsubscribe nothing of that stream may follow the ack.
    outbound_.drop_telemetry_if([this](std::string_view stream) { return !client_.subscribed(stream); });
    for (auto& reply : replies) {
      if (!queue_reply(std::move(reply))) return;
    }
    write_next();
  }

  // False when the session had to be closed because the client does not read.
  bool queue_reply(std::string reply) {
    if (outbound_.push_reply(make_shared_text(std::move(reply)))) return true;
    spdlog::warn("net: ws client {} let {} replies pile up; closing it", peer_, kMaxPendingReplies);
    ++context_->counters.clients_dropped;
    close_with(websocket::close_code::policy_error, "reply queue overflow");
    return false;
  }

  // One write at a time; the queue decides what goes next.
  void write_next() {
    if (writing_ || closing_) return;
    in_flight_ = outbound_.pop();
    if (!in_flight_) return;
    writing_ = true;
    write_deadline_ = SteadyClock::now() + kWriteStallTimeout;
    ws_.text(true);
    ws_.async_write(asio::buffer(*in_flight_), beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t /*bytes*/) {
    writing_ = false;
    in_flight_.reset();
    if (ec) {
      if (ec != asio::error::operation_aborted && !closing_) {
        spdlog::debug("net: ws write to {} failed: {}", peer_, ec.message());
      }
      abort();
      return;
    }
    write_next();
  }

  void close_with(websocket::close_code code, const char* reason) {
    if (closing_) return;
    closing_ = true;
    outbound_.clear();
    close_deadline_ = SteadyClock::now() + kCloseTimeout;
    if (!ws_.is_open()) {
      // The peer's close (or a failure) is already being handled by the read;
      // a second close frame is not allowed.
      abort();
      return;
    }
    ws_.async_close(websocket::close_reason(code, reason),
                    beast::bind_front_handler(&WsSession::on_close, shared_from_this()));
  }

  void on_close(beast::error_code ec) {
    if (ec && ec != asio::error::operation_aborted) {
      spdlog::debug("net: ws close with {} ended: {}", peer_, ec.message());
    }
    abort();
  }

  // Closing the socket cancels whatever is pending; the session then ends
  // when the last handler holding it returns.
  void abort() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<ServerContext> context_;
  beast::flat_buffer read_buffer_;
  ClientState client_;
  OutboundQueue outbound_;
  SharedText in_flight_;  // keeps the buffer alive while Beast writes it
  std::string peer_;
  SteadyClock::time_point write_deadline_{};
  SteadyClock::time_point close_deadline_{};
  bool open_ = false;  // handshake done
  bool writing_ = false;
  bool closing_ = false;
};

}  // namespace

void start_ws_session(asio::ip::tcp::socket socket, http::request<http::empty_body> upgrade,
                      std::shared_ptr<ServerContext> context) {
  std::make_shared<WsSession>(std::move(socket), std::move(context))->start(std::move(upgrade));
}

}  // namespace lumina::net
