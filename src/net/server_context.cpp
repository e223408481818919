#include "server_context.hpp"

#include <exception>
#include <new>
#include <utility>

#include <spdlog/spdlog.h>

namespace lumina::net {

ServerContext::ServerContext(ServerOptions server_options, ServerHooks server_hooks)
    : options(std::move(server_options)), hooks(std::move(server_hooks)), dispatcher(hooks.dmx_write) {}

nlohmann::json ServerContext::status_payload() {
  nlohmann::json status = nlohmann::json::object();
  if (hooks.status) {
    try {
      status = hooks.status();
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& error) {
      spdlog::warn("net: status hook failed: {}", error.what());
    }
    if (!status.is_object()) {
      spdlog::warn("net: status hook returned {} instead of an object", status.type_name());
      status = nlohmann::json::object();
    }
  }
  if (!status.contains("net")) {
    status["net"] = {{"wsClients", hub.ws_count()},
                     {"httpConnections", hub.http_count()},
                     {"wsAccepted", counters.ws_accepted},
                     {"wsRefused", counters.ws_refused},
                     {"httpRefused", counters.http_refused},
                     {"telemetryDropped", counters.telemetry_dropped},
                     {"clientsDropped", counters.clients_dropped}};
  }
  return status;
}

}  // namespace lumina::net
