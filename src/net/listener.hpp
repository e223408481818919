#pragma once
// Accepts TCP connections and starts an HTTP session for each.
#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace lumina::net {

struct ServerContext;

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Opens, binds (SO_REUSEADDR) and listens right away, so that a busy port
  // is reported to the caller: throws std::runtime_error
  // ("cannot listen on 127.0.0.1:8000: Address already in use").
  Listener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
           std::shared_ptr<ServerContext> context);

  // io thread.
  void start();
  void stop();

  // The bound port (the kernel's pick when the endpoint's port was 0).
  std::uint16_t port() const noexcept { return port_; }

 private:
  void accept_next();
  void on_accept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::shared_ptr<ServerContext> context_;
  std::uint16_t port_ = 0;
};

}  // namespace lumina::net
