#include "routes.hpp"

#include "lumina/core/version.hpp"
#include "http_router.hpp"
#include "metrics.hpp"
#include "server_context.hpp"
#include "static_files.hpp"

namespace lumina::net {

void register_http_routes(ServerContext& context) {
  // The router is owned by the context, so a plain pointer cannot dangle and
  // avoids a shared_ptr cycle.
  ServerContext* const ctx = &context;

  // Open even when a token is required: load balancers and systemd health
  // checks carry no credentials. Without the token it says only that the
  // server is up, no engine figures.
  context.router.add(
      "GET", "/health",
      [ctx](const HttpRequestInfo& request) {
        if (!request.authorized) {
          return json_reply(200, {{"ok", true}, {"server", kServerName}, {"authRequired", true}});
        }
        nlohmann::json body = ctx->status_payload();
        body["ok"] = true;
        body["server"] = kServerName;
        body["version"] = kVersion;
        return json_reply(200, body);
      },
      RouteAccess::kOpen);

  context.router.add("GET", "/api/status",
                     [ctx](const HttpRequestInfo&) { return json_reply(200, ctx->status_payload()); });

  context.router.add("GET", "/metrics", [ctx](const HttpRequestInfo&) {
    HttpReply reply;
    reply.body = ctx->metrics_text();
    reply.content_type = std::string(kPrometheusContentType);
    return reply;
  });

  // Media (protocol A.7, C.6). POST /upload and DELETE /api/sources/<id> are
  // streamed / run on workers by the session when a MediaSink is present;
  // these entries answer when it is not, and name the routes for counters.
  context.router.add("GET", "/api/sources", [ctx](const HttpRequestInfo&) {
    if (!ctx->hooks.media) return http_error(503, "media_unavailable", "this server has no media store");
    return json_reply(200, ctx->hooks.media->sources());
  });
  context.router.add("POST", "/upload", [](const HttpRequestInfo&) {
    return http_error(503, "media_unavailable", "this server has no media store: uploads are disabled");
  });

  context.router.add("GET", "/ws", [](const HttpRequestInfo&) {
    HttpReply reply = http_error(426, "upgrade_required", "GET /ws must be a WebSocket upgrade");
    reply.headers.emplace_back("Upgrade", "websocket");
    return reply;
  });

  // The browser UI (server.webRoot), after the API so it never shadows it.
  register_static_routes(context);
}

}  // namespace lumina::net
