#include "telemetry_pump.hpp"

#include <algorithm>

#include "lumina/core/clock.hpp"
#include "server_context.hpp"
#include "telemetry.hpp"

namespace lumina::net {
namespace {

constexpr std::chrono::seconds kStatusPeriod{1};

// Absolute deadlines keep the rate from drifting; after a long stall the
// schedule restarts from now instead of bursting to catch up.
template <typename TimePoint, typename Duration>
TimePoint next_deadline(TimePoint previous, Duration period, TimePoint now) {
  const TimePoint next = previous + period;
  return next < now ? now + period : next;
}

}  // namespace

TelemetryPump::TelemetryPump(boost::asio::io_context& io, std::shared_ptr<ServerContext> context, std::uint32_t fps)
    : context_(std::move(context)),
      meter_timer_(io),
      status_timer_(io),
      meter_period_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
          1.0 / static_cast<double>(std::clamp(fps, kMinTelemetryFps, kMaxTelemetryFps))))) {}

void TelemetryPump::start() {
  const auto now = Clock::now();
  next_meter_ = now + meter_period_;
  next_status_ = now + kStatusPeriod;
  wait_meter();
  wait_status();
}

void TelemetryPump::stop() {
  stopped_ = true;
  meter_timer_.cancel();
  status_timer_.cancel();
}

void TelemetryPump::wait_meter() {
  meter_timer_.expires_at(next_meter_);
  meter_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    on_meter_tick();
    next_meter_ = next_deadline(next_meter_, meter_period_, Clock::now());
    wait_meter();
  });
}

void TelemetryPump::on_meter_tick() {
  const auto* frames = context_->hooks.frames;
  if (frames == nullptr) return;
  AnalysisFrame frame;
  std::uint64_t version = 0;
  // Pushing only new frames: an idle analysis must not repeat the last meter.
  if (!frames->load(frame, &version) || version == last_frame_version_) return;
  last_frame_version_ = version;
  if (!context_->hub.has_subscribers(kStreamAudioMeter)) return;
  context_->hub.publish(kStreamAudioMeter, encode_audio_meter(frame, unix_seconds()));
}

void TelemetryPump::wait_status() {
  status_timer_.expires_at(next_status_);
  status_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    on_status_tick();
    next_status_ = next_deadline(next_status_, kStatusPeriod, Clock::now());
    wait_status();
  });
}

void TelemetryPump::on_status_tick() {
  context_->hub.check_progress(Clock::now());
  if (!context_->hub.has_subscribers(kStreamEngineStatus)) return;
  context_->hub.publish(kStreamEngineStatus,
                        encode_push(kStreamEngineStatus, context_->status_payload(), unix_seconds()));
}

}  // namespace lumina::net
