#include "dispatcher.hpp"

#include <exception>
#include <utility>

#include <spdlog/spdlog.h>

#include "lumina/core/clock.hpp"

namespace lumina::net {
namespace {

using nlohmann::json;

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

}  // namespace

void Responder::ack(const json& extra) { out_.push_back(encode_ack(req_id_, ts_, extra)); }

void Responder::reply(std::string_view type, const json& payload) {
  out_.push_back(encode_message(type, payload, req_id_, ts_));
}

void Responder::error(std::string_view code, std::string_view message) {
  out_.push_back(encode_error(code, message, req_id_, ts_));
}

Dispatcher::Dispatcher(DmxSink dmx_sink) : dmx_sink_(std::move(dmx_sink)) {
  add("subscribe", handle_subscribe);
  add("unsubscribe", handle_unsubscribe);
}

void Dispatcher::add(std::string type, Handler handler) { handlers_[std::move(type)] = std::move(handler); }

std::vector<std::string> Dispatcher::handle_text(std::string_view text, ClientState& client) const {
  std::vector<std::string> replies;
  const double ts = unix_seconds();
  Inbound inbound = decode_inbound(text);

  if (const auto* problem = std::get_if<ProtocolError>(&inbound)) {
    replies.push_back(encode_error(problem->code, problem->message, problem->req_id, ts));
    return replies;
  }
  if (const auto* legacy = std::get_if<LegacyWrites>(&inbound)) {
    apply_legacy(*legacy);
    return replies;
  }

  const auto& request = std::get<Request>(inbound);
  Responder responder(request.req_id, ts, replies);
  const auto it = handlers_.find(request.type);
  if (it == handlers_.end()) {
    responder.error(kErrUnknownMsg, request.type);
    return replies;
  }
  try {
    it->second(request, client, responder);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& error) {
    // A handler bug must cost one reply, not the connection.
    spdlog::warn("net: handler for '{}' failed: {}", request.type, error.what());
    replies.clear();
    responder.error(kErrInternal, error.what());
  }
  return replies;
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
