#include "lumina/lighting/show_program.hpp"

#include <algorithm>
#include <unordered_map>

namespace lumina {
namespace {

std::vector<std::uint32_t> members_of(const ShowDocument& show, const std::string& target,
                                      const std::unordered_map<std::string, std::uint32_t>& index) {
  std::vector<std::uint32_t> members;
  const auto index_of = [&](const std::string& id) { return index.at(id); };  // validated: always present
  for (const auto& [name, ids] : show.groups) {
    if (name != target) continue;
    for (const auto& id : ids) members.push_back(index_of(id));
    return members;
  }
  members.push_back(index_of(target));  // a single fixture named by id
  return members;
}

}  // namespace

std::int32_t ShowProgram::universe_slot(std::uint16_t universe) const noexcept {
  const auto it = std::lower_bound(universes.begin(), universes.end(), universe);
  if (it == universes.end() || *it != universe) return -1;
  return static_cast<std::int32_t>(it - universes.begin());
}

std::unique_ptr<ShowProgram> compile_show(const ShowDocument& show, std::uint64_t generation) {
  auto program = std::make_unique<ShowProgram>();
  program->generation = generation;
  for (const auto& f : show.fixtures) program->universes.push_back(f.universe);
  std::sort(program->universes.begin(), program->universes.end());
  program->universes.erase(std::unique(program->universes.begin(), program->universes.end()),
                           program->universes.end());
  program->master_mask.assign(program->universes.size(), {});
  for (auto& mask : program->master_mask) mask.fill(true);

  for (const auto& f : show.fixtures) {
    const FixtureProfile* profile = show.profile(f.profile);
    ProgramFixture fixture;
    fixture.universe_slot = static_cast<std::uint32_t>(program->universe_slot(f.universe));
    fixture.offset = static_cast<std::uint16_t>(f.address - 1);
    fixture.channel_count = static_cast<std::uint8_t>(profile->channels.size());
    for (std::size_t c = 0; c < profile->channels.size(); ++c) {
      fixture.channels[c] = profile->channels[c];
      if (profile->channels[c] == Attribute::kDimmer) fixture.has_dimmer = true;
      program->master_mask[fixture.universe_slot][fixture.offset + c] = is_intensity_attribute(profile->channels[c]);
    }
    program->fixtures.push_back(fixture);
  }

  std::unordered_map<std::string, std::uint32_t> fixture_index;
  for (std::size_t i = 0; i < show.fixtures.size(); ++i) fixture_index[show.fixtures[i].id] = static_cast<std::uint32_t>(i);
  for (const auto& scene : show.scenes) {
    ProgramScene compiled{static_cast<std::uint32_t>(program->effects.size()),
                          static_cast<std::uint32_t>(scene.effects.size())};
    for (const auto& e : scene.effects) {
      ProgramEffect effect;
      effect.type = e.type;
      effect.feature = e.feature;
      effect.trigger = e.trigger;
      effect.spread = e.spread;
      effect.band = e.band;
      effect.every_beats = e.every_beats;
      effect.width = e.width;
      effect.attack_s = e.attack_s;
      effect.release_s = e.release_s;
      effect.curve = e.curve;
      effect.floor = e.floor;
      effect.ceiling = e.ceiling;
      effect.threshold = e.threshold;
      effect.duration_s = e.duration_ms / 1000.0F;
      effect.level = e.level;
      effect.decay_s = e.decay_s;
      effect.has_color = e.color.has_value();
      if (e.color) effect.color = *e.color;
      effect.has_level = e.static_level.has_value();
      effect.static_level = e.static_level.value_or(0.0F);
      const auto members = members_of(show, e.group, fixture_index);
      effect.first_member = static_cast<std::uint32_t>(program->members.size());
      effect.member_count = static_cast<std::uint32_t>(members.size());
      program->members.insert(program->members.end(), members.begin(), members.end());
      effect.first_color = static_cast<std::uint32_t>(program->colors.size());
      effect.color_count = static_cast<std::uint32_t>(e.colors.size());
      program->colors.insert(program->colors.end(), e.colors.begin(), e.colors.end());
      effect.first_value = static_cast<std::uint32_t>(program->values.size());
      effect.value_count = static_cast<std::uint32_t>(e.values.size());
      for (const auto& [attribute, value] : e.values) program->values.push_back({attribute, value});
      program->effects.push_back(effect);
    }
    program->scenes.push_back(compiled);
    program->scene_names.push_back(scene.name);
  }
  program->start_scene = show.scene_index(show.start_scene).value_or(0);
  if (show.idle) {
    program->idle_scene = static_cast<std::int32_t>(show.scene_index(show.idle->scene).value_or(0));
    program->idle_after_s = show.idle->after_s;
    program->idle_below_db = show.idle->below_db;
  }
  program->beats_per_bar = show.beats_per_bar;
  for (const auto& [label, scene] : show.labels) {
    program->labels.emplace_back(label, show.scene_index(scene).value_or(0));
  }
  return program;
}

}  // namespace lumina
