#include "dispatcher.hpp"

#include <exception>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>

#include "lumina/core/clock.hpp"

namespace lumina::net {
namespace {

using nlohmann::json;

constexpr std::string_view kTypeAuth = "auth";

void handle_subscribe(const Request& request, ClientState& client, Responder& responder) {
  std::vector<std::string> names;
  if (auto problem = decode_stream_list(request.payload, names)) {
    responder.error(kErrBadPayload, *problem);
    return;
  }
  std::size_t added = 0;
  for (const auto& name : names) {
    if (!client.subscribed(name)) ++added;
  }
  if (client.streams.size() + added > kMaxSubscriptions) {
    responder.error(kErrBadPayload, "at most " + std::to_string(kMaxSubscriptions) + " subscriptions per client");
    return;
  }
  for (auto& name : names) client.streams.insert(std::move(name));
  responder.ack();
}

void handle_unsubscribe(const Request& request, ClientState& client, Responder& responder) {
  std::vector<std::string> names;
  if (auto problem = decode_stream_list(request.payload, names)) {
    responder.error(kErrBadPayload, *problem);
    return;
  }
  for (const auto& name : names) client.streams.erase(name);
  responder.ack();
}

// ControlReply for extension handlers, over the request's Responder.
class ResponderReply final : public ControlReply {
 public:
  explicit ResponderReply(Responder& responder) : responder_(responder) {}
  void ack(const json& extra) override { responder_.ack(extra); }
  void reply(const std::string& type, const json& payload) override { responder_.reply(type, payload); }
  void error(const std::string& code, const std::string& message) override { responder_.error(code, message); }

 private:
  Responder& responder_;
};

}  // namespace

void Responder::ack(const json& extra) { out_.push_back({"ack", encode_ack(req_id_, ts_, extra)}); }

void Responder::reply(std::string_view type, const json& payload) {
  out_.push_back({std::string(type), encode_message(type, payload, req_id_, ts_)});
}

void Responder::error(std::string_view code, std::string_view message) {
  out_.push_back({"error", encode_error(code, message, req_id_, ts_)});
}

Dispatcher::Dispatcher(DmxSink dmx_sink, TokenCheck token_check, DmxAdmit dmx_admit)
    : dmx_sink_(std::move(dmx_sink)), dmx_admit_(std::move(dmx_admit)) {
  add("subscribe", handle_subscribe);
  add("unsubscribe", handle_unsubscribe);
  add(std::string(kTypeAuth),
      [check = std::move(token_check)](const Request& request, ClientState& client, Responder& responder) {
        const auto it = request.payload.find("token");
        if (it == request.payload.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
          responder.error(kErrBadPayload, "field 'token' must be a non-empty string");
          return;
        }
        // Without a configured token every client is already authenticated; the
        // ack lets a UI that always sends `auth` work against both setups.
        if (!check || check(it->get_ref<const std::string&>())) {
          client.authenticated = true;
          responder.ack();
          return;
        }
        responder.error(kErrUnauthorized, "invalid token");
      });
}

bool Dispatcher::is_builtin(std::string_view type) {
  return type == "subscribe" || type == "unsubscribe" || type == kTypeAuth;
}

void Dispatcher::add(std::string type, Handler handler) { handlers_[std::move(type)] = std::move(handler); }

void Dispatcher::add_extension(const std::string& type, ControlHandler handler) {
  if (is_builtin(type)) {
    throw std::invalid_argument("a handler for '" + type + "' cannot be added: the net module handles it itself");
  }
  if (type.empty()) throw std::invalid_argument("a handler needs a non-empty message type");
  if (!handler) throw std::invalid_argument("the handler for '" + type + "' is empty");
  add(type, [type, handler = std::move(handler)](const Request& request, ClientState&, Responder& responder) {
    ResponderReply reply(responder);
    handler(request.payload, reply);
    // Every request gets an answer (A.5); a handler that forgot would leave
    // the client waiting forever.
    if (responder.count() == 0) {
      spdlog::warn("net: handler for '{}' sent no reply", type);
      responder.error(kErrInternal, "handler for '" + type + "' sent no reply");
    }
  });
}

DispatchResult Dispatcher::handle_text(std::string_view text, ClientState& client) const {
  DispatchResult result;
  const double ts = unix_seconds();
  Inbound inbound = decode_inbound(text);

  const auto* request = std::get_if<Request>(&inbound);
  const bool was_authenticated = client.authenticated;
  if (!was_authenticated && (request == nullptr || request->type != kTypeAuth)) {
    refuse_unauthenticated(inbound, result, ts);
  } else if (const auto* problem = std::get_if<ProtocolError>(&inbound)) {
    result.kind = kKindInvalid;
    result.replies.push_back({"error", encode_error(problem->code, problem->message, problem->req_id, ts)});
  } else if (const auto* legacy = std::get_if<LegacyWrites>(&inbound)) {
    result.kind = kKindDmxWrite;
    // Valid, but the DMX side may not be able to hold it (all or nothing, A.4).
    if (auto refused = dmx_admit_ ? dmx_admit_(legacy->writes) : std::nullopt) {
      result.replies.push_back({"error", encode_error(kErrBadPayload, *refused, nullptr, ts)});
    } else {
      apply_legacy(*legacy);
    }
  } else {
    Responder responder(request->req_id, ts, result.replies);
    const auto it = handlers_.find(request->type);
    if (it == handlers_.end()) {
      result.kind = kKindUnknown;
      responder.error(kErrUnknownMsg, request->type);
    } else {
      result.kind = it->first;
      try {
        it->second(*request, client, responder);
      } catch (const std::bad_alloc&) {
        throw;
      } catch (const std::exception& error) {
        // A handler bug must cost one reply, not the connection.
        spdlog::warn("net: handler for '{}' failed: {}", request->type, error.what());
        result.replies.clear();
        responder.error(kErrInternal, error.what());
      } catch (...) {
        spdlog::warn("net: handler for '{}' threw a non-exception", request->type);
        result.replies.clear();
        responder.error(kErrInternal, "handler for '" + request->type + "' failed");
      }
    }
    if (!was_authenticated && !client.authenticated) result.auth_failed = true;
  }

  if (result.auth_failed && ++client.auth_failures >= kMaxAuthFailures && !client.close) {
    client.close = CloseRequest{1008, "authentication failed"};
  }
  return result;
}

void Dispatcher::refuse_unauthenticated(const Inbound& inbound, DispatchResult& result, double ts) const {
  result.auth_failed = true;
  // Malformed input still gets its precise error; anything that would act
  // (requests, DMX writes) gets UNAUTHORIZED and does nothing.
  if (const auto* problem = std::get_if<ProtocolError>(&inbound)) {
    result.kind = kKindInvalid;
    result.replies.push_back({"error", encode_error(problem->code, problem->message, problem->req_id, ts)});
    return;
  }
  json req_id = nullptr;
  if (const auto* request = std::get_if<Request>(&inbound)) {
    const auto it = handlers_.find(request->type);
    result.kind = it == handlers_.end() ? std::string(kKindUnknown) : it->first;
    req_id = request->req_id;
  } else {
    result.kind = kKindDmxWrite;
  }
  result.replies.push_back(
      {"error",
       encode_error(kErrUnauthorized, R"(not authenticated: send {"type":"auth","payload":{"token":"..."}} first)",
                    req_id, ts)});
}

void Dispatcher::apply_legacy(const LegacyWrites& legacy) const {
  if (!dmx_sink_) return;
  for (const auto& write : legacy.writes) {
    // A false return is a full override queue; the DMX thread counts it
    // (overrides_dropped) and A.4 defines no reply, so nothing more to do here.
    static_cast<void>(dmx_sink_(write));
  }
}

}  // namespace lumina::net
