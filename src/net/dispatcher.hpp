#pragma once
// Routes decoded client messages: a table of request type → handler, plus the
// legacy DMX write path and the authentication gate. Socket-free: a session
// feeds it TEXT messages and sends back the replies it returns, in order.
// io thread only; not RT-safe.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lumina/lighting/dmx_types.hpp"
#include "lumina/net/server.hpp"
#include "protocol.hpp"

namespace lumina::net {

// Bounds a client's subscription set (unknown names are accepted, A.3, so
// the set is otherwise client-controlled).
inline constexpr std::size_t kMaxSubscriptions = 64;
// Messages refused before authentication (wrong tokens included) after which
// the connection is closed with 1008.
inline constexpr std::uint32_t kMaxAuthFailures = 5;

// Labels of DispatchResult::kind for messages that name no handled type.
inline constexpr std::string_view kKindInvalid = "invalid";     // BAD_JSON / BAD_PAYLOAD before a type was read
inline constexpr std::string_view kKindUnknown = "unknown";     // a type nobody handles
inline constexpr std::string_view kKindDmxWrite = "dmx_write";  // legacy {ch,val} writes

// The dispatcher asks the session to close once the replies are sent.
struct CloseRequest {
  std::uint16_t code = 1008;  // policy violation
  std::string reason;         // ≤ 123 bytes (a close frame's limit)
};

// What the protocol remembers about one WebSocket client.
struct ClientState {
  std::set<std::string, std::less<>> streams;  // subscribed push types
  bool authenticated = true;                   // false until `auth` succeeds when a token is required
  std::uint32_t auth_failures = 0;
  std::optional<CloseRequest> close;

  bool subscribed(std::string_view stream) const { return streams.find(stream) != streams.end(); }
};

// One encoded reply and its `type` (for per-type counters).
struct Outgoing {
  std::string type;
  std::string text;
};

// Collects the replies to one request; every reply echoes its reqId and is
// stamped with the same `ts`.
class Responder {
 public:
  Responder(const nlohmann::json& req_id, double ts, std::vector<Outgoing>& out)
      : req_id_(req_id), ts_(ts), out_(out) {}

  // ack {"ok":true, ...extra}
  void ack(const nlohmann::json& extra = nlohmann::json::object());
  void reply(std::string_view type, const nlohmann::json& payload);
  void error(std::string_view code, std::string_view message);

  std::size_t count() const noexcept { return out_.size(); }

 private:
  const nlohmann::json& req_id_;
  double ts_;
  std::vector<Outgoing>& out_;
};

struct DispatchResult {
  std::vector<Outgoing> replies;  // in send order (none for successful legacy writes)
  // What the message was, for counters: its type when handled, else one of
  // kKindInvalid / kKindUnknown / kKindDmxWrite. Bounded by the handler table.
  std::string kind;
  bool auth_failed = false;  // a refused message before authentication, or a wrong token
};

class Dispatcher {
 public:
  using Handler = std::function<void(const Request&, ClientState&, Responder&)>;
  // Receives each legacy {ch,val[,u]} write; false means the DMX side dropped it
  // (it counts that itself). Empty: writes are validated and discarded.
  using DmxSink = std::function<bool(const DmxOverride&)>;
  // Whether a valid batch can be applied; an error message refuses it whole.
  using DmxAdmit = std::function<std::optional<std::string>(std::span<const DmxOverride>)>;
  // True when the presented token is the access token. Empty: no token required.
  using TokenCheck = std::function<bool(std::string_view)>;

  // Registers the built-in `subscribe`, `unsubscribe` and `auth`.
  explicit Dispatcher(DmxSink dmx_sink, TokenCheck token_check = {}, DmxAdmit dmx_admit = {});

  // Adds (or replaces) the handler of one request type.
  void add(std::string type, Handler handler);
  // Adds a handler supplied outside the net module (ServerHooks::handlers).
  // Throws std::invalid_argument for a built-in type or an empty handler.
  void add_extension(const std::string& type, ControlHandler handler);
  bool handles(std::string_view type) const { return handlers_.find(type) != handlers_.end(); }
  static bool is_builtin(std::string_view type);

  // Handles one TEXT message from `client`. Never throws except
  // std::bad_alloc: a failing handler becomes an INTERNAL_ERROR reply.
  DispatchResult handle_text(std::string_view text, ClientState& client) const;

 private:
  void apply_legacy(const LegacyWrites& legacy) const;
  void refuse_unauthenticated(const Inbound& inbound, DispatchResult& result, double ts) const;

  std::map<std::string, Handler, std::less<>> handlers_;
  DmxSink dmx_sink_;
  DmxAdmit dmx_admit_;
};

}  // namespace lumina::net
