#include "server_context.hpp"

#include <exception>
#include <new>
#include <utility>

#include <spdlog/spdlog.h>

namespace lumina::net {
namespace {

Dispatcher::TokenCheck token_check(const TokenVerifier& verifier) {
  if (!verifier.required()) return {};
  return [&verifier](std::string_view presented) { return verifier.verify(presented); };
}

MetricSample sample(std::string name, std::string help, MetricType type, double value,
                    std::vector<std::pair<std::string, std::string>> labels = {}) {
  MetricSample s;
  s.name = std::move(name);
  s.help = std::move(help);
  s.type = type;
  s.value = value;
  s.labels = std::move(labels);
  return s;
}

// One sample per label value; a family with no values yet still gets its
// HELP/TYPE through a zero sample without labels, so dashboards see it exists.
void append_labelled(std::vector<MetricSample>& out, const std::string& name, const std::string& help,
                     const std::string& label, const LabelCounter& counter) {
  if (counter.values().empty()) {
    out.push_back(sample(name, help, MetricType::kCounter, 0.0));
    return;
  }
  for (const auto& [value, count] : counter.values()) {
    out.push_back(sample(name, help, MetricType::kCounter, static_cast<double>(count), {{label, value}}));
  }
}

}  // namespace

ServerContext::ServerContext(ServerOptions server_options, ServerHooks server_hooks)
    : options(std::move(server_options)),
      hooks(std::move(server_hooks)),
      token(options.access_token),
      origins(options.allowed_origins, !options.tls_cert_file.empty() && !options.tls_key_file.empty()),
      tls(!options.tls_cert_file.empty() && !options.tls_key_file.empty()),
      dispatcher(hooks.dmx_write, token_check(token), hooks.dmx_admit) {
  for (const auto& [type, handler] : hooks.handlers) dispatcher.add_extension(type, handler);
}

std::string_view ServerContext::intern(std::string_view name) {
  auto it = names_.find(name);
  if (it == names_.end()) it = names_.emplace(name).first;
  return *it;
}

void ServerContext::count_http(std::string_view route, unsigned status) {
  ++counters.http_requests[{std::string(route), status}];
}

void ServerContext::count_dropped_client(std::string_view reason) {
  ++counters.clients_dropped;
  counters.clients_dropped_by_reason.add(reason);
}

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
                     {"clientsDropped", counters.clients_dropped},
                     {"rateLimited", counters.rate_limited},
                     {"authFailures", counters.auth_failures},
                     {"originRefused", counters.origin_refused},
                     {"authRequired", token.required()},
                     {"tls", tls}};
  }
  return status;
}

std::string ServerContext::metrics_text() {
  std::vector<MetricSample> samples;
  const auto gauge = [&](std::string name, std::string help, double value) {
    samples.push_back(sample(std::move(name), std::move(help), MetricType::kGauge, value));
  };
  const auto counter = [&](std::string name, std::string help, std::uint64_t value) {
    samples.push_back(sample(std::move(name), std::move(help), MetricType::kCounter, static_cast<double>(value)));
  };
  gauge("lumina_net_ws_clients", "Connected WebSocket clients.", static_cast<double>(hub.ws_count()));
  gauge("lumina_net_http_connections", "Open HTTP connections (not yet upgraded).",
        static_cast<double>(hub.http_count()));
  counter("lumina_net_ws_accepted_total", "WebSocket handshakes completed.", counters.ws_accepted);
  counter("lumina_net_ws_refused_total", "WebSocket upgrades refused (client limit or shutting down).",
          counters.ws_refused);
  counter("lumina_net_http_refused_total", "TCP connections closed at the connection limit.", counters.http_refused);
  append_labelled(samples, "lumina_net_messages_in_total",
                  "WebSocket messages received, by request type (invalid, unknown, dmx_write, binary otherwise).",
                  "type", counters.messages_in);
  append_labelled(samples, "lumina_net_messages_out_total", "WebSocket messages written to clients, by type.", "type",
                  counters.messages_out);
  append_labelled(samples, "lumina_net_telemetry_dropped_total",
                  "Telemetry pushes replaced unsent by a newer one (slow clients), by stream.", "stream",
                  counters.telemetry_dropped_by_stream);
  append_labelled(samples, "lumina_net_clients_dropped_total",
                  "WebSocket clients disconnected by the server, by reason.", "reason",
                  counters.clients_dropped_by_reason);
  counter("lumina_net_rate_limited_total", "Inbound WebSocket messages refused by the per-client rate limit.",
          counters.rate_limited);
  counter("lumina_net_auth_failures_total", "Requests and WebSocket messages refused for a missing or wrong token.",
          counters.auth_failures);
  counter("lumina_net_origin_refused_total", "Requests refused because their Origin is not allowed.",
          counters.origin_refused);
  counter("lumina_net_events_published_total", "Events published by the daemon (Server::publish).",
          counters.events_published);
  if (counters.http_requests.empty()) {
    counter("lumina_net_http_requests_total", "HTTP requests answered, by route and status.", 0);
  }
  for (const auto& [key, count] : counters.http_requests) {
    samples.push_back(sample("lumina_net_http_requests_total", "HTTP requests answered, by route and status.",
                             MetricType::kCounter, static_cast<double>(count),
                             {{"route", key.first}, {"status", std::to_string(key.second)}}));
  }
  if (hooks.metrics) {
    try {
      auto engine = hooks.metrics();
      samples.insert(samples.end(), std::make_move_iterator(engine.begin()), std::make_move_iterator(engine.end()));
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& error) {
      spdlog::warn("net: metrics hook failed: {}", error.what());
    }
  }
  return format_prometheus(samples);
}

}  // namespace lumina::net
