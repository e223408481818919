#pragma once
// The control plane: Boost.Beast HTTP + WebSocket on one Asio io_context
// thread. It never touches the audio thread: it reads the latest analysis
// frame lock-free and hands DMX writes to the DMX thread through a lock-free
// queue (via ServerHooks::dmx_write).
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lumina/core/api_error.hpp"
#include "lumina/core/latest_value.hpp"
#include "lumina/dsp/analysis_frame.hpp"
#include "lumina/lighting/dmx_types.hpp"

namespace lumina {

struct ServerOptions {
  std::string listen = "127.0.0.1";
  std::uint16_t port = 8000;  // 0: let the kernel pick (tests); see Server::port()
  std::uint32_t telemetry_fps = 30;

  // Access token (protocol C.5); empty = no authentication. start() refuses a
  // non-loopback `listen` without one. Resolve it with resolve_access_token()
  // (lumina/net/access_token.hpp).
  std::string access_token;
  // Browser origins allowed to open the WebSocket and named in CORS answers,
  // e.g. "http://192.168.1.20:5173"; a "*" entry allows any origin. Same-origin
  // requests (Origin equals the Host the browser asked) and requests without
  // an Origin header (non-browser clients) are always allowed.
  std::vector<std::string> allowed_origins;
  // Inbound WebSocket messages (text and binary) per client: a token bucket
  // refilled at rate_limit_per_sec up to rate_limit_burst. 0 disables it.
  double rate_limit_per_sec = 200.0;
  std::uint32_t rate_limit_burst = 400;
  // PEM certificate (chain) and private key. Both set: the listener serves
  // HTTPS/WSS only. Exactly one set, or unreadable files: start() throws.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Directory of the browser UI, served open at "/" (index.html) and
  // "/<file>" from memory (read once at start()); empty: no UI. Resolve the
  // configured value with resolve_web_root() (lumina/net/web_root.hpp).
  std::string web_root;
  // POST /upload: the largest request body accepted (413 beyond it, checked
  // on Content-Length and while streaming), and how long an upload may send
  // nothing before it is dropped.
  std::uint64_t max_upload_bytes = 4ULL << 30;
  std::chrono::seconds upload_stall_timeout{60};
};

// One figure for GET /metrics (Prometheus text format 0.0.4), supplied by the
// daemon through ServerHooks::metrics. Samples sharing a name form one metric
// family (one # HELP / # TYPE, taken from the first of them); names and label
// names that are not valid Prometheus identifiers have the offending
// characters replaced by '_'. Label values and help text are escaped.
// Every member has a default, so designated initializers may name only some:
//   MetricSample{.name = "lumina_dmx_ticks_total", .help = "...", .type = MetricType::kCounter, .value = n}
enum class MetricType { kCounter, kGauge, kHistogram };

struct MetricSample {
  struct Bucket {
    double le = 0.0;          // upper bound (inclusive); +infinity allowed
    std::uint64_t count = 0;  // observations in this bucket only (not cumulative)
  };

  std::string name{};  // e.g. "lumina_audio_xruns_total"
  std::string help{};
  MetricType type = MetricType::kGauge;
  std::vector<std::pair<std::string, std::string>> labels{};
  double value = 0.0;  // counter/gauge value (unused for histograms)
  // Histogram only: buckets in increasing `le`. The formatter emits cumulative
  // `_bucket` lines, adds le="+Inf" when the last bound is finite, `_count`
  // (all observations) and `_sum` when `sum` is not NaN.
  std::vector<Bucket> buckets{};
  double sum = std::numeric_limits<double>::quiet_NaN();

  static MetricSample counter(std::string name, std::string help, double value) {
    return {.name = std::move(name), .help = std::move(help), .type = MetricType::kCounter, .value = value};
  }
  static MetricSample gauge(std::string name, std::string help, double value) {
    return {.name = std::move(name), .help = std::move(help), .type = MetricType::kGauge, .value = value};
  }
};

// The reply side of a control request handled outside the net module (see
// ServerHooks::handlers). Every reply echoes the request's reqId and carries ts.
class ControlReply {
 public:
  virtual ~ControlReply() = default;
  // {"type":"ack","payload":{"ok":true, ...extra}}
  virtual void ack(const nlohmann::json& extra = nlohmann::json::object()) = 0;
  // {"type":type,"payload":payload}
  virtual void reply(const std::string& type, const nlohmann::json& payload) = 0;
  // {"type":"error","payload":{"code":code,"message":message}}
  virtual void error(const std::string& code, const std::string& message) = 0;
};

// Handles one request type. Runs on the io thread and must not block: work
// for realtime threads goes through their lock-free command queues.
// `payload` is always an object.
using ControlHandler = std::function<void(const nlohmann::json& payload, ControlReply& reply)>;

// The answer to a request handled by the daemon: an HTTP status and a JSON body.
struct HttpResult {
  unsigned status = 200;
  nlohmann::json body = nlohmann::json::object();
};

// The file part of one POST /upload. Every call runs on a server worker
// thread (never the io thread), one at a time, in order. Destroying it
// without a successful finish() discards everything it stored.
class UploadTarget {
 public:
  virtual ~UploadTarget() = default;
  // The next bytes of the file. Throws ApiError (413, 507, ...).
  virtual void append(const char* data, std::size_t size) = 0;
  // The file is complete: store, probe, convert, register. May take long
  // (ffmpeg). Returns the reply; throws ApiError.
  virtual HttpResult finish() = 0;
};

// Media storage behind POST /upload, GET /api/sources and
// DELETE /api/sources/<fileId> (protocol A.7, C.2, C.6).
class MediaSink {
 public:
  virtual ~MediaSink() = default;
  // Worker thread. `filename`: the part's filename as sent (a display name
  // only; never a path), "upload.bin" when absent. Throws ApiError.
  virtual std::unique_ptr<UploadTarget> begin_upload(const std::string& filename) = 0;
  // io thread: {"default":..,"items":[..]} as in audio_sources; must not block.
  virtual nlohmann::json sources() = 0;
  // Worker thread: 200 {ok:true}, 404 unknown, 409 while it plays.
  virtual HttpResult delete_source(const std::string& file_id) = 0;
};

struct ServerHooks {
  // Latest analysis frame (written by the analysis thread). Required.
  const LatestValue<AnalysisFrame>* frames = nullptr;
  // Engine figures for /health, /api/status and the engine_status push. Called on
  // the io thread; must only read atomics/snapshots (never block).
  std::function<nlohmann::json()> status;
  // Legacy {ch,val[,u]} writes → DMX override layer. Called on the io thread only.
  std::function<bool(const DmxOverride&)> dmx_write;
  // Checked before a valid batch of legacy writes is applied: an error
  // message refuses all of it (BAD_PAYLOAD) -- the DMX side could not hold
  // it. Empty: every valid batch is applied. Called on the io thread only.
  std::function<std::optional<std::string>(std::span<const DmxOverride>)> dmx_admit;
  // Request handlers added by the daemon (audio_*, dsp_set_params, show_* ...),
  // by message type. A type the net module handles itself cannot be overridden.
  std::map<std::string, ControlHandler> handlers;
  // Engine figures for GET /metrics, appended to the net module's own. Called
  // on the io thread per scrape; must only read atomics/snapshots.
  std::function<std::vector<MetricSample>()> metrics;
  // Uploads and the media source routes; absent: those routes answer 503.
  std::shared_ptr<MediaSink> media;
};

class Server {
 public:
  Server(ServerOptions options, ServerHooks hooks);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the io thread. Throws std::runtime_error with a readable
  // message ("cannot listen on 127.0.0.1:8000: Address already in use"; a bad
  // TLS file; a non-loopback address without an access token), and
  // std::invalid_argument for a handler registered for a type the net module
  // handles itself (subscribe, unsubscribe, auth) or an empty handler.
  void start();
  // Closes the listener and every session, joins the io thread. Idempotent.
  void stop();
  // The bound port (useful when options.port == 0).
  std::uint16_t port() const noexcept;

  // Pushes {"type":type,"payload":payload} (reqId null, ts now) to every
  // client subscribed to `type`, encoded once. Callable from any thread
  // except a realtime one; never blocks. Called from a handler on the io
  // thread, the push is queued before that handler's replies, so "push, then
  // ack" ordering holds (protocol A.5). Pushes are events, not telemetry:
  // never replaced by a newer one, queued in order with the client's replies
  // (a client that lets that queue overflow is closed). Dropped while the
  // server is not running; a non-object payload or empty type is logged and
  // dropped.
  void publish(const std::string& type, const nlohmann::json& payload);
  // Like publish(), but as telemetry: a client that has not yet been sent the
  // previous push of `type` gets only the newer one (latest-wins), so a
  // steady stream such as dmx_frame never fills a slow client's queue.
  void publish_telemetry(const std::string& type, const nlohmann::json& payload);
  // Any thread. The audio_meter / dsp_event rate from the next push on
  // (dsp_set_params / audio_start `fps`): false, and nothing changed, when
  // `fps` is outside 1..60 or the server is not running.
  bool set_telemetry_fps(std::uint32_t fps);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lumina
