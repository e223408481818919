#pragma once
// The control plane: Boost.Beast HTTP + WebSocket on one Asio io_context
// thread. It never touches the audio thread: it reads the latest analysis
// frame lock-free and hands DMX writes to the DMX thread through a lock-free
// queue (via ServerHooks::dmx_write).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "lumina/core/latest_value.hpp"
#include "lumina/dsp/analysis_frame.hpp"
#include "lumina/lighting/dmx_types.hpp"

namespace lumina {

struct ServerOptions {
  std::string listen = "127.0.0.1";
  std::uint16_t port = 8000;  // 0: let the kernel pick (tests); see Server::port()
  std::uint32_t telemetry_fps = 30;
};

struct ServerHooks {
  // Latest analysis frame (written by the analysis thread). Required.
  const LatestValue<AnalysisFrame>* frames = nullptr;
  // Engine figures for /health, /api/status and the engine_status push. Called on
  // the io thread; must only read atomics/snapshots (never block).
  std::function<nlohmann::json()> status;
  // Legacy {ch,val[,u]} writes → DMX override layer. Called on the io thread only.
  std::function<bool(const DmxOverride&)> dmx_write;
};

class Server {
 public:
  Server(ServerOptions options, ServerHooks hooks);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the io thread. Throws std::runtime_error with a readable
  // message ("cannot listen on 127.0.0.1:8000: Address already in use").
  void start();
  // Closes the listener and every session, joins the io thread. Idempotent.
  void stop();
  // The bound port (useful when options.port == 0).
  std::uint16_t port() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lumina
