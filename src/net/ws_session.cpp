#include "ws_session.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "endpoint_text.hpp"
#include "lumina/core/clock.hpp"
#include "lumina/core/version.hpp"
#include "outbound_queue.hpp"
#include "protocol.hpp"
#include "rate_limiter.hpp"
#include "server_context.hpp"

namespace lumina::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kKeptReadCapacity = 64 * 1024;
constexpr std::string_view kKindBinary = "binary";
constexpr std::string_view kKindRateLimited = "rate_limited";

// NextLayer: beast::tcp_stream (ws://) or beast::ssl_stream<beast::tcp_stream> (wss://).
template <typename NextLayer>
class WsSession final : public Subscriber, public std::enable_shared_from_this<WsSession<NextLayer>> {
 public:
  WsSession(NextLayer&& stream, std::shared_ptr<ServerContext> context, bool authenticated)
      : ws_(std::move(stream)),
        context_(std::move(context)),
        limiter_(context_->options.rate_limit_per_sec, static_cast<double>(context_->options.rate_limit_burst)),
        limited_replies_(kRateLimitedRepliesPerSec, kRateLimitedRepliesBurst) {
    peer_ = peer_text(beast::get_lowest_layer(ws_).socket());
    client_.authenticated = authenticated;
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
    // Keeps backpressure in our queue (latest-wins), not in the kernel.
    const int lowat = kWsNotSentLowat;
    if (::setsockopt(beast::get_lowest_layer(ws_).socket().native_handle(), IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat,
                     sizeof lowat) != 0) {
      spdlog::debug("net: TCP_NOTSENT_LOWAT on {}: {}", peer_, std::strerror(errno));
    }
    // Registered before the handshake so pending handshakes count against
    // the session cap and are closed by stop().
    context_->hub.add_ws(this);
    ws_.async_accept(upgrade, beast::bind_front_handler(&WsSession::on_accept, this->shared_from_this()));
  }

  bool wants(std::string_view stream) const override {
    return open_ && !closing_ && !pending_close_ && client_.authenticated && client_.subscribed(stream);
  }

  void deliver(std::string_view stream, const SharedText& message, PushClass push_class) override {
    if (!open_ || closing_ || pending_close_) return;
    if (push_class == PushClass::kTelemetry) {
      if (outbound_.push_telemetry(stream, message)) {
        ++context_->counters.telemetry_dropped;
        context_->counters.telemetry_dropped_by_stream.add(stream);
      }
    } else if (!queue_ordered(message, stream)) {
      return;
    }
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
      context_->count_dropped_client(kDropWriteStalled);
      abort();
    } else if (open_ && !client_.authenticated && !pending_close_ && now >= auth_deadline_) {
      spdlog::info("net: ws client {} did not authenticate within {} s; closing it", peer_, kAuthTimeout.count());
      context_->count_dropped_client(kDropAuthTimeout);
      close_after_drain(CloseRequest{1008, "authentication timeout"});
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
    spdlog::debug("net: ws client {} connected{}", peer_, client_.authenticated ? "" : " (not yet authenticated)");
    if (context_->stopping) {
      shut_down();
      return;
    }
    auth_deadline_ = SteadyClock::now() + kAuthTimeout;
    if (!queue_ordered(make_shared_text(encode_hello_ack(unix_seconds(), client_.authenticated)), "hello_ack")) {
      return;
    }
    write_next();
    read_next();
  }

  void read_next() {
    ws_.async_read(read_buffer_, beast::bind_front_handler(&WsSession::on_read, this->shared_from_this()));
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
    if (!closing_ && !pending_close_) {
      const auto data = read_buffer_.cdata();
      const std::string_view text(static_cast<const char*>(data.data()), data.size());
      // Binary frames count against the limit too: they cost the same to receive.
      if (!limiter_.try_take(SteadyClock::now())) {
        refuse_rate_limited(ws_.got_text() ? text : std::string_view{});
      } else if (ws_.got_text()) {
        handle_text(text);
      } else {
        // Binary frames are ignored: neither an error nor a close (A.1).
        context_->counters.messages_in.add(kKindBinary);
      }
    }
    read_buffer_.consume(read_buffer_.size());
    // One large message must not pin up to 1 MiB per idle client.
    if (read_buffer_.capacity() > kKeptReadCapacity) read_buffer_.shrink_to_fit();
    read_next();
  }

  void refuse_rate_limited(std::string_view text) {
    ++context_->counters.rate_limited;
    context_->counters.messages_in.add(kKindRateLimited);
    // The replies are limited as well: a flood must not fill the send queue
    // with its own errors. Only answered messages are parsed (for reqId).
    if (!limited_replies_.try_take(SteadyClock::now())) return;
    const nlohmann::json req_id = text.empty() ? nlohmann::json(nullptr) : peek_req_id(text);
    const std::string message = "more than " + std::to_string(context_->options.rate_limit_burst) +
                                " messages in a burst or " + dump_json(context_->options.rate_limit_per_sec) +
                                " per second; message dropped";
    if (queue_ordered(make_shared_text(encode_error(kErrRateLimited, message, req_id, unix_seconds())), "error")) {
      write_next();
    }
  }

  void handle_text(std::string_view text) {
    DispatchResult result;
    try {
      result = context_->dispatcher.handle_text(text, client_);
    } catch (const std::exception& error) {
      // Never let one message take the session (or the io thread) down.
      spdlog::warn("net: message from {} failed: {}", peer_, error.what());
      result.replies.assign(1, {"error", encode_error(kErrInternal, error.what(), nullptr, unix_seconds())});
      result.kind = kKindInvalid;
    }
    context_->counters.messages_in.add(result.kind);
    if (result.auth_failed) ++context_->counters.auth_failures;
    // After an unsubscribe nothing of that stream may follow the ack.
    outbound_.drop_telemetry_if([this](std::string_view stream) { return !client_.subscribed(stream); });
    for (auto& reply : result.replies) {
      if (!queue_ordered(make_shared_text(std::move(reply.text)), context_->intern(reply.type))) return;
    }
    if (client_.close) {
      spdlog::info("net: ws client {}: {}; closing it", peer_, client_.close->reason);
      context_->count_dropped_client(kDropAuthFailed);
      close_after_drain(std::move(*client_.close));
      client_.close.reset();
    }
    write_next();
  }

  // False when the session had to be closed because the client does not read.
  bool queue_ordered(SharedText message, std::string_view type) {
    if (closing_) return false;
    if (outbound_.push_ordered(std::move(message), type)) return true;
    spdlog::warn("net: ws client {} let {} messages pile up; closing it", peer_, kMaxPendingReplies);
    context_->count_dropped_client(kDropQueueOverflow);
    close_with(websocket::close_code::policy_error, "send queue overflow");
    return false;
  }

  // One write at a time; the queue decides what goes next.
  void write_next() {
    if (writing_ || closing_) return;
    in_flight_ = outbound_.pop();
    if (!in_flight_) {
      if (pending_close_) {
        const CloseRequest request = std::move(*pending_close_);
        pending_close_.reset();
        close_with(static_cast<websocket::close_code>(request.code), request.reason);
      }
      return;
    }
    writing_ = true;
    write_deadline_ = SteadyClock::now() + kWriteStallTimeout;
    ws_.text(true);
    ws_.async_write(asio::buffer(*in_flight_.text),
                    beast::bind_front_handler(&WsSession::on_write, this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t /*bytes*/) {
    writing_ = false;
    const std::string_view type = in_flight_.type;
    in_flight_ = {};
    if (ec) {
      if (ec != asio::error::operation_aborted && !closing_) {
        spdlog::debug("net: ws write to {} failed: {}", peer_, ec.message());
      }
      abort();
      return;
    }
    context_->counters.messages_out.add(type);
    write_next();
  }

  // Sends what is queued (the error that explains the close), then closes.
  void close_after_drain(CloseRequest request) {
    if (closing_ || pending_close_) return;
    pending_close_ = std::move(request);
    write_next();
  }

  void close_with(websocket::close_code code, std::string_view reason) {
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
    websocket::close_reason close_reason(code);
    close_reason.reason.assign(reason.data(), std::min(reason.size(), close_reason.reason.max_size()));
    ws_.async_close(close_reason, beast::bind_front_handler(&WsSession::on_close, this->shared_from_this()));
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

  websocket::stream<NextLayer> ws_;
  std::shared_ptr<ServerContext> context_;
  beast::flat_buffer read_buffer_;
  ClientState client_;
  OutboundQueue outbound_;
  OutboundMessage in_flight_;  // keeps the buffer alive while Beast writes it
  TokenBucket limiter_;
  TokenBucket limited_replies_;
  std::optional<CloseRequest> pending_close_;
  std::string peer_;
  SteadyClock::time_point write_deadline_{};
  SteadyClock::time_point close_deadline_{};
  SteadyClock::time_point auth_deadline_{};
  bool open_ = false;  // handshake done
  bool writing_ = false;
  bool closing_ = false;
};

}  // namespace

void start_ws_session(beast::tcp_stream stream, http::request<http::empty_body> upgrade,
                      std::shared_ptr<ServerContext> context, bool authenticated) {
  std::make_shared<WsSession<beast::tcp_stream>>(std::move(stream), std::move(context), authenticated)
      ->start(std::move(upgrade));
}

void start_ws_session(beast::ssl_stream<beast::tcp_stream> stream, http::request<http::empty_body> upgrade,
                      std::shared_ptr<ServerContext> context, bool authenticated) {
  std::make_shared<WsSession<beast::ssl_stream<beast::tcp_stream>>>(std::move(stream), std::move(context),
                                                                    authenticated)
      ->start(std::move(upgrade));
}

}  // namespace lumina::net
