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

std::chrono::steady_clock::duration period_for(std::uint32_t fps) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(1.0 / static_cast<double>(std::clamp(fps, kMinTelemetryFps, kMaxTelemetryFps))));
}

}  // namespace

TelemetryPump::TelemetryPump(boost::asio::io_context& io, std::shared_ptr<ServerContext> context, std::uint32_t fps)
    : context_(std::move(context)), meter_timer_(io), status_timer_(io), meter_period_(period_for(fps)) {}

void TelemetryPump::set_fps(std::uint32_t fps) {
  meter_period_ = period_for(fps);
  if (!started_ || stopped_) return;
  const auto sooner = Clock::now() + meter_period_;
  if (sooner >= next_meter_) return;  // the next deadline follows the new period
  // Re-arming cancels the pending wait (its handler sees operation_aborted).
  next_meter_ = sooner;
  wait_meter();
}

void TelemetryPump::start() {
  started_ = true;
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
  // The analysis runs per hop (~94 Hz) and this pump at ≤ 60 Hz: events are
  // detected by their counters moving, never by a per-hop flag we may skip.
  const bool beat = have_counts_ && frame.beat_count != last_beat_count_;
  const bool onset = have_counts_ && frame.onset_count != last_onset_count_;
  have_counts_ = true;
  last_beat_count_ = frame.beat_count;
  last_onset_count_ = frame.onset_count;

  auto& hub = context_->hub;
  const double ts = unix_seconds();
  if (hub.has_subscribers(kStreamAudioMeter)) hub.publish(kStreamAudioMeter, encode_audio_meter(frame, ts));
  if (hub.has_subscribers(kStreamDspEvent)) {
    hub.publish(kStreamDspEvent, encode_push(kStreamDspEvent, dsp_event_payload(frame, beat, onset), ts));
  }
  // A beat is an event: a slow client gets it late rather than never.
  if (beat && hub.has_subscribers(kStreamBeat)) {
    hub.publish(kStreamBeat, encode_push(kStreamBeat, beat_payload(frame), ts), PushClass::kEvent);
  }
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
