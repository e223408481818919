#pragma once
// Evaluates one scene of a compiled show for one DMX tick: effects write
// fixture attributes (level, colour, flash, raw values), then each fixture's
// attributes are written into its channels of the universe buffers.
//
// Combining rules, in the scene's effect order:
//   level, chase, pulse, static level  → intensity = max (highest takes precedence)
//   palette, static colour             → colour = the last effect that sets it
//   static values                      → the attribute = the last value set
//   strobe                             → while a flash lasts: full white
// Channel mapping: dimmer = intensity; red/green/blue = colour, scaled by the
// intensity when the profile has no dimmer; white = the common part of the
// colour (min of r, g, b) unless set; amber, uv, strobe = set values or 0;
// pan, tilt = set values or centre (0.5).
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "lumina/dsp/analysis_frame.hpp"
#include "lumina/lighting/dmx_types.hpp"
#include "lumina/lighting/show_program.hpp"
#include "lumina/lighting/tick_events.hpp"

namespace lumina {

class ShowRenderer {
 public:
  // Not RT-safe: sizes every buffer the tick uses.
  explicit ShowRenderer(std::unique_ptr<ShowProgram> program);

  [[nodiscard]] const ShowProgram& program() const noexcept { return *program_; }

  // Renders `scene` (an index into program().scenes; out of range renders
  // nothing) into universes(). `dt_s` is the time since the previous tick.
  // RT-safe: no allocation, bounded loops over the program's arrays.
  void render(std::uint32_t scene, const AnalysisFrame& frame, const TickEvents& events, float dt_s,
              std::int64_t now_ns) noexcept;

  // One buffer per program().universes entry, as of the last render(); every
  // render() rewrites all of it (unpatched channels read 0).
  [[nodiscard]] std::span<const DmxUniverseData> universes() const noexcept { return universes_; }

 private:
  struct EffectState {
    float value = 0.0F;         // level envelope / pulse value
    std::int64_t until_ns = 0;  // strobe: flash ends
  };
  struct FixtureState {
    float intensity = 0.0F;
    Rgb color{};
    bool flash = false;
    std::array<float, kAttributeCount> value{};
    std::array<bool, kAttributeCount> value_set{};
  };

  void apply(const ProgramEffect& effect, EffectState& state, const AnalysisFrame& frame, const TickEvents& events,
             float dt_s, std::int64_t now_ns) noexcept;
  void write_channels() noexcept;

  std::unique_ptr<ShowProgram> program_;
  std::vector<EffectState> effect_state_;
  std::vector<FixtureState> fixture_state_;
  std::vector<DmxUniverseData> universes_;
};

// 0..1 → 0..255, rounded; out of range clamps, NaN → 0. RT-safe.
[[nodiscard]] std::uint8_t level_to_dmx(float value) noexcept;

}  // namespace lumina
