#include "lumina/net/server.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "endpoint_text.hpp"
#include "listener.hpp"
#include "lumina/core/clock.hpp"
#include "lumina/net/access_token.hpp"
#include "routes.hpp"
#include "server_context.hpp"
#include "telemetry.hpp"
#include "telemetry_pump.hpp"

namespace lumina {

namespace asio = boost::asio;

namespace {

constexpr int kIoThreadNice = 5;
// Upload workers: enough for two conversions to run while others stream.
constexpr std::size_t kWorkerThreads = 4;

// The OpenSSL error code of a failed call: Asio pops it into `ec` (SSL
// category); otherwise it is still queued.
unsigned long openssl_code(const boost::system::error_code& ec) {
  if (ec && ec.category() == asio::error::get_ssl_category()) return static_cast<unsigned long>(ec.value());
  return ERR_peek_last_error();
}

// OpenSSL's reason for a failure ("no such file", "no start line"), or Asio's
// message when OpenSSL gave none.
std::string openssl_reason(const boost::system::error_code& ec) {
  const unsigned long code = openssl_code(ec);
  const char* text = code != 0 ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  if (text != nullptr) return text;
  return ec ? ec.message() : "unknown error";
}

// TLS 1.2+ server context from PEM files; throws naming the file at fault.
std::shared_ptr<asio::ssl::context> make_tls_context(const ServerOptions& options) {
  auto ssl = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  ERR_clear_error();
  SSL_CTX* const native = ssl->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    throw std::runtime_error("TLS: cannot require TLS 1.2: " + openssl_reason({}));
  }
  ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::single_dh_use);
  boost::system::error_code ec;
  ssl->use_certificate_chain_file(options.tls_cert_file, ec);
  if (ec) {
    throw std::runtime_error("TLS certificate file " + options.tls_cert_file +
                             " is not a readable PEM certificate: " + openssl_reason(ec));
  }
  ssl->use_private_key_file(options.tls_key_file, asio::ssl::context::pem, ec);
  // OpenSSL checks the key against the loaded certificate while loading it.
  if (ec && ERR_GET_REASON(openssl_code(ec)) == X509_R_KEY_VALUES_MISMATCH) {
    ERR_clear_error();
    throw std::runtime_error("TLS key file " + options.tls_key_file + " does not match the certificate in " +
                             options.tls_cert_file);
  }
  if (ec) {
    throw std::runtime_error("TLS key file " + options.tls_key_file +
                             " is not a readable PEM private key: " + openssl_reason(ec));
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    throw std::runtime_error("TLS key file " + options.tls_key_file + " does not match the certificate in " +
                             options.tls_cert_file + ": " + openssl_reason({}));
  }
  return ssl;
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions server_options, ServerHooks server_hooks)
      : options(std::move(server_options)), hooks(std::move(server_hooks)) {}

  void start();
  void stop();
  void publish(const std::string& type, const nlohmann::json& payload, net::PushClass push_class);
  void run_io();
  void begin_shutdown();  // io thread
  void release();         // after the io thread has ended

  ServerOptions options;
  ServerHooks hooks;
  std::mutex lifecycle_mutex;  // start()/stop() may come from different threads
  std::atomic<std::uint16_t> bound_port{0};
  // publish() may come from any thread: it reads `running_io` under this
  // mutex, which start() sets once the io thread runs and stop() clears
  // before anything is torn down. Held only to post, never across I/O.
  std::mutex publish_mutex;
  asio::io_context* running_io = nullptr;

  // The io_context is created per start() and destroyed last: the objects
  // below use its services, and destroying it also destroys the sessions
  // still owned by pending handlers.
  std::unique_ptr<asio::io_context> io;
  std::shared_ptr<net::ServerContext> context;
  std::shared_ptr<net::Listener> listener;
  std::unique_ptr<net::TelemetryPump> pump;
  std::unique_ptr<asio::steady_timer> shutdown_timer;
  // Blocking work of uploads and media routes (see ServerContext::workers).
  std::unique_ptr<asio::thread_pool> workers;
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
  if (options.access_token.empty() && !is_loopback_listen_address(options.listen)) {
    // C.5: anyone on the network could otherwise drive the rig.
    throw std::runtime_error("refusing to listen on " + options.listen +
                             " without an access token: a non-loopback address requires one (server.token, "
                             "LUMINA_TOKEN, or the generated <dataDir>/access-token)");
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    throw std::runtime_error(std::string("TLS needs both a certificate and a key file; only the ") +
                             (options.tls_cert_file.empty() ? "key" : "certificate") + " is set");
  }

  try {
    io = std::make_unique<asio::io_context>(1);  // one thread: no strands or locks needed
    context = std::make_shared<net::ServerContext>(options, hooks);
    if (context->tls) context->ssl = make_tls_context(options);
    workers = std::make_unique<asio::thread_pool>(kWorkerThreads);
    context->workers = workers.get();
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
  {
    std::lock_guard publish_lock(publish_mutex);
    running_io = io.get();
  }
  spdlog::info("net: listening on {}{}{}", net::endpoint_text(address, listener->port()), context->tls ? " (TLS)" : "",
               context->token.required() ? ", access token required" : "");
}

void Server::Impl::publish(const std::string& type, const nlohmann::json& payload, net::PushClass push_class) {
  if (type.empty() || !payload.is_object()) {
    spdlog::warn("net: publish('{}') needs a type and an object payload; dropped", type);
    return;
  }
  // Encoded on the caller's thread, once, whatever the number of subscribers.
  net::SharedText text = net::encode_push(type, payload, unix_seconds());
  std::unique_lock lock(publish_mutex);
  if (running_io == nullptr) return;
  // The io thread (a request handler, say) delivers at once, so the push is
  // queued ahead of the replies the handler is producing (A.5).
  auto deliver = [context = context, type, text = std::move(text), push_class] {
    if (push_class == net::PushClass::kEvent) ++context->counters.events_published;
    context->hub.publish(context->intern(type), text, push_class);
  };
  if (running_io->get_executor().running_in_this_thread()) {
    lock.unlock();
    deliver();
    return;
  }
  asio::post(*running_io, std::move(deliver));
}

void Server::Impl::run_io() {
  pthread_setname_np(pthread_self(), "lumina-net");
  // Below the analysis and DMX threads (nice 0): when the cores are contended,
  // clients wait for their telemetry (latest-wins absorbs it), not the lights.
  if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kIoThreadNice) != 0) {
    spdlog::debug("net: cannot lower the io thread's priority: {}", std::strerror(errno));
  }
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
  {
    std::lock_guard publish_lock(publish_mutex);
    running_io = nullptr;
  }
  asio::post(*io, [this] { begin_shutdown(); });
  io_thread.join();
  // After the io thread: what the workers post back is destroyed with the io_context.
  if (workers) workers->join();
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
  workers.reset();
}

Server::Server(ServerOptions options, ServerHooks hooks)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(hooks))) {}

Server::~Server() { stop(); }

void Server::start() { impl_->start(); }

void Server::stop() { impl_->stop(); }

std::uint16_t Server::port() const noexcept { return impl_->bound_port.load(); }

void Server::publish(const std::string& type, const nlohmann::json& payload) {
  impl_->publish(type, payload, net::PushClass::kEvent);
}

bool Server::set_telemetry_fps(std::uint32_t fps) {
  if (fps < net::kMinTelemetryFps || fps > net::kMaxTelemetryFps) return false;
  std::unique_lock lock(impl_->publish_mutex);
  asio::io_context* const io = impl_->running_io;
  if (io == nullptr) return false;
  net::TelemetryPump* const pump = impl_->pump.get();
  // The pump belongs to the io thread (a request handler is already on it).
  if (io->get_executor().running_in_this_thread()) {
    lock.unlock();
    pump->set_fps(fps);
  } else {
    asio::post(*io, [pump, fps] { pump->set_fps(fps); });
  }
  return true;
}

void Server::publish_telemetry(const std::string& type, const nlohmann::json& payload) {
  impl_->publish(type, payload, net::PushClass::kTelemetry);
}

}  // namespace lumina
