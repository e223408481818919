#pragma once
// Routes decoded client messages: a table of request type → handler, plus the
// legacy DMX write path. Socket-free: a session feeds it TEXT messages and
// sends back the replies it returns, in order. io thread only; not RT-safe.
#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lumina/lighting/dmx_types.hpp"
#include "protocol.hpp"

namespace lumina::net {

// Bounds a client's subscription set (unknown names are accepted, A.3, so
// the set is otherwise client-controlled).
inline constexpr std::size_t kMaxSubscriptions = 64;

// What the protocol remembers about one WebSocket client.
struct ClientState {
  std::set<std::string, std::less<>> streams;  // subscribed push types

  bool subscribed(std::string_view stream) const { return streams.find(stream) != streams.end(); }
};

// Collects the replies to one request; every reply echoes its reqId and is
// stamped with the same `ts`.
class Responder {
 public:
  Responder(const nlohmann::json& req_id, double ts, std::vector<std::string>& out)
      : req_id_(req_id), ts_(ts), out_(out) {}

  // ack {"ok":true, ...extra}
  void ack(const nlohmann::json& extra = nlohmann::json::object());
  void reply(std::string_view type, const nlohmann::json& payload);
  void error(std::string_view code, std::string_view message);

 private:
  const nlohmann::json& req_id_;
  double ts_;
  std::vector<std::string>& out_;
};

class Dispatcher {
 public:
  using Handler = std::function<void(const Request&, ClientState&, Responder&)>;
  // Receives each legacy {ch,val[,u]} write; false means the DMX side dropped it
  // (it counts that itself). Empty: writes are validated and discarded.
  using DmxSink = std::function<bool(const DmxOverride&)>;

  // Registers the built-in `subscribe` and `unsubscribe`.
  explicit Dispatcher(DmxSink dmx_sink);

  // Adds (or replaces) the handler of one request type.
  void add(std::string type, Handler handler);
  bool handles(std::string_view type) const { return handlers_.find(type) != handlers_.end(); }

  // Handles one TEXT message from `client` and returns the encoded replies in
  // send order (none for successful legacy writes). Never throws except
  // std::bad_alloc: a failing handler becomes an INTERNAL_ERROR reply.
  std::vector<std::string> handle_text(std::string_view text, ClientState& client) const;

 private:
  void apply_legacy(const LegacyWrites& legacy) const;

  std::map<std::string, Handler, std::less<>> handlers_;
  DmxSink dmx_sink_;
};

}  // namespace lumina::net
