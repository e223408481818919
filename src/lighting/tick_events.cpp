#include "lumina/lighting/tick_events.hpp"

namespace lumina {

TickEvents EventTracker::update(const AnalysisFrame& frame, std::int64_t now_ns, std::int64_t lead_ns) noexcept {
  TickEvents events;
  if (!primed_) {
    primed_ = true;
    beats_seen_ = frame.beat_count;
    onsets_seen_ = frame.onset_count;
    kicks_seen_ = frame.kick_count;
    snares_seen_ = frame.snare_count;
    hihats_seen_ = frame.hihat_count;
    events.beat_count = beats_fired_;
    return events;
  }
  // Counters only grow; a smaller value means the analysis restarted (new
  // parameters): resynchronise without inventing events.
  const auto advanced = [](std::uint64_t now, std::uint64_t& seen) {
    const bool fired = now > seen;
    seen = now;
    return fired;
  };
  const bool detected_beat = advanced(frame.beat_count, beats_seen_);
  events.onset = advanced(frame.onset_count, onsets_seen_);
  events.kick = advanced(frame.kick_count, kicks_seen_);
  events.snare = advanced(frame.snare_count, snares_seen_);
  events.hihat = advanced(frame.hihat_count, hihats_seen_);
  events.onset_strength = frame.onset_strength;

  bool beat = false;
  if (lead_ns > 0 && frame.next_beat_time != 0 && frame.sample_rate != 0 && frame.captured_ns > 0 &&
      frame.next_beat_time > frame.sample_time) {
    // When, on the monotonic clock, the predicted beat will be heard.
    const double ahead_s =
        static_cast<double>(frame.next_beat_time - frame.sample_time) / static_cast<double>(frame.sample_rate);
    const auto predicted_ns = frame.captured_ns + static_cast<std::int64_t>(ahead_s * 1e9);
    if (now_ns + lead_ns >= predicted_ns && frame.next_beat_time != predicted_fired_) {
      predicted_fired_ = frame.next_beat_time;
      beat = true;
    }
  }
  if (detected_beat && !beat) {
    // Absorb the detection of a beat that already fired early (within half a
    // beat of the prediction); fire the ones the prediction missed.
    const double half_beat_samples =
        frame.bpm > 0.0F ? 30.0 * static_cast<double>(frame.sample_rate) / static_cast<double>(frame.bpm) : 0.0;
    const bool already_fired =
        predicted_fired_ != 0 &&
        static_cast<double>(frame.last_beat_time > predicted_fired_ ? frame.last_beat_time - predicted_fired_
                                                                    : predicted_fired_ - frame.last_beat_time) <=
            half_beat_samples;
    beat = !already_fired;
  }
  if (beat) ++beats_fired_;
  events.beat = beat;
  events.beat_count = beats_fired_;
  return events;
}

}  // namespace lumina
