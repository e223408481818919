// WebSocket control messages: decoding (protocol.cpp) and dispatch
// (dispatcher.cpp) as one client session sees them. The input is a sequence
// of TEXT messages separated by '\n'; each is handled by an open dispatcher
// and by one that requires an access token, with extension handlers that
// echo, ack and throw. Every reply must be valid JSON whose type matches
// what the dispatcher reported, and the client state must stay bounded.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dispatcher.hpp"
#include "fuzz_check.hpp"
#include "protocol.hpp"

namespace {

using lumina::net::ClientState;
using lumina::ControlReply;
using lumina::net::Dispatcher;

void add_handlers(Dispatcher& dispatcher) {
  dispatcher.add_extension("echo", [](const nlohmann::json& payload, ControlReply& reply) {
    reply.reply("echo", payload);  // arbitrary client strings go back out through dump_json
  });
  dispatcher.add_extension("scene_select", [](const nlohmann::json& payload, ControlReply& reply) {
    if (!payload.contains("scene") || !payload["scene"].is_string()) {
      reply.error("BAD_PAYLOAD", "field 'scene' must be a string");
      return;
    }
    reply.ack({{"scene", payload["scene"]}});
  });
  dispatcher.add_extension("boom", [](const nlohmann::json&, ControlReply&) {
    throw std::runtime_error("handler failure");  // must become INTERNAL_ERROR
  });
}

void check_replies(const lumina::net::DispatchResult& result, const ClientState& client) {
  for (const auto& out : result.replies) {
    const nlohmann::json reply = nlohmann::json::parse(out.text, nullptr, false);
    LUMINA_FUZZ_CHECK(!reply.is_discarded(), "a reply is not valid JSON");
    LUMINA_FUZZ_CHECK(reply.is_object() && reply.contains("type") && reply["type"] == out.type,
                      "a reply's type differs from the reported one");
    LUMINA_FUZZ_CHECK(reply.contains("ts") && reply["ts"].is_number(), "a reply has no numeric ts");
  }
  LUMINA_FUZZ_CHECK(client.streams.size() <= lumina::net::kMaxSubscriptions, "subscription set unbounded");
  LUMINA_FUZZ_CHECK(!client.close || client.close->reason.size() <= 123, "close reason over 123 bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Built once (and never moved: handlers may capture the dispatcher);
  // reachable from these statics, so LeakSanitizer does not report them.
  static Dispatcher* const open_dispatcher = [] {
    auto* d = new Dispatcher([](const lumina::DmxOverride&) { return true; });
    add_handlers(*d);
    return d;
  }();
  static Dispatcher* const token_dispatcher = [] {
    auto* d = new Dispatcher([](const lumina::DmxOverride&) { return true; },
                             [](std::string_view token) { return token == "secret"; });
    add_handlers(*d);
    return d;
  }();

  ClientState open_client;
  ClientState token_client;
  token_client.authenticated = false;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (true) {
    const std::size_t end = input.find('\n');
    const std::string_view text = input.substr(0, end);
    (void)lumina::net::peek_req_id(text);
    check_replies(open_dispatcher->handle_text(text, open_client), open_client);
    if (!token_client.close) check_replies(token_dispatcher->handle_text(text, token_client), token_client);
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + 1);
  }
  return 0;
}
