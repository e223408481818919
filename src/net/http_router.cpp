#include "http_router.hpp"

#include <exception>

#include <spdlog/spdlog.h>

#include "protocol.hpp"

namespace lumina::net {

HttpReply json_reply(unsigned status, const nlohmann::json& body) {
  HttpReply reply;
  reply.status = status;
  reply.body = dump_json(body);
  return reply;
}

HttpReply http_error(unsigned status, std::string_view code, std::string_view message) {
  return json_reply(status, {{"ok", false}, {"error", code}, {"message", message}});
}

HttpReply http_unauthorized() {
  HttpReply reply = http_error(401, "unauthorized",
                               "missing or invalid access token: send the header 'Authorization: Bearer <token>'");
  reply.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="luminad")");
  return reply;
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  const auto mark = target.find('?');
  if (mark == std::string_view::npos) return {target, {}};
  return {target.substr(0, mark), target.substr(mark + 1)};
}

void HttpRouter::add(std::string_view method, std::string path, Handler handler, RouteAccess access) {
  routes_[std::move(path)][std::string(method)] = Route{std::move(handler), access};
}

std::string_view HttpRouter::route_label(std::string_view path) const {
  const auto it = routes_.find(path);
  return it == routes_.end() ? std::string_view("unmatched") : std::string_view(it->first);
}

HttpReply HttpRouter::route(const HttpRequestInfo& request) const {
  if (request.method != "HEAD") return dispatch(request);
  // HEAD is GET without the body (RFC 9110 9.3.2), errors included: a body
  // after a HEAD response would be read as the next response on a kept-alive
  // connection. A route may answer HEAD itself (static files); otherwise
  // the request is answered as the GET it stands for -- an unknown path or
  // a method-less route too, so that even an error's Content-Length is
  // the one GET's body has.
  HttpRequestInfo as_get = request;
  const auto path_it = routes_.find(request.path);
  if (path_it == routes_.end() || !path_it->second.contains("HEAD")) as_get.method = "GET";
  HttpReply reply = dispatch(as_get);
  if (!reply.head_length) {
    reply.head_length = reply.body.size();
    if (!reply.body.empty() && !reply.content_type.empty())
      reply.headers.emplace_back("Content-Type", reply.content_type);
    reply.content_type.clear();
    reply.body.clear();
  }
  return reply;
}

HttpReply HttpRouter::dispatch(const HttpRequestInfo& request) const {
  if (request.method == "OPTIONS") {
    HttpReply reply;
    reply.content_type.clear();
    return reply;
  }

  const auto path_it = routes_.find(request.path);
  if (!request.authorized) {
    bool open = false;
    if (path_it != routes_.end()) {
      const auto method_it = path_it->second.find(request.method);
      open = method_it != path_it->second.end() && method_it->second.access == RouteAccess::kOpen;
    }
    if (!open) return http_unauthorized();
  }
  if (path_it == routes_.end()) {
    return http_error(404, "not_found",
                      "no route for " + std::string(request.method) + " " + std::string(request.path));
  }
  const auto& methods = path_it->second;
  const auto method_it = methods.find(request.method);
  if (method_it == methods.end()) {
    std::string allow;
    for (const auto& entry : methods) allow += entry.first + ",";
    if (methods.contains("GET") && !methods.contains("HEAD")) allow += "HEAD,";
    allow += "OPTIONS";
    HttpReply reply = http_error(405, "method_not_allowed",
                                 "method " + std::string(request.method) + " not allowed for " +
                                     std::string(request.path));
    reply.headers.emplace_back("Allow", std::move(allow));
    return reply;
  }
  try {
    return method_it->second.handler(request);
  } catch (const std::exception& error) {
    spdlog::warn("net: {} {} failed: {}", request.method, request.path, error.what());
    return http_error(500, "internal_error", error.what());
  }
}

}  // namespace lumina::net
