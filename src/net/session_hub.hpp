#pragma once
// Registry of the live connections of one server, used to fan telemetry out
// to subscribers, to watch for stalled writers and to close everything on
// shutdown. Sessions register themselves and unregister in their destructor.
// Everything runs on the single io thread, so there are no locks.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string_view>
#include <unordered_set>

#include "shared_text.hpp"

namespace lumina::net {

// Any connection the server must be able to close when it stops.
class Connection {
 public:
  virtual ~Connection() = default;
  // Server stopping: close politely (WebSocket 1001) or drop the socket.
  virtual void shut_down() = 0;
};

// How a push is queued for a slow client.
enum class PushClass {
  kTelemetry,  // latest-wins per stream: a newer one replaces the unsent older one
  kEvent,      // ordered with the client's replies, never replaced (Server::publish)
};

// A WebSocket session as the hub sees it.
class Subscriber : public Connection {
 public:
  virtual bool wants(std::string_view stream) const = 0;
  // Queues a push and starts writing if idle. `stream` must outlive the
  // session (a literal or a name interned by the server context).
  virtual void deliver(std::string_view stream, const SharedText& message, PushClass push_class) = 0;
  // Drops the client when a write or close has made no progress for too long.
  virtual void check_progress(std::chrono::steady_clock::time_point now) = 0;
};

class SessionHub {
 public:
  void add_http(Connection* connection) { http_.insert(connection); }
  void remove_http(Connection* connection);
  void add_ws(Subscriber* subscriber) { ws_.insert(subscriber); }
  void remove_ws(Subscriber* subscriber);

  std::size_t http_count() const noexcept { return http_.size(); }
  std::size_t ws_count() const noexcept { return ws_.size(); }
  bool empty() const noexcept { return http_.empty() && ws_.empty(); }

  // Lets the caller skip encoding a push nobody listens to.
  bool has_subscribers(std::string_view stream) const;
  // Hands the same buffer to every subscriber of `stream`; returns how many.
  std::size_t publish(std::string_view stream, const SharedText& message,
                      PushClass push_class = PushClass::kTelemetry);
  void check_progress(std::chrono::steady_clock::time_point now);
  void shut_down_all();

  // Called whenever the last connection unregisters (used while stopping).
  void set_on_empty(std::function<void()> on_empty) { on_empty_ = std::move(on_empty); }

 private:
  void notify_if_empty();

  std::unordered_set<Connection*> http_;
  std::unordered_set<Subscriber*> ws_;
  std::function<void()> on_empty_;
};

}  // namespace lumina::net
