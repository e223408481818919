#include "lumina/net/server.hpp"

#include <atomic>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "endpoint_text.hpp"
#include "listener.hpp"
#include "routes.hpp"
#include "server_context.hpp"
#include "telemetry_pump.hpp"

namespace lumina {

namespace asio = boost::asio;

struct Server::Impl {
  Impl(ServerOptions server_options, ServerHooks server_hooks)
      : options(std::move(server_options)), hooks(std::move(server_hooks)) {}

  void start();
  void stop();
  void run_io();
  void begin_shutdown();  // io thread
  void release();         // after the io thread has ended

  ServerOptions options;
  ServerHooks hooks;
  std::mutex lifecycle_mutex;  // start()/stop() may come from different threads
  std::atomic<std::uint16_t> bound_port{0};

  // The io_context is created per start() and destroyed last: the objects
  // below use its services, and destroying it also destroys the sessions
  // still owned by pending handlers.
  std::unique_ptr<asio::io_context> io;
  std::shared_ptr<net::ServerContext> context;
  std::shared_ptr<net::Listener> listener;
  std::unique_ptr<net::TelemetryPump> pump;
  std::unique_ptr<asio::steady_timer> shutdown_timer;
  std::thread io_thread;
};

void Server::Impl::start() {
  std::lock_guard lock(lifecycle_mutex);
  if (io_thread.joinable()) throw std::logic_error("server already started");

  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.listen, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + options.listen + ":" + std::to_string(options.port) +
                             ": not an IP address literal");
  }
  const asio::ip::tcp::endpoint endpoint(address, options.port);

  try {
    io = std::make_unique<asio::io_context>(1);  // one thread: no strands or locks needed
    context = std::make_shared<net::ServerContext>(options, hooks);
    net::register_http_routes(*context);
    listener = std::make_shared<net::Listener>(*io, endpoint, context);
    pump = std::make_unique<net::TelemetryPump>(*io, context, options.telemetry_fps);
    shutdown_timer = std::make_unique<asio::steady_timer>(*io);
  } catch (...) {
    release();
    throw;
  }
  bound_port.store(listener->port());
  // Initiated before the thread starts; nothing else touches them yet.
  listener->start();
  pump->start();
  io_thread = std::thread([this] { run_io(); });
  spdlog::info("net: listening on {}", net::endpoint_text(address, listener->port()));
}

void Server::Impl::run_io() {
  for (;;) {
    try {
      io->run();
      return;
    } catch (const std::exception& error) {
      // Handlers are written not to throw; if one does, keep serving the others.
      spdlog::error("net: io thread caught: {}", error.what());
    }
  }
}

void Server::Impl::begin_shutdown() {
  context->stopping = true;
  listener->stop();
  pump->stop();
  asio::io_context* const io_ptr = io.get();
  context->hub.set_on_empty([io_ptr] { io_ptr->stop(); });
  context->hub.shut_down_all();
  if (context->hub.empty()) {
    io->stop();
    return;
  }
  // Clients that do not answer the close frame in time are cut off.
  shutdown_timer->expires_after(net::kShutdownGrace);
  shutdown_timer->async_wait([io_ptr](const boost::system::error_code& ec) {
    if (!ec) io_ptr->stop();
  });
}

void Server::Impl::stop() {
  std::lock_guard lock(lifecycle_mutex);
  if (!io_thread.joinable()) return;
  if (io_thread.get_id() == std::this_thread::get_id()) {
    // Joining itself would deadlock; the owner's stop() does the work.
    spdlog::error("net: Server::stop() called on the io thread; ignored");
    return;
  }
  asio::post(*io, [this] { begin_shutdown(); });
  io_thread.join();
  release();
  spdlog::debug("net: server stopped");
}

void Server::Impl::release() {
  if (context) context->hub.set_on_empty(nullptr);
  shutdown_timer.reset();
  pump.reset();
  listener.reset();
  // Destroys the handlers still queued, and with them the last sessions.
  io.reset();
  context.reset();
}

Server::Server(ServerOptions options, ServerHooks hooks)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(hooks))) {}

Server::~Server() { stop(); }

void Server::start() { impl_->start(); }

void Server::stop() { impl_->stop(); }

std::uint16_t Server::port() const noexcept { return impl_->bound_port.load(); }

}  // namespace lumina
