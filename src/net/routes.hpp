#pragma once
// The HTTP routes of the control plane, registered on a context's router.
namespace lumina::net {

struct ServerContext;

// GET /health (open), GET /api/status, GET /metrics, and GET /ws without an
// upgrade (426), GET /api/sources and POST /upload (503 without a MediaSink;
// with one, the session streams uploads itself and handles
// DELETE /api/sources/<id> on a worker).
void register_http_routes(ServerContext& context);

}  // namespace lumina::net
