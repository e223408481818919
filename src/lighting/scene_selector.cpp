#include "lumina/lighting/scene_selector.hpp"

namespace lumina {

void SceneSelector::reset(std::uint32_t scene_count, std::uint32_t selected, const IdleRule& idle,
                          std::uint32_t beats_per_bar) noexcept {
  scene_count_ = scene_count;
  selected_ = selected < scene_count ? selected : 0;
  active_ = selected_;
  pending_ = -1;
  label_scene_ = -1;
  idle_ = idle;
  if (idle_.scene >= static_cast<std::int32_t>(scene_count)) idle_.scene = -1;
  beats_per_bar_ = beats_per_bar == 0 ? 1 : beats_per_bar;
}

void SceneSelector::select(std::uint32_t scene, SwitchWhen when, std::int64_t now_ns) noexcept {
  if (scene >= scene_count_) return;
  if (when == SwitchWhen::kNow) {
    selected_ = scene;
    pending_ = -1;
    return;
  }
  pending_ = static_cast<std::int32_t>(scene);
  pending_when_ = when;
  pending_since_ns_ = now_ns;
}

void SceneSelector::set_label_scene(std::int32_t scene) noexcept {
  label_scene_ = scene >= 0 && scene < static_cast<std::int32_t>(scene_count_) ? scene : -1;
}

std::uint32_t SceneSelector::update(const TickEvents& events, float level_db, float bpm,
                                    std::int64_t now_ns) noexcept {
  if (pending_ >= 0) {
    const bool on_beat = events.beat;
    const bool on_bar = events.beat && events.beat_count % beats_per_bar_ == 0;
    const std::uint32_t beats = pending_when_ == SwitchWhen::kBar ? beats_per_bar_ : 1;
    const double beat_s = bpm > 0.0F ? 60.0 / static_cast<double>(bpm) : 1.0;
    const auto give_up_ns = static_cast<std::int64_t>((beats * beat_s + 1.0) * 1e9);
    const bool due = pending_when_ == SwitchWhen::kBar ? on_bar : on_beat;
    if (due || now_ns - pending_since_ns_ >= give_up_ns) {
      selected_ = static_cast<std::uint32_t>(pending_);
      pending_ = -1;
    }
  }

  if (idle_.scene >= 0 && level_db < idle_.below_db) {
    if (quiet_since_ns_ < 0) quiet_since_ns_ = now_ns;
    idle_active_ = static_cast<double>(now_ns - quiet_since_ns_) >= static_cast<double>(idle_.after_s) * 1e9;
  } else {
    quiet_since_ns_ = -1;
    idle_active_ = false;
  }

  if (idle_active_) {
    active_ = static_cast<std::uint32_t>(idle_.scene);
  } else if (label_scene_ >= 0) {
    active_ = static_cast<std::uint32_t>(label_scene_);
  } else {
    active_ = selected_;
  }
  return active_;
}

}  // namespace lumina
