#include "listener.hpp"

#include <chrono>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>

#include "endpoint_text.hpp"
#include "http_session.hpp"
#include "server_context.hpp"

namespace lumina::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Accept failures such as EMFILE repeat instantly; pausing keeps the io
// thread (and every other client) from spinning on them.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

}  // namespace

Listener::Listener(asio::io_context& io, const tcp::endpoint& endpoint, std::shared_ptr<ServerContext> context)
    : acceptor_(io), retry_timer_(io), context_(std::move(context)) {
  const auto fail = [&](const boost::system::error_code& ec) {
    throw std::runtime_error("cannot listen on " + endpoint_text(endpoint.address(), endpoint.port()) + ": " +
                             ec.message());
  };
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) fail(ec);
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) fail(ec);
  acceptor_.bind(endpoint, ec);
  if (ec) fail(ec);
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail(ec);
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) fail(ec);
}

void Listener::start() { accept_next(); }

void Listener::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
}

void Listener::accept_next() {
  acceptor_.async_accept([self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void Listener::on_accept(const boost::system::error_code& ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    spdlog::warn("net: accept failed: {}", ec.message());
    retry_timer_.expires_after(kAcceptRetryDelay);
    retry_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& wait_ec) {
      if (!wait_ec) self->accept_next();
    });
    return;
  }
  if (context_->hub.http_count() >= kMaxHttpSessions) {
    ++context_->counters.http_refused;
    spdlog::warn("net: refused connection from {}: {} connections open", peer_text(socket), kMaxHttpSessions);
  } else {
    boost::system::error_code ignored;
    // Meters are small and latency-sensitive; Nagle would hold them back.
    socket.set_option(tcp::no_delay(true), ignored);
    start_http_session(std::move(socket), context_);
  }
  accept_next();
}

}  // namespace lumina::net
