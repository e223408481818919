#include "lumina/lighting/show_renderer.hpp"

#include <algorithm>
#include <cmath>

namespace lumina {
namespace {

// RT-safe: pure.
float feature_value(const ProgramEffect& effect, const AnalysisFrame& frame) noexcept {
  switch (effect.feature) {
    case Feature::kEnergy: return frame.energy;
    case Feature::kRms: return frame.rms;
    case Feature::kPeak: return frame.peak;
    case Feature::kKick: return frame.kick;
    case Feature::kSnare: return frame.snare;
    case Feature::kHihat: return frame.hihat;
    case Feature::kOnset: return frame.onset_strength;
    case Feature::kBand: return effect.band < frame.band_count ? frame.bands[effect.band] : 0.0F;
  }
  return 0.0F;
}

// RT-safe: pure.
bool triggered(Trigger trigger, const TickEvents& events) noexcept {
  switch (trigger) {
    case Trigger::kBeat: return events.beat;
    case Trigger::kOnset: return events.onset;
    case Trigger::kKick: return events.kick;
    case Trigger::kSnare: return events.snare;
    case Trigger::kHihat: return events.hihat;
  }
  return false;
}

// One-pole smoothing towards `target` with time constant `tau_s` (0 = jump).
// RT-safe: pure.
float follow(float current, float target, float tau_s, float dt_s) noexcept {
  if (tau_s <= 0.0F) return target;
  return current + (target - current) * (1.0F - std::exp(-dt_s / tau_s));
}

float clamp01(float v) noexcept { return std::isnan(v) ? 0.0F : std::clamp(v, 0.0F, 1.0F); }

}  // namespace

std::uint8_t level_to_dmx(float value) noexcept {
  return static_cast<std::uint8_t>(std::lround(clamp01(value) * 255.0F));
}

ShowRenderer::ShowRenderer(std::unique_ptr<ShowProgram> program)
    : program_(std::move(program)),
      effect_state_(program_->effects.size()),
      fixture_state_(program_->fixtures.size()),
      universes_(program_->universes.size()) {
  for (auto& u : universes_) u.fill(0);
}

// RT-safe: fixed arithmetic over the effect's members.
void ShowRenderer::apply(const ProgramEffect& e, EffectState& state, const AnalysisFrame& frame,
                         const TickEvents& events, float dt_s, std::int64_t now_ns) noexcept {
  const std::uint32_t* members = program_->members.data() + e.first_member;
  switch (e.type) {
    case EffectType::kLevel: {
      const float target = clamp01(feature_value(e, frame));
      state.value = follow(state.value, target, target > state.value ? e.attack_s : e.release_s, dt_s);
      const float shaped = std::pow(clamp01(state.value), e.curve);
      const float level = e.floor + (e.ceiling - e.floor) * shaped;
      for (std::uint32_t m = 0; m < e.member_count; ++m) {
        auto& f = fixture_state_[members[m]];
        f.intensity = std::max(f.intensity, level);
      }
      break;
    }
    case EffectType::kPalette: {
      // The step is a function of the beat count, so every palette in the rig
      // turns together and a scene switched in mid-song lands in step.
      const std::uint64_t step = events.beat_count / e.every_beats;
      for (std::uint32_t m = 0; m < e.member_count; ++m) {
        const std::uint64_t index = (step + (e.spread ? m : 0)) % e.color_count;
        fixture_state_[members[m]].color = program_->colors[e.first_color + index];
      }
      break;
    }
    case EffectType::kStrobe: {
      if (events.onset && events.onset_strength >= e.threshold) {
        state.until_ns = now_ns + static_cast<std::int64_t>(e.duration_s * 1e9F);
      }
      if (now_ns < state.until_ns) {
        for (std::uint32_t m = 0; m < e.member_count; ++m) fixture_state_[members[m]].flash = true;
      }
      break;
    }
    case EffectType::kChase: {
      if (e.member_count == 0) break;
      const std::uint64_t position = (events.beat_count / e.every_beats) % e.member_count;
      for (std::uint32_t m = 0; m < e.member_count; ++m) {
        // Lit when m lies in [position, position + width) around the ring.
        const std::uint64_t distance = (m + e.member_count - position) % e.member_count;
        if (distance < e.width) {
          auto& f = fixture_state_[members[m]];
          f.intensity = std::max(f.intensity, e.level);
        }
      }
      break;
    }
    case EffectType::kPulse: {
      state.value = triggered(e.trigger, events) ? e.level : state.value * std::exp(-dt_s / e.decay_s);
      for (std::uint32_t m = 0; m < e.member_count; ++m) {
        auto& f = fixture_state_[members[m]];
        f.intensity = std::max(f.intensity, state.value);
      }
      break;
    }
    case EffectType::kStatic: {
      for (std::uint32_t m = 0; m < e.member_count; ++m) {
        auto& f = fixture_state_[members[m]];
        if (e.has_color) f.color = e.color;
        if (e.has_level) f.intensity = std::max(f.intensity, e.static_level);
        for (std::uint32_t v = 0; v < e.value_count; ++v) {
          const AttributeValue& av = program_->values[e.first_value + v];
          f.value[static_cast<std::size_t>(av.attribute)] = av.value;
          f.value_set[static_cast<std::size_t>(av.attribute)] = true;
        }
      }
      break;
    }
  }
}

// RT-safe: writes each fixture's channels into the preallocated universes.
void ShowRenderer::write_channels() noexcept {
  for (std::size_t i = 0; i < program_->fixtures.size(); ++i) {
    const ProgramFixture& fixture = program_->fixtures[i];
    const FixtureState& s = fixture_state_[i];
    const float intensity = s.flash ? 1.0F : s.intensity;
    const Rgb color = s.flash ? Rgb{} : s.color;
    const float scale = fixture.has_dimmer ? 1.0F : intensity;
    DmxUniverseData& out = universes_[fixture.universe_slot];
    for (std::size_t c = 0; c < fixture.channel_count; ++c) {
      const Attribute a = fixture.channels[c];
      const auto ai = static_cast<std::size_t>(a);
      float v = 0.0F;
      switch (a) {
        case Attribute::kDimmer: v = intensity; break;
        case Attribute::kRed: v = color.r * scale; break;
        case Attribute::kGreen: v = color.g * scale; break;
        case Attribute::kBlue: v = color.b * scale; break;
        case Attribute::kWhite: v = std::min({color.r, color.g, color.b}) * scale; break;
        case Attribute::kPan:
        case Attribute::kTilt: v = 0.5F; break;
        case Attribute::kAmber:
        case Attribute::kUv:
        case Attribute::kStrobe:
        case Attribute::kNone: v = 0.0F; break;
      }
      // A set value wins, but intensity-like values still follow the level
      // on fixtures without a dimmer (a static white of 1 on an RGBW par).
      if (a != Attribute::kNone && s.value_set[ai]) {
        v = s.value[ai] * (is_intensity_attribute(a) && a != Attribute::kDimmer ? scale : 1.0F);
      }
      out[fixture.offset + c] = level_to_dmx(v);
    }
  }
}

void ShowRenderer::render(std::uint32_t scene, const AnalysisFrame& frame, const TickEvents& events, float dt_s,
                          std::int64_t now_ns) noexcept {
  for (auto& f : fixture_state_) f = FixtureState{};
  for (auto& u : universes_) u.fill(0);
  if (scene < program_->scenes.size()) {
    const ProgramScene& s = program_->scenes[scene];
    for (std::uint32_t k = 0; k < s.effect_count; ++k) {
      const std::uint32_t index = s.first_effect + k;
      apply(program_->effects[index], effect_state_[index], frame, events, dt_s, now_ns);
    }
  }
  write_channels();
}

}  // namespace lumina
