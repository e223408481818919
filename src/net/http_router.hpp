#pragma once
// HTTP routing without sockets: method + path → a JSON reply. The session
// (http_session.cpp) does the Beast I/O; everything that decides what a
// response says lives here so it is testable and extended in one place.
// io thread only; not RT-safe.
#include <functional>
#include <map>
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
};

struct HttpReply {
  unsigned status = 200;
  std::string body;     // JSON text; empty for OPTIONS
  HttpHeaders headers;  // extra headers (e.g. Allow); CORS is added by the session
};

// 2xx/4xx/5xx with a JSON body.
HttpReply json_reply(unsigned status, const nlohmann::json& body);
// Every HTTP error: {"ok":false,"error":"<code>","message":"..."} (B.9).
HttpReply http_error(unsigned status, std::string_view code, std::string_view message);

// CORS headers for every response. The single place where the origin
// allow-list (C.5) will decide; today every origin is allowed.
HttpHeaders cors_headers(std::string_view origin);

// "/a/b?x=1" → {"/a/b", "x=1"}.
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

class HttpRouter {
 public:
  using Handler = std::function<HttpReply(const HttpRequestInfo&)>;

  // Exact path match; adding the same method and path again replaces it.
  void add(std::string_view method, std::string path, Handler handler);

  // OPTIONS on any path → 200 (CORS preflight); unknown path → 404; known path
  // with another method → 405 with Allow; a throwing handler → 500. All JSON.
  HttpReply route(const HttpRequestInfo& request) const;

 private:
  std::map<std::string, std::map<std::string, Handler, std::less<>>, std::less<>> routes_;
};

}  // namespace lumina::net
