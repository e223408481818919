#pragma once
// A show compiled for the DMX tick: flat arrays of fixtures, effects and
// scenes that refer to each other by index, with every buffer the tick writes
// sized here. compile_show runs on the control thread; the tick only reads the
// program and writes the buffers it owns, so it never allocates, looks up a
// string or follows a map.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lumina/lighting/dmx_types.hpp"
#include "lumina/lighting/fixture_profile.hpp"
#include "lumina/lighting/show_document.hpp"

namespace lumina {

struct ProgramFixture {
  std::uint32_t universe_slot = 0;  // index into ShowProgram::universes
  std::uint16_t offset = 0;         // first channel, 0-based
  std::uint8_t channel_count = 0;
  bool has_dimmer = false;  // colour channels carry colour only; the dimmer carries level
  std::array<Attribute, kMaxProfileChannels> channels{};
};

struct ProgramEffect {
  EffectType type = EffectType::kStatic;
  Feature feature = Feature::kEnergy;
  Trigger trigger = Trigger::kBeat;
  bool spread = true;
  bool has_color = false;
  bool has_level = false;
  std::uint32_t band = 0;
  std::uint32_t every_beats = 1;
  std::uint32_t width = 1;
  float attack_s = 0.01F;
  float release_s = 0.25F;
  float curve = 1.0F;
  float floor = 0.0F;
  float ceiling = 1.0F;
  float threshold = 0.8F;
  float duration_s = 0.06F;
  float level = 1.0F;
  float decay_s = 0.3F;
  Rgb color{};
  float static_level = 0.0F;
  std::uint32_t first_member = 0, member_count = 0;  // into ShowProgram::members
  std::uint32_t first_color = 0, color_count = 0;    // into ShowProgram::colors
  std::uint32_t first_value = 0, value_count = 0;    // into ShowProgram::values
};

struct ProgramScene {
  std::uint32_t first_effect = 0;
  std::uint32_t effect_count = 0;
};

struct AttributeValue {
  Attribute attribute = Attribute::kNone;
  float value = 0.0F;
};

struct ShowProgram {
  std::uint64_t generation = 0;  // increases with every show_set; names snapshots
  std::vector<std::uint16_t> universes;  // port-addresses the patch uses, ascending
  std::vector<ProgramFixture> fixtures;
  std::vector<std::uint32_t> members;  // fixture indices, per effect
  std::vector<Rgb> colors;
  std::vector<AttributeValue> values;
  std::vector<ProgramEffect> effects;
  std::vector<ProgramScene> scenes;
  std::vector<std::string> scene_names;  // control thread only (snapshots → names)
  std::uint32_t start_scene = 0;
  std::int32_t idle_scene = -1;  // -1: no idle scene
  float idle_after_s = 3.0F;
  float idle_below_db = -50.0F;
  std::uint32_t beats_per_bar = 4;
  std::vector<std::pair<std::string, std::uint32_t>> labels;  // control thread only
  // Per universe slot: whether the master dimmer scales each channel. Patched
  // position/strobe channels are exempt; unpatched channels (raw override
  // writes) are scaled, as the legacy UI's faders were dimmers.
  std::vector<std::array<bool, kDmxChannels>> master_mask;

  // Slot of `universe` in `universes`, or -1. RT-safe: binary search.
  [[nodiscard]] std::int32_t universe_slot(std::uint16_t universe) const noexcept;
};

// Compiles a validated document. Not RT-safe (allocates).
[[nodiscard]] std::unique_ptr<ShowProgram> compile_show(const ShowDocument& show, std::uint64_t generation);

}  // namespace lumina
