#pragma once
// Periodic pushes on the io thread: audio_meter and dsp_event at the
// telemetry rate (only when the analysis published a new frame, and only when
// someone listens), a `beat` event whenever the frame's beat counter
// advanced, engine_status at 1 Hz, and the 1 Hz check for clients that
// stopped reading or never authenticated.
#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "lumina/core/config.hpp"

namespace lumina::net {

struct ServerContext;

inline constexpr std::uint32_t kMinTelemetryFps = Config::Telemetry::kMinFps;
inline constexpr std::uint32_t kMaxTelemetryFps = Config::Telemetry::kMaxFps;

class TelemetryPump {
 public:
  // `fps` is clamped to kMinTelemetryFps..kMaxTelemetryFps.
  TelemetryPump(boost::asio::io_context& io, std::shared_ptr<ServerContext> context, std::uint32_t fps);
  TelemetryPump(const TelemetryPump&) = delete;
  TelemetryPump& operator=(const TelemetryPump&) = delete;

  // io thread (or before it runs). The pump must outlive its pending waits:
  // call stop() and let the io_context finish or be stopped before destroying it.
  void start();
  void stop();
  // io thread. The audio_meter / dsp_event rate from now on (clamped like
  // the constructor's): the next push comes one new period from now, or at
  // the old deadline if that is sooner.
  void set_fps(std::uint32_t fps);

 private:
  using Clock = std::chrono::steady_clock;

  void wait_meter();
  void on_meter_tick();
  void wait_status();
  void on_status_tick();

  std::shared_ptr<ServerContext> context_;
  boost::asio::steady_timer meter_timer_;
  boost::asio::steady_timer status_timer_;
  Clock::duration meter_period_;
  Clock::time_point next_meter_{};
  Clock::time_point next_status_{};
  std::uint64_t last_frame_version_ = 0;
  // Event counters of the previously polled frame; unset until the first
  // frame, so a restart does not report the analysis's whole history as a beat.
  bool have_counts_ = false;
  std::uint64_t last_beat_count_ = 0;
  std::uint64_t last_onset_count_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace lumina::net
