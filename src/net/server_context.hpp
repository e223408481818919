#pragma once
// State shared by the listener and every session of one running server.
// Owned through shared_ptr by each of them, so it outlives the last pending
// handler. io thread only (no locks needed).
#include <chrono>
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "lumina/net/server.hpp"
#include "dispatcher.hpp"
#include "http_router.hpp"
#include "session_hub.hpp"

namespace lumina::net {

inline constexpr std::size_t kMaxWsSessions = 256;
// Bounds sockets held by idle keep-alive or half-sent requests (fd exhaustion).
inline constexpr std::size_t kMaxHttpSessions = 512;
inline constexpr std::uint32_t kHttpHeaderLimit = 8 * 1024;
inline constexpr std::uint64_t kHttpBodyLimit = 64 * 1024;
inline constexpr std::chrono::seconds kHttpTimeout{30};
inline constexpr std::size_t kWsMessageMax = 1024 * 1024;
// A write or close that makes no progress this long means the peer is gone or
// refuses to read: drop it rather than hold its socket forever.
inline constexpr std::chrono::seconds kWriteStallTimeout{10};
inline constexpr std::chrono::seconds kCloseTimeout{5};
// How long stop() lets WebSocket close handshakes finish.
inline constexpr std::chrono::milliseconds kShutdownGrace{300};

// Figures of the network side itself, merged into status under "net".
struct NetCounters {
  std::uint64_t ws_accepted = 0;
  std::uint64_t ws_refused = 0;         // upgrades refused at kMaxWsSessions or while stopping
  std::uint64_t http_refused = 0;       // connections closed at kMaxHttpSessions
  std::uint64_t telemetry_dropped = 0;  // pushes replaced unsent by a newer one (slow client)
  std::uint64_t clients_dropped = 0;    // reply queue overflow or stalled write
};

struct ServerContext {
  ServerContext(ServerOptions server_options, ServerHooks server_hooks);

  // hooks.status() (an object; {} when absent or failing) plus "net" figures.
  // Never throws except std::bad_alloc.
  nlohmann::json status_payload();

  ServerOptions options;
  ServerHooks hooks;
  SessionHub hub;
  Dispatcher dispatcher;
  HttpRouter router;
  NetCounters counters;
  bool stopping = false;
};

}  // namespace lumina::net
