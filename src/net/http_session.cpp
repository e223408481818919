#include "http_session.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <limits>
#include <memory>
#include <vector>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "endpoint_text.hpp"
#include "lumina/core/version.hpp"
#include "server_context.hpp"
#include "upload_stream.hpp"
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
constexpr const char* kIncompleteRequest =
    "incomplete request: the connection was closed for sending before the request ended (header, "
    "Content-Length or final chunk missing)";

// Malformed requests (as opposed to I/O errors) deserve a 4xx before closing.
bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

// Methods a cross-site page can trigger that change state; those are refused
// from an Origin that is not allowed (CSRF), even when no token is configured.
bool is_unsafe_method(http::verb method) {
  return method != http::verb::get && method != http::verb::head && method != http::verb::options;
}

constexpr std::string_view kSourcesPrefix = "/api/sources/";
// Per upload: two buffers, one filling from the socket while the worker
// hashes and writes the other.
constexpr std::size_t kUploadBufferBytes = 256 * 1024;

HttpReply failure_reply(const ApiError& failure) { return http_error(failure.status(), failure.code(), failure.what()); }

HttpReply result_reply(const HttpResult& result) { return json_reply(result.status, result.body); }

// RFC 6455 4.1: the key is a randomly selected 16-byte value, base64-encoded:
// 22 characters of the base64 alphabet and the "==" padding of 16 bytes. The
// 22nd carries the last byte's 2 low bits and 4 zero bits: A, Q, g or w.
bool is_websocket_key(std::string_view key) {
  constexpr std::size_t kEncoded = 22;
  if (key.size() != kEncoded + 2 || key.substr(kEncoded) != "==") return false;
  if (std::string_view("AQgw").find(key[kEncoded - 1]) == std::string_view::npos) return false;
  return std::all_of(key.begin(), key.begin() + kEncoded, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  });
}

// What is wrong with a WebSocket upgrade request (is_upgrade already checked
// GET, HTTP/1.1, Connection and Upgrade), by the rules Beast's accept applies;
// nullopt when it can be accepted.
std::optional<HttpReply> handshake_refusal(const http::request_header<>& header) {
  constexpr std::size_t kMaxKeyLength = 24;  // base64 of the 16-byte nonce (RFC 6455 4.1)
  if (header[http::field::host].empty())
    return http_error(400, "bad_request", "WebSocket handshake: the Host header is missing");
  const auto key = header[http::field::sec_websocket_key];
  if (key.empty())
    return http_error(400, "bad_request", "WebSocket handshake: the Sec-WebSocket-Key header is missing");
  if (!is_websocket_key(to_std(key)))
    return http_error(400, "bad_request",
                      "WebSocket handshake: Sec-WebSocket-Key must be the base64 of a 16-byte nonce (24 characters, "
                      "22 of A-Z a-z 0-9 + / then '=='), got " +
                          (key.size() > kMaxKeyLength ? std::to_string(key.size()) + " characters"
                                                      : "'" + std::string(to_std(key)) + "'"));
  const auto version = header[http::field::sec_websocket_version];
  if (version.empty())
    return http_error(400, "bad_request",
                      "WebSocket handshake: the Sec-WebSocket-Version header is missing (expected 13)");
  if (version != "13") {
    HttpReply reply =
        http_error(426, "upgrade_required",
                   "WebSocket handshake: Sec-WebSocket-Version must be 13, got '" + std::string(to_std(version)) + "'");
    reply.headers.emplace_back("Sec-WebSocket-Version", "13");
    return reply;
  }
  return std::nullopt;
}

// fileIds are 24 hex digits; legacy ids kept by import-legacy are similar.
bool plausible_file_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

// Runs `work` on a worker thread and `done(reply)` back on `executor`.
// Exceptions become JSON errors. The session is only touched through
// `done`, which always runs on the io thread.
template <typename Executor, typename Work, typename Done>
void run_on_worker(asio::thread_pool& pool, Executor executor, Work work, Done done) {
  asio::post(pool, [executor, work = std::move(work), done = std::move(done)]() mutable {
    HttpReply reply;
    try {
      reply = work();
    } catch (const ApiError& failure) {
      reply = failure_reply(failure);
    } catch (const std::exception& error) {
      spdlog::warn("net: media request failed: {}", error.what());
      reply = http_error(500, "internal_error", error.what());
    }
    asio::post(executor, [done = std::move(done), reply = std::move(reply)]() mutable { done(std::move(reply)); });
  });
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
    // No limit while reading the header: on_header checks Content-Length
    // against the route's limit (kHttpBodyLimit, or the upload limit) and
    // answers 413 with the right figure; chunked bodies are bounded by the
    // body parser that follows.
    // (boost::none would not do: this Beast compares Content-Length > none as true.)
    header_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
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
    const bool media = context_->hooks.media != nullptr && context_->workers != nullptr;
    if (media && path == "/upload" && header.method() == http::verb::post) {
      start_upload();
      return;
    }
    if (const auto length = header_parser_->content_length(); length && *length > kHttpBodyLimit) {
      respond_and_close(
          http_error(413, "payload_too_large", "request body exceeds " + std::to_string(kHttpBodyLimit) + " bytes"));
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
    const bool keep = request.keep_alive() && !context_->stopping;
    if (path.substr(0, kSourcesPrefix.size()) == kSourcesPrefix && request.method() == http::verb::delete_ &&
        context_->hooks.media && context_->workers) {
      delete_source(std::string(path.substr(kSourcesPrefix.size())), request.version(), keep);
      return;
    }
    HttpRequestInfo info{to_std(request.method_string()), path, query, origin_, request.body()};
    info.authorized = authorized_;
    HttpReply reply = context_->router.route(info);
    const bool keep_alive = request.keep_alive() && !context_->stopping;
    send(std::move(reply), request.version(), keep_alive);
  }

  std::uint64_t upload_body_limit() const { return context_->options.max_upload_bytes + kMultipartOverhead; }

  // ---- DELETE /api/sources/<fileId> (the registry may block: a worker does it)
  void delete_source(std::string file_id, unsigned version, bool keep_alive) {
    route_ = context_->intern("/api/sources/{fileId}");
    if (!authorized_) {
      send(http_unauthorized(), version, keep_alive);
      return;
    }
    if (!plausible_file_id(file_id)) {
      send(http_error(404, "not_found", "no media file with id '" + file_id.substr(0, 64) + "'"), version, keep_alive);
      return;
    }
    std::shared_ptr<MediaSink> media = context_->hooks.media;
    run_on_worker(
        *context_->workers, stream_.get_executor(),
        [media, file_id] { return result_reply(media->delete_source(file_id)); },
        [self = this->shared_from_this(), version, keep_alive](HttpReply reply) {
          self->send(std::move(reply), version, keep_alive && !self->context_->stopping);
        });
  }

  // ---- POST /upload, streamed ------------------------------------------
  // The io thread only moves bytes: Beast's parser (chunked or not) fills a
  // buffer, which goes to a worker (multipart parsing, SHA-256, disk) while
  // the other buffer fills. One buffer at a time is with the worker, so
  // memory stays at two buffers whatever the upload's size; a slow disk
  // slows the reads (TCP backpressure), never the io thread.
  void start_upload() {
    route_ = context_->router.route_label("/upload");
    const auto& header = header_parser_->get();
    upload_version_ = header.version();
    upload_keep_alive_ = header.keep_alive();
    if (!authorized_) {
      respond_and_close(http_unauthorized());
      return;
    }
    const auto boundary = multipart_boundary(to_std(header[http::field::content_type]));
    if (!boundary) {
      respond_and_close(http_error(400, "bad_request",
                                   "POST /upload needs Content-Type: multipart/form-data with a boundary, the file "
                                   "in a part named 'file'"));
      return;
    }
    const std::uint64_t max = context_->options.max_upload_bytes;
    if (const auto length = header_parser_->content_length(); length && *length > max + kMultipartOverhead) {
      respond_and_close(http_error(413, "payload_too_large",
                                   "the upload (" + std::to_string(*length) + " bytes) exceeds the limit of " +
                                       std::to_string(max) + " bytes (media.maxUploadBytes)"));
      return;
    }
    upload_parser_.emplace(std::move(*header_parser_));
    header_parser_.reset();
    upload_parser_->body_limit(upload_body_limit());
    upload_ = std::make_shared<UploadStream>(*boundary, context_->hooks.media);
    for (auto& b : upload_buffers_) b.resize(kUploadBufferBytes);
    // Beast reads from the socket into buffer_, as much as fits (at most 64
    // KiB a call); after a header it holds a few KiB, which would mean a
    // system call per few KiB of upload.
    buffer_.reserve(kUploadBufferBytes);
    upload_fill_ = {0, 0};
    read_index_ = 0;
    busy_index_ = -1;
    ready_index_ = -1;
    reading_ = false;
    finishing_ = false;
    upload_failed_ = false;
    pending_error_.reset();
    deferred_failure_.reset();
    const bool expects_continue = beast::iequals(upload_parser_->get()[http::field::expect], "100-continue");
    if (!expects_continue) {
      advance_upload();
      return;
    }
    // curl and others wait (about a second) for this before sending a large body.
    continue_response_ = {http::status::continue_, upload_version_};
    tcp().expires_after(kHttpTimeout);
    http::async_write(stream_, continue_response_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) {
                          self->abandon_upload();
                          return;
                        }
                        self->advance_upload();
                      });
  }

  void read_upload() {
    auto& body = upload_parser_->get().body();
    auto& buffer = upload_buffers_[static_cast<std::size_t>(read_index_)];
    const std::size_t filled = upload_fill_[static_cast<std::size_t>(read_index_)];
    body.data = buffer.data() + filled;
    body.size = buffer.size() - filled;
    body.more = true;
    reading_ = true;
    // A stall timeout: each read must make progress within it.
    tcp().expires_after(context_->options.upload_stall_timeout);
    http::async_read_some(stream_, buffer_, *upload_parser_,
                          beast::bind_front_handler(&HttpSession::on_upload_read, this->shared_from_this()));
  }

  void on_upload_read(beast::error_code ec, std::size_t /*bytes*/) {
    reading_ = false;
    if (ec == http::error::need_buffer) ec = {};  // the buffer is full
    if (upload_failed_) {
      if (pending_error_) {
        HttpReply reply = std::move(*pending_error_);
        pending_error_.reset();
        respond_and_close(std::move(reply));
      }
      return;
    }
    if (ec) {
      if (ec == http::error::body_limit) {
        fail_upload(http_error(413, "payload_too_large",
                               "the upload exceeds the limit of " + std::to_string(context_->options.max_upload_bytes) +
                                   " bytes (media.maxUploadBytes)"));
      } else if (ec == beast::error::timeout) {
        spdlog::warn("net: upload from {} stalled for {} s; dropped", peer_, context_->options.upload_stall_timeout.count());
        abandon_upload();
      } else if (ec == http::error::partial_message) {
        // The client half-closed before the body's end: it may still read.
        fail_upload(http_error(400, "bad_request", kIncompleteRequest));
      } else if (is_http_parse_error(ec)) {
        fail_upload(http_error(400, "bad_request", ec.message()));
      } else {
        spdlog::debug("net: upload from {} ended: {}", peer_, ec.message());
        abandon_upload();
      }
      return;
    }
    const auto index = static_cast<std::size_t>(read_index_);
    upload_fill_[index] = upload_buffers_[index].size() - upload_parser_->get().body().size;
    // Hand the buffer over when it is full, the body is complete, or the
    // worker is idle (keeps both sides busy).
    if (upload_fill_[index] > 0 &&
        (upload_fill_[index] == upload_buffers_[index].size() || upload_parser_->is_done() || busy_index_ < 0)) {
      ready_index_ = read_index_;
    }
    advance_upload();
  }

  void advance_upload() {
    if (upload_failed_) return;
    if (busy_index_ < 0 && !finishing_ && ready_index_ >= 0) {
      submit_buffer(ready_index_);
      ready_index_ = -1;
    }
    const bool body_done = upload_parser_->is_done();
    if (!body_done && !reading_ && ready_index_ < 0) {
      if (read_index_ == busy_index_) read_index_ = 1 - read_index_;
      read_upload();
      return;
    }
    if (body_done && !reading_ && ready_index_ < 0 && busy_index_ < 0 && !finishing_) {
      // Finishing can take long (fsync, ffmpeg); nothing is read meanwhile.
      finishing_ = true;
      tcp().expires_never();
      std::shared_ptr<UploadStream> upload = upload_;
      run_on_worker(
          *context_->workers, stream_.get_executor(), [upload] { return result_reply(upload->finish()); },
          [self = this->shared_from_this()](HttpReply reply) { self->on_upload_finished(std::move(reply)); });
    }
  }

  void submit_buffer(int index) {
    busy_index_ = index;
    std::shared_ptr<UploadStream> upload = upload_;
    const char* data = upload_buffers_[static_cast<std::size_t>(index)].data();
    const std::size_t size = upload_fill_[static_cast<std::size_t>(index)];
    run_on_worker(
        *context_->workers, stream_.get_executor(),
        [upload, data, size] {
          upload->consume(data, size);
          return HttpReply{};
        },
        [self = this->shared_from_this()](HttpReply reply) { self->on_buffer_done(std::move(reply)); });
  }

  void on_buffer_done(HttpReply reply) {
    upload_fill_[static_cast<std::size_t>(busy_index_)] = 0;
    busy_index_ = -1;
    if (upload_failed_) return;
    if (deferred_failure_) {
      HttpReply failure = std::move(*deferred_failure_);
      deferred_failure_.reset();
      fail_upload(std::move(failure));
      return;
    }
    if (reply.status != 200) {
      fail_upload(std::move(reply));
      return;
    }
    advance_upload();
  }

  void on_upload_finished(HttpReply reply) {
    finishing_ = false;
    release_upload();
    if (upload_failed_) return;
    send(std::move(reply), upload_version_, upload_keep_alive_ && !context_->stopping);
  }

  // An error reply; the rest of the body is not read (the session lingers).
  // The reply leaves only after the upload's temporary file is gone.
  void fail_upload(HttpReply reply) {
    if (busy_index_ >= 0) {
      deferred_failure_ = std::move(reply);  // after the worker's current buffer
      return;
    }
    upload_failed_ = true;
    std::shared_ptr<UploadStream> upload = std::move(upload_);
    run_on_worker(
        *context_->workers, stream_.get_executor(),
        [upload]() mutable {
          upload.reset();
          return HttpReply{};
        },
        [self = this->shared_from_this(), reply = std::move(reply)](HttpReply) mutable {
          if (self->reading_) {
            self->pending_error_ = std::move(reply);  // sent when the pending read returns
            return;
          }
          self->respond_and_close(std::move(reply));
        });
  }

  // The client went away or stalled: nothing to answer.
  void abandon_upload() {
    upload_failed_ = true;
    release_upload();
  }

  // Dropping the stream removes the temporary file; that unlink may be slow
  // for a large file, so the last reference goes on a worker.
  void release_upload() {
    if (upload_) asio::post(*context_->workers, [upload = std::move(upload_)]() mutable { upload.reset(); });
    upload_.reset();
  }

  void upgrade(const std::string& query) {
    // Beast would refuse a malformed handshake itself, in plain text and
    // without CORS headers; every HTTP error here is JSON (B.9).
    if (auto refusal = handshake_refusal(header_parser_->get())) {
      respond_and_close(std::move(*refusal));
      return;
    }
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
    if (reply.head_length) response_.content_length(*reply.head_length);  // HEAD: no body follows
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
    upload_parser_.reset();
    for (auto& b : upload_buffers_) std::vector<char>().swap(b);
    buffer_.shrink_to_fit();
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
    } else if (ec == http::error::partial_message) {
      // The client half-closed (shutdown(SHUT_WR)) before its request was
      // complete; it may still read, and is told (B.9). A client that is
      // gone altogether just fails the write.
      respond_and_close(http_error(400, "bad_request", kIncompleteRequest));
    } else if (is_http_parse_error(ec)) {
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
  // POST /upload state (see start_upload).
  std::optional<http::request_parser<http::buffer_body>> upload_parser_;
  std::shared_ptr<UploadStream> upload_;
  std::array<std::vector<char>, 2> upload_buffers_;
  std::array<std::size_t, 2> upload_fill_{};
  int read_index_ = 0;    // buffer the socket fills
  int busy_index_ = -1;   // buffer with the worker, -1 none
  int ready_index_ = -1;  // buffer filled, waiting for the worker, -1 none
  bool reading_ = false;
  bool finishing_ = false;
  bool upload_failed_ = false;
  std::optional<HttpReply> pending_error_;
  std::optional<HttpReply> deferred_failure_;
  http::response<http::empty_body> continue_response_;
  unsigned upload_version_ = 11;
  bool upload_keep_alive_ = false;
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
