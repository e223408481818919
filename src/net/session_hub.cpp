#include "session_hub.hpp"

#include <vector>

namespace lumina::net {

void SessionHub::remove_http(Connection* connection) {
  http_.erase(connection);
  notify_if_empty();
}

void SessionHub::remove_ws(Subscriber* subscriber) {
  ws_.erase(subscriber);
  notify_if_empty();
}

void SessionHub::notify_if_empty() {
  if (empty() && on_empty_) on_empty_();
}

bool SessionHub::has_subscribers(std::string_view stream) const {
  for (const auto* subscriber : ws_) {
    if (subscriber->wants(stream)) return true;
  }
  return false;
}

std::size_t SessionHub::publish(std::string_view stream, const SharedText& message, PushClass push_class) {
  std::size_t delivered = 0;
  for (auto* subscriber : ws_) {
    if (!subscriber->wants(stream)) continue;
    subscriber->deliver(stream, message, push_class);
    ++delivered;
  }
  return delivered;
}

void SessionHub::check_progress(std::chrono::steady_clock::time_point now) {
  // A copy: dropping a client may (in the future) unregister it synchronously.
  const std::vector<Subscriber*> snapshot(ws_.begin(), ws_.end());
  for (auto* subscriber : snapshot) subscriber->check_progress(now);
}

void SessionHub::shut_down_all() {
  const std::vector<Connection*> http_snapshot(http_.begin(), http_.end());
  const std::vector<Subscriber*> ws_snapshot(ws_.begin(), ws_.end());
  for (auto* connection : http_snapshot) connection->shut_down();
  for (auto* subscriber : ws_snapshot) subscriber->shut_down();
}

}  // namespace lumina::net
