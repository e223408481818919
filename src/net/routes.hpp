#pragma once
// The HTTP routes of the control plane, registered on a context's router.
namespace lumina::net {

struct ServerContext;

// GET /health (open), GET /api/status, GET /metrics, and GET /ws without an
// upgrade (426).
void register_http_routes(ServerContext& context);

}  // namespace lumina::net
