#pragma once
// Decides which scene the DMX tick renders. Three sources, highest first:
//   1. idle: the show's idle scene once the level has stayed below idle.belowDb
//      for idle.afterSec (released as soon as sound returns);
//   2. label: the scene the show maps the classifier's current label to;
//   3. selected: the operator's choice (scene_select), switched now, on the
//      next beat, or on the next bar (a beat whose count is a multiple of
//      beatsPerBar; luminad does not know where the downbeat is, so bars are
//      counted from the start of analysis).
// A quantised switch that finds no beat (silence, beatless material) happens
// anyway after the time the beat or bar should have taken plus one second.
#include <cstdint>

#include "lumina/lighting/tick_events.hpp"

namespace lumina {

enum class SwitchWhen : std::uint8_t { kNow, kBeat, kBar };

struct IdleRule {
  std::int32_t scene = -1;  // -1: no idle scene
  float after_s = 3.0F;
  float below_db = -50.0F;
};

class SceneSelector {
 public:
  // A new show: scene indices are checked against `scene_count`; `selected`
  // carries the operator's scene over when the new show still has it.
  // RT-safe: plain assignments.
  void reset(std::uint32_t scene_count, std::uint32_t selected, const IdleRule& idle,
             std::uint32_t beats_per_bar) noexcept;
  // RT-safe. Out-of-range scenes are ignored.
  void select(std::uint32_t scene, SwitchWhen when, std::int64_t now_ns) noexcept;
  // RT-safe. -1 (or out of range) clears the label's scene.
  void set_label_scene(std::int32_t scene) noexcept;
  // Advances one tick and returns the scene to render. RT-safe.
  std::uint32_t update(const TickEvents& events, float level_db, float bpm, std::int64_t now_ns) noexcept;

  [[nodiscard]] std::uint32_t selected() const noexcept { return selected_; }
  [[nodiscard]] std::uint32_t active() const noexcept { return active_; }
  [[nodiscard]] bool has_pending() const noexcept { return pending_ >= 0; }
  [[nodiscard]] std::int32_t pending() const noexcept { return pending_; }
  [[nodiscard]] SwitchWhen pending_when() const noexcept { return pending_when_; }
  [[nodiscard]] bool idle() const noexcept { return idle_active_; }
  [[nodiscard]] std::int32_t label_scene() const noexcept { return label_scene_; }

 private:
  std::uint32_t scene_count_ = 0;
  std::uint32_t selected_ = 0;
  std::uint32_t active_ = 0;
  std::int32_t pending_ = -1;
  SwitchWhen pending_when_ = SwitchWhen::kNow;
  std::int64_t pending_since_ns_ = 0;
  std::int32_t label_scene_ = -1;
  IdleRule idle_{};
  std::uint32_t beats_per_bar_ = 4;
  std::int64_t quiet_since_ns_ = -1;  // -1: not quiet
  bool idle_active_ = false;
};

}  // namespace lumina
