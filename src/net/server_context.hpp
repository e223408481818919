#pragma once
// State shared by the listener and every session of one running server.
// Owned through shared_ptr by each of them, so it outlives the last pending
// handler. io thread only (no locks needed).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "access_control.hpp"
#include "dispatcher.hpp"
#include "http_router.hpp"
#include "lumina/net/server.hpp"
#include "metrics.hpp"
#include "session_hub.hpp"

namespace boost::asio {
class thread_pool;
namespace ssl {
class context;
}
}  // namespace boost::asio

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
// Unsent bytes the kernel may hold per WebSocket (TCP_NOTSENT_LOWAT). Linux
// otherwise grows a socket's send buffer up to tcp_wmem's maximum (4 MiB):
// a slow reader would then receive seconds-old meters from the kernel while
// latest-wins never engaged, and a non-reader would pin megabytes.
inline constexpr int kWsNotSentLowat = 16 * 1024;
// A WebSocket client that must authenticate has this long to send `auth`.
inline constexpr std::chrono::seconds kAuthTimeout{10};
// RATE_LIMITED replies per client: a flood must not fill the reply queue with
// its own error messages.
inline constexpr double kRateLimitedRepliesPerSec = 5.0;
inline constexpr double kRateLimitedRepliesBurst = 5.0;
// TLS handshake of a new connection.
inline constexpr std::chrono::seconds kTlsHandshakeTimeout{10};

// Reasons in NetCounters::clients_dropped_by_reason.
inline constexpr std::string_view kDropQueueOverflow = "queue_overflow";
inline constexpr std::string_view kDropWriteStalled = "write_stalled";
inline constexpr std::string_view kDropAuthFailed = "auth_failed";
inline constexpr std::string_view kDropAuthTimeout = "auth_timeout";

// Figures of the network side itself: "net" in status, and GET /metrics.
struct NetCounters {
  std::uint64_t ws_accepted = 0;
  std::uint64_t ws_refused = 0;         // upgrades refused at kMaxWsSessions or while stopping
  std::uint64_t http_refused = 0;       // connections closed at kMaxHttpSessions
  std::uint64_t telemetry_dropped = 0;  // pushes replaced unsent by a newer one (slow client)
  std::uint64_t clients_dropped = 0;    // send queue overflow, stalled write, failed/missing auth
  std::uint64_t rate_limited = 0;       // inbound messages refused by the per-client token bucket
  std::uint64_t auth_failures = 0;      // wrong/missing credentials (HTTP 401, WS refusals)
  std::uint64_t origin_refused = 0;     // requests refused for their Origin (403)
  std::uint64_t events_published = 0;   // Server::publish calls delivered to the io thread
  LabelCounter messages_in;             // by request type (or invalid/unknown/dmx_write/binary)
  LabelCounter messages_out;            // written to clients, by message type
  LabelCounter telemetry_dropped_by_stream;
  LabelCounter clients_dropped_by_reason;
  std::map<std::pair<std::string, unsigned>, std::uint64_t> http_requests;  // (route, status)
};

struct ServerContext {
  ServerContext(ServerOptions server_options, ServerHooks server_hooks);

  // hooks.status() (an object; {} when absent or failing) plus "net" figures.
  // Never throws except std::bad_alloc.
  nlohmann::json status_payload();

  // The net module's own figures followed by hooks.metrics(), as Prometheus text.
  std::string metrics_text();

  // A stable view of `name` for outbound queues and counters. Only names the
  // server chooses (message types it sends, published types) are interned, so
  // the set stays small.
  std::string_view intern(std::string_view name);

  void count_http(std::string_view route, unsigned status);
  void count_dropped_client(std::string_view reason);

  ServerOptions options;
  ServerHooks hooks;
  TokenVerifier token;
  OriginPolicy origins;
  bool tls = false;
  // Set by Server::start() when options name a certificate and key: every
  // connection then starts with a TLS handshake.
  std::shared_ptr<boost::asio::ssl::context> ssl;
  // Threads for work that may block (upload hashing and writes, media
  // conversion, registry changes), owned by the Server and joined after the
  // io thread: never touch sessions from there, post back to the io thread.
  boost::asio::thread_pool* workers = nullptr;
  SessionHub hub;
  Dispatcher dispatcher;
  HttpRouter router;
  NetCounters counters;
  bool stopping = false;

 private:
  std::set<std::string, std::less<>> names_;
};

}  // namespace lumina::net
