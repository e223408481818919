#pragma once
// HTTP routing without sockets: method + path → a JSON reply. The session
// (http_session.cpp) does the Beast I/O; everything that decides what a
// response says lives here so it is testable and extended in one place.
// io thread only; not RT-safe.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace lumina::net {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequestInfo {
  std::string_view method;  // "GET", "POST", ...
  std::string_view path;    // target without the query
  std::string_view query;   // after '?', empty when none
  std::string_view origin;  // Origin header, empty when none
  std::string_view body;
  // The request carried the access token, or none is required.
  bool authorized = true;
};

struct HttpReply {
  unsigned status = 200;
  std::string body;     // JSON text unless content_type says otherwise; empty for OPTIONS
  HttpHeaders headers;  // extra headers (e.g. Allow); CORS is added by the session
  std::string content_type = "application/json";
  // HEAD: the Content-Length the GET would send (the body stays empty).
  std::optional<std::uint64_t> head_length;
};

// Who may use a route when an access token is configured.
enum class RouteAccess {
  kToken,  // 401 without the token
  kOpen,   // always served; the handler sees HttpRequestInfo::authorized
};

// 2xx/4xx/5xx with a JSON body.
HttpReply json_reply(unsigned status, const nlohmann::json& body);
// Every HTTP error: {"ok":false,"error":"<code>","message":"..."} (B.9).
HttpReply http_error(unsigned status, std::string_view code, std::string_view message);

// 401 {"ok":false,"error":"unauthorized",...} with WWW-Authenticate: Bearer.
HttpReply http_unauthorized();

// "/a/b?x=1" → {"/a/b", "x=1"}.
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

class HttpRouter {
 public:
  using Handler = std::function<HttpReply(const HttpRequestInfo&)>;

  // Exact path match; adding the same method and path again replaces it.
  void add(std::string_view method, std::string path, Handler handler, RouteAccess access = RouteAccess::kToken);

  // OPTIONS on any path → 200 (CORS preflight, which browsers send without
  // credentials); an unauthorized request for anything but an open route →
  // 401 (before 404/405, so paths cannot be probed); unknown path → 404;
  // known path with another method → 405 with Allow; a throwing handler →
  // 500. All JSON. HEAD is answered as GET without the body (the
  // Content-Length and type GET would send), unless a route handles HEAD.
  HttpReply route(const HttpRequestInfo& request) const;

  // The label of `path` for per-route counters: the path when it is a route,
  // else "unmatched" (request paths are client-chosen; labels must not be).
  std::string_view route_label(std::string_view path) const;

 private:
  HttpReply dispatch(const HttpRequestInfo& request) const;

  struct Route {
    Handler handler;
    RouteAccess access = RouteAccess::kToken;
  };
  std::map<std::string, std::map<std::string, Route, std::less<>>, std::less<>> routes_;
};

}  // namespace lumina::net
