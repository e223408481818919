#include "http_router.hpp"

#include <exception>

#include <spdlog/spdlog.h>

#include "protocol.hpp"

namespace lumina::net {

HttpReply json_reply(unsigned status, const nlohmann::json& body) { return HttpReply{status, dump_json(body), {}}; }

HttpReply http_error(unsigned status, std::string_view code, std::string_view message) {
  return json_reply(status, {{"ok", false}, {"error", code}, {"message", message}});
}

HttpHeaders cors_headers(std::string_view /*origin*/) {
  return {{"Access-Control-Allow-Origin", "*"},
          {"Access-Control-Allow-Methods", "GET,POST,OPTIONS"},
          {"Access-Control-Allow-Headers", "Content-Type,Authorization"},
          {"Access-Control-Max-Age", "86400"}};
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  const auto mark = target.find('?');
  if (mark == std::string_view::npos) return {target, {}};
  return {target.substr(0, mark), target.substr(mark + 1)};
}

void HttpRouter::add(std::string_view method, std::string path, Handler handler) {
  routes_[std::move(path)][std::string(method)] = std::move(handler);
}

HttpReply HttpRouter::route(const HttpRequestInfo& request) const {
  if (request.method == "OPTIONS") return HttpReply{200, {}, {}};

  const auto path_it = routes_.find(request.path);
  if (path_it == routes_.end()) {
    return http_error(404, "not_found",
                      "no route for " + std::string(request.method) + " " + std::string(request.path));
  }
  const auto& methods = path_it->second;
  const auto method_it = methods.find(request.method);
  if (method_it == methods.end()) {
    std::string allow;
    for (const auto& entry : methods) allow += entry.first + ",";
    allow += "OPTIONS";
    HttpReply reply = http_error(405, "method_not_allowed",
                                 "method " + std::string(request.method) + " not allowed for " +
                                     std::string(request.path));
    reply.headers.emplace_back("Allow", std::move(allow));
    return reply;
  }
  try {
    return method_it->second(request);
  } catch (const std::exception& error) {
    spdlog::warn("net: {} {} failed: {}", request.method, request.path, error.what());
    return http_error(500, "internal_error", error.what());
  }
}

}  // namespace lumina::net
