#include "http_session.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include "lumina/core/version.hpp"
#include "endpoint_text.hpp"
#include "server_context.hpp"
#include "ws_session.hpp"

namespace lumina::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::string_view to_std(beast::string_view text) { return {text.data(), text.size()}; }

constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kLingerMaxBytes = 1024 * 1024;

// Malformed requests (as opposed to I/O errors) deserve a 4xx before closing.
bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

class HttpSession final : public Connection, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(asio::ip::tcp::socket socket, std::shared_ptr<ServerContext> context)
      : stream_(std::move(socket)), context_(std::move(context)) {
    peer_ = peer_text(stream_.socket());
  }

  ~HttpSession() override { context_->hub.remove_http(this); }

  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  void start() {
    context_->hub.add_http(this);
    read_header();
  }

  void shut_down() override {
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

 private:
  // The header is read on its own first so that the route can pick the body
  // handling (limits now; streaming uploads later) before any body byte is read.
  void read_header() {
    header_parser_.emplace();
    header_parser_->header_limit(kHttpHeaderLimit);
    // Beast checks Content-Length against this as soon as the header is
    // complete, before routing: it is the body limit of every route so far.
    header_parser_->body_limit(kHttpBodyLimit);
    stream_.expires_after(kHttpTimeout);
    http::async_read_header(stream_, buffer_, *header_parser_,
                            beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec == http::error::end_of_stream) {
      close_send();
      return;
    }
    if (ec) {
      refuse_or_fail(ec);
      return;
    }
    const auto& header = header_parser_->get();
    origin_ = std::string(to_std(header[http::field::origin]));
    const auto [path, query] = split_target(to_std(header.target()));
    if (path == "/ws" && beast::websocket::is_upgrade(header)) {
      upgrade();
      return;
    }
    body_parser_.emplace(std::move(*header_parser_));
    header_parser_.reset();
    // Applies to chunked bodies; Content-Length was checked with the header.
    body_parser_->body_limit(kHttpBodyLimit);
    http::async_read(stream_, buffer_, *body_parser_,
                     beast::bind_front_handler(&HttpSession::on_body, shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) {
      refuse_or_fail(ec);
      return;
    }
    const auto& request = body_parser_->get();
    const auto [path, query] = split_target(to_std(request.target()));
    const HttpRequestInfo info{to_std(request.method_string()), path, query, origin_, request.body()};
    HttpReply reply = context_->router.route(info);
    const bool keep_alive = request.keep_alive() && !context_->stopping;
    send(std::move(reply), request.version(), keep_alive);
  }

  void upgrade() {
    if (context_->stopping || context_->hub.ws_count() >= kMaxWsSessions) {
      ++context_->counters.ws_refused;
      spdlog::warn("net: refused WebSocket from {}: {}", peer_,
                   context_->stopping ? "server stopping" : "too many clients");
      respond_and_close(http_error(503, "too_many_clients",
                                   context_->stopping ? "server is shutting down"
                                                      : "at most " + std::to_string(kMaxWsSessions) +
                                                            " WebSocket clients"));
      return;
    }
    start_ws_session(stream_.release_socket(), header_parser_->release(), context_);
  }

  // For requests refused before they were read to the end.
  void respond_and_close(HttpReply reply) {
    linger_ = true;
    send(std::move(reply), 11, false);
  }

  void send(HttpReply reply, unsigned version, bool keep_alive) {
    response_ = {};
    response_.version(version);
    response_.result(reply.status);
    response_.set(http::field::server, std::string(kServerName) + "/" + kVersion);
    if (!reply.body.empty()) response_.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : cors_headers(origin_)) response_.set(name, value);
    for (const auto& [name, value] : reply.headers) response_.set(name, value);
    response_.keep_alive(keep_alive);
    response_.body() = std::move(reply.body);
    response_.prepare_payload();
    stream_.expires_after(kHttpTimeout);
    http::async_write(stream_, response_, beast::bind_front_handler(&HttpSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) {
      fail(ec);
      return;
    }
    if (!response_.keep_alive()) {
      close_send();
      if (linger_) linger();
      return;
    }
    body_parser_.reset();
    origin_.clear();
    read_header();
  }

  // A request that breaks a limit or the HTTP grammar gets a JSON error and
  // the connection closes; I/O errors and timeouts just end the session.
  void refuse_or_fail(const beast::error_code& ec) {
    if (ec == http::error::header_limit) {
      respond_and_close(http_error(431, "header_too_large",
                                   "request header exceeds " + std::to_string(kHttpHeaderLimit) + " bytes"));
    } else if (ec == http::error::body_limit) {
      respond_and_close(http_error(413, "payload_too_large",
                                   "request body exceeds " + std::to_string(kHttpBodyLimit) + " bytes"));
    } else if (is_http_parse_error(ec) && ec != http::error::partial_message) {
      respond_and_close(http_error(400, "bad_request", ec.message()));
    } else {
      fail(ec);
    }
  }

  void fail(const beast::error_code& ec) {
    if (ec == asio::error::operation_aborted || ec == beast::error::timeout) return;
    spdlog::debug("net: http connection {} ended: {}", peer_, ec.message());
  }

  // Closing with unread request bytes would make the kernel send a reset,
  // which can destroy the error response before the client reads it; so read
  // and discard what the client still sends, within bounds.
  void linger() {
    stream_.expires_after(kLingerTimeout);
    stream_.async_read_some(asio::buffer(drain_),
                            [self = shared_from_this()](const beast::error_code& ec, std::size_t bytes) {
                              self->drained_ += bytes;
                              if (!ec && self->drained_ < kLingerMaxBytes) self->linger();
                            });
  }

  void close_send() {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<ServerContext> context_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> body_parser_;
  http::response<http::string_body> response_;
  std::string origin_;  // Origin of the current request (CORS)
  std::array<char, 4096> drain_{};
  std::size_t drained_ = 0;
  bool linger_ = false;
  std::string peer_;
};

}  // namespace

void start_http_session(asio::ip::tcp::socket socket, std::shared_ptr<ServerContext> context) {
  std::make_shared<HttpSession>(std::move(socket), std::move(context))->start();
}

}  // namespace lumina::net
