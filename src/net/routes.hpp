#pragma once
// The HTTP routes of the control plane, registered on a context's router.
namespace lumina::net {

struct ServerContext;

// GET /health, GET /api/status, and GET /ws without an upgrade (426).
void register_http_routes(ServerContext& context);

}  // namespace lumina::net
