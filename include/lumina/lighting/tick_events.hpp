#pragma once
// Turns the analysis frames the DMX thread polls into per-tick events. The
// frame carries counters (beats, onsets, per-band onsets since start), so an
// event that happened between two ticks is never lost, and it is reported on
// exactly one tick.
//
// Lead: when the lights must run ahead of the audio (a negative output
// latency offset, e.g. a PA delayed for the back of a hall), beats fire at the
// beat tracker's predicted time minus the lead instead of on detection; the
// detection of a beat already fired early is then absorbed, so each beat
// fires once. Level-following effects cannot be advanced (nobody knows the
// future loudness), only beat-locked ones.
#include <cstdint>

#include "lumina/dsp/analysis_frame.hpp"

namespace lumina {

// What happened since the previous tick.
struct TickEvents {
  bool beat = false;
  std::uint64_t beat_count = 0;  // beats fired so far, including this tick's
  bool onset = false;
  float onset_strength = 0.0F;  // 0..1 full-band onset strength of this tick's frame
  bool kick = false;
  bool snare = false;
  bool hihat = false;
};

class EventTracker {
 public:
  // Derives this tick's events from the latest frame. The first call only
  // records the counters (no burst of "events" from before the thread ran).
  // RT-safe: pure arithmetic on the frame.
  TickEvents update(const AnalysisFrame& frame, std::int64_t now_ns, std::int64_t lead_ns) noexcept;

 private:
  bool primed_ = false;
  std::uint64_t beats_seen_ = 0;  // frame.beat_count at the last update
  std::uint64_t onsets_seen_ = 0;
  std::uint64_t kicks_seen_ = 0;
  std::uint64_t snares_seen_ = 0;
  std::uint64_t hihats_seen_ = 0;
  std::uint64_t beats_fired_ = 0;
  std::uint64_t predicted_fired_ = 0;  // sample time of the last beat fired early, 0 = none
};

}  // namespace lumina
