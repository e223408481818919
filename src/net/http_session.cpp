#include "http_session.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "endpoint_text.hpp"
#include "lumina/core/version.hpp"
#include "server_context.hpp"
#include "ws_session.hpp"

namespace lumina::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

std::string_view to_std(beast::string_view text) { return {text.data(), text.size()}; }

constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kLingerMaxBytes = 1024 * 1024;

// Malformed requests (as opposed to I/O errors) deserve a 4xx before closing.
bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

// Methods a cross-site page can trigger that change state; those are refused
// from an Origin that is not allowed (CSRF), even when no token is configured.
bool is_unsafe_method(http::verb method) {
  return method != http::verb::get && method != http::verb::head && method != http::verb::options;
}

// Stream: beast::tcp_stream (http://) or TlsStream (https://).
template <typename Stream>
class HttpSession final : public Connection, public std::enable_shared_from_this<HttpSession<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  HttpSession(Stream&& stream, std::shared_ptr<ServerContext> context)
      : stream_(std::move(stream)), context_(std::move(context)) {
    peer_ = peer_text(tcp().socket());
  }

  ~HttpSession() override { context_->hub.remove_http(this); }

  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  void start() {
    context_->hub.add_http(this);
    if constexpr (kTls) {
      tcp().expires_after(kTlsHandshakeTimeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              beast::bind_front_handler(&HttpSession::on_handshake, this->shared_from_this()));
    } else {
      read_header();
    }
  }

  void shut_down() override {
    beast::error_code ignored;
    tcp().socket().close(ignored);
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      spdlog::debug("net: TLS handshake with {} failed: {}", peer_, ec.message());
      return;
    }
    read_header();
  }

  // The header is read on its own first so that the route can pick the body
  // handling (limits now; streaming uploads later) before any body byte is read.
  void read_header() {
    header_parser_.emplace();
    header_parser_->header_limit(kHttpHeaderLimit);
    // Beast checks Content-Length against this as soon as the header is
    // complete, before routing: it is the body limit of every route so far.
    header_parser_->body_limit(kHttpBodyLimit);
    origin_.clear();
    host_.clear();
    route_ = "unmatched";
    tcp().expires_after(kHttpTimeout);
    http::async_read_header(stream_, buffer_, *header_parser_,
                            beast::bind_front_handler(&HttpSession::on_header, this->shared_from_this()));
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
    host_ = std::string(to_std(header[http::field::host]));
    const auto [path, query] = split_target(to_std(header.target()));
    route_ = context_->router.route_label(path);
    authorized_ = !context_->token.required();
    if (!authorized_) {
      const auto credential = bearer_token(to_std(header[http::field::authorization]));
      authorized_ = credential && context_->token.verify(*credential);
    }
    if (path == "/ws" && beast::websocket::is_upgrade(header)) {
      upgrade(std::string(query));
      return;
    }
    if (is_unsafe_method(header.method()) && !context_->origins.allows(origin_, host_)) {
      ++context_->counters.origin_refused;
      spdlog::warn("net: refused {} {} from {}: origin {} not allowed", to_std(header.method_string()), path, peer_,
                   origin_);
      respond_and_close(
          http_error(403, "forbidden_origin", "origin '" + origin_ + "' is not allowed (server.allowedOrigins)"));
      return;
    }
    body_parser_.emplace(std::move(*header_parser_));
    header_parser_.reset();
    // Applies to chunked bodies; Content-Length was checked with the header.
    body_parser_->body_limit(kHttpBodyLimit);
    http::async_read(stream_, buffer_, *body_parser_,
                     beast::bind_front_handler(&HttpSession::on_body, this->shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) {
      refuse_or_fail(ec);
      return;
    }
    const auto& request = body_parser_->get();
    const auto [path, query] = split_target(to_std(request.target()));
    HttpRequestInfo info{to_std(request.method_string()), path, query, origin_, request.body()};
    info.authorized = authorized_;
    HttpReply reply = context_->router.route(info);
    const bool keep_alive = request.keep_alive() && !context_->stopping;
    send(std::move(reply), request.version(), keep_alive);
  }

  void upgrade(const std::string& query) {
    if (context_->stopping || context_->hub.ws_count() >= kMaxWsSessions) {
      ++context_->counters.ws_refused;
      spdlog::warn("net: refused WebSocket from {}: {}", peer_,
                   context_->stopping ? "server stopping" : "too many clients");
      respond_and_close(http_error(503, "too_many_clients",
                                   context_->stopping
                                       ? "server is shutting down"
                                       : "at most " + std::to_string(kMaxWsSessions) + " WebSocket clients"));
      return;
    }
    // Cross-site WebSocket hijacking: a page from another origin must not
    // drive the rig with the visitor's network position (C.5).
    if (!context_->origins.allows(origin_, host_)) {
      ++context_->counters.origin_refused;
      spdlog::warn("net: refused WebSocket from {}: origin {} not allowed", peer_, origin_);
      respond_and_close(
          http_error(403, "forbidden_origin",
                     "origin '" + origin_ + "' is not allowed to open the WebSocket (server.allowedOrigins)"));
      return;
    }
    bool authenticated = authorized_;
    if (!authenticated) {
      // The header was checked already; a query token is for browsers, which
      // cannot set headers on a WebSocket upgrade. With neither, the client
      // may still send an `auth` message first.
      const auto& header = header_parser_->get();
      const bool has_header = !header[http::field::authorization].empty();
      const auto query_token = query_param(query, "token");
      if (has_header || query_token) {
        authenticated = !has_header && context_->token.verify(*query_token);
        if (!authenticated) {
          // send() counts the 401 as an auth failure.
          spdlog::warn("net: refused WebSocket from {}: wrong access token", peer_);
          respond_and_close(http_unauthorized());
          return;
        }
      }
    }
    context_->count_http(route_, 101);
    start_ws_session(std::move(stream_), header_parser_->release(), context_, authenticated);
  }

  // For requests refused before they were read to the end.
  void respond_and_close(HttpReply reply) {
    linger_ = true;
    send(std::move(reply), 11, false);
  }

  void send(HttpReply reply, unsigned version, bool keep_alive) {
    context_->count_http(route_, reply.status);
    if (reply.status == 401) ++context_->counters.auth_failures;
    response_ = {};
    response_.version(version);
    response_.result(reply.status);
    response_.set(http::field::server, std::string(kServerName) + "/" + kVersion);
    if (!reply.body.empty() && !reply.content_type.empty())
      response_.set(http::field::content_type, reply.content_type);
    for (const auto& [name, value] : context_->origins.cors_headers(origin_, host_)) response_.set(name, value);
    for (const auto& [name, value] : reply.headers) response_.set(name, value);
    response_.keep_alive(keep_alive);
    response_.body() = std::move(reply.body);
    response_.prepare_payload();
    tcp().expires_after(kHttpTimeout);
    http::async_write(stream_, response_, beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) {
      fail(ec);
      return;
    }
    if (!response_.keep_alive()) {
      close_send();
      return;
    }
    body_parser_.reset();
    read_header();
  }

  // A request that breaks a limit or the HTTP grammar gets a JSON error and
  // the connection closes; I/O errors and timeouts just end the session.
  void refuse_or_fail(const beast::error_code& ec) {
    if (ec == http::error::header_limit) {
      respond_and_close(
          http_error(431, "header_too_large", "request header exceeds " + std::to_string(kHttpHeaderLimit) + " bytes"));
    } else if (ec == http::error::body_limit) {
      respond_and_close(
          http_error(413, "payload_too_large", "request body exceeds " + std::to_string(kHttpBodyLimit) + " bytes"));
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

  // Ends the response side. Plain TCP: half-close, then (after a refused
  // request) linger. TLS: close_notify, bounded in time, then close.
  void close_send() {
    if constexpr (kTls) {
      tcp().expires_after(kLingerTimeout);
      stream_.async_shutdown([self = this->shared_from_this()](const beast::error_code&) { self->shut_down(); });
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      if (linger_) linger();
    }
  }

  // Closing with unread request bytes would make the kernel send a reset,
  // which can destroy the error response before the client reads it; so read
  // and discard what the client still sends, within bounds.
  void linger() {
    tcp().expires_after(kLingerTimeout);
    stream_.async_read_some(asio::buffer(drain_),
                            [self = this->shared_from_this()](const beast::error_code& ec, std::size_t bytes) {
                              self->drained_ += bytes;
                              if (!ec && self->drained_ < kLingerMaxBytes) self->linger();
                            });
  }

  Stream stream_;
  std::shared_ptr<ServerContext> context_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> body_parser_;
  http::response<http::string_body> response_;
  std::string origin_;                    // Origin of the current request (CORS, allow-list)
  std::string host_;                      // Host of the current request (same-origin check)
  std::string_view route_ = "unmatched";  // router-owned label for counters
  std::array<char, 4096> drain_{};
  std::size_t drained_ = 0;
  bool authorized_ = false;
  bool linger_ = false;
  std::string peer_;
};

}  // namespace

void start_http_session(asio::ip::tcp::socket socket, std::shared_ptr<ServerContext> context) {
  if (context->ssl) {
    auto& ssl = *context->ssl;
    std::make_shared<HttpSession<TlsStream>>(TlsStream(std::move(socket), ssl), std::move(context))->start();
  } else {
    std::make_shared<HttpSession<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), std::move(context))->start();
  }
}

}  // namespace lumina::net
