#pragma once
// A real WebSocket client (Boost.Beast) for integration tests. Every
// operation runs with a deadline so a test can never hang; after a timeout
// the connection is considered broken.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace lumina::testing {

class WsClient {
 public:
  // Connects to ws://127.0.0.1:port/target. Check connected() / error().
  explicit WsClient(std::uint16_t port, const std::string& target = "/ws",
                    const std::map<std::string, std::string>& headers = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  bool connected() const;
  const std::string& error() const;

  bool send_text(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool send_json(const nlohmann::json& message) { return send_text(message.dump()); }
  bool send_binary(const std::string& bytes, std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // The next TEXT message parsed as JSON; nullopt on timeout, close or error.
  std::optional<nlohmann::json> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Skips messages until one of `type` arrives (or the deadline passes).
  std::optional<nlohmann::json> receive_type(const std::string& type,
                                             std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Sends {"type","payload","reqId"} with the next request id and returns
  // the reply that carries it. Messages arriving meanwhile (pushes) go to
  // `on_other` when given. Without a reply within `timeout`: a test failure
  // naming the request, and an empty object.
  nlohmann::json request(const std::string& type, const nlohmann::json& payload = nlohmann::json::object(),
                         std::chrono::milliseconds timeout = std::chrono::seconds(10),
                         const std::function<void(const nlohmann::json&)>& on_other = {});
  // The close code the server sent (0 if none).
  int close_code() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int next_request_id_ = 0;
};

}  // namespace lumina::testing
