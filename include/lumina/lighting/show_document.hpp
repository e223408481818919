#pragma once
// The show as a document: patch (fixtures on universes), groups, optional
// custom profiles, scenes made of effects, the start and idle scenes and the
// classifier label → scene map. Parsed from JSON and validated whole: any
// problem throws ShowError naming the path ("scenes[1].effects[0].group:
// unknown group 'x'"), so a bad document never replaces a running show.
//
// JSON shape (every field but fixtures/scenes optional; defaults in brackets):
// {
//   "name": "Club rig",                              ["show"]
//   "profiles": {"my-par": ["dimmer","red","green","blue","strobe"]},
//   "fixtures": [{"id":"par1","name":"Par 1","profile":"rgb","universe":0,"address":1}],
//   "groups": {"pars": ["par1","par2"]},             ["all" = every fixture, implicit]
//   "scenes": [{"name":"groove","effects":[ ...effects... ]}],
//   "startScene": "groove",                          [first scene]
//   "idle": {"scene":"ambient","afterSec":3,"belowDb":-50},
//   "labels": {"speech":"calm"},
//   "beatsPerBar": 4
// }
// Effects ("group" names a group or a fixture id; ["all"]):
//   level   feature:"energy|rms|peak|kick|snare|hihat|onset|band:N" ["energy"],
//           attack [0.01 s], release [0.25 s], curve [1.0, exponent], floor [0], ceiling [1]
//   palette colors:["#rrggbb",...] (1..32), everyBeats [1], spread [true]
//   strobe  threshold [0.8, onset strength 0..1], durationMs [60]
//   chase   everyBeats [1], width [1], level [1]
//   pulse   trigger:"beat|onset|kick|snare|hihat" ["beat"], decay [0.3 s], level [1]
//   static  color:"#rrggbb", level: 0..1, values: {"pan":0.5,...}
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lumina/lighting/fixture_profile.hpp"

namespace lumina {

// A validation failure. what() is "<path>: <problem>".
class ShowError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Rgb {
  float r = 1.0F;
  float g = 1.0F;
  float b = 1.0F;
};

enum class EffectType : std::uint8_t { kLevel, kPalette, kStrobe, kChase, kPulse, kStatic };
enum class Feature : std::uint8_t { kEnergy, kRms, kPeak, kKick, kSnare, kHihat, kOnset, kBand };
enum class Trigger : std::uint8_t { kBeat, kOnset, kKick, kSnare, kHihat };

struct EffectSpec {
  EffectType type = EffectType::kStatic;
  std::string group = "all";
  // level
  Feature feature = Feature::kEnergy;
  std::uint32_t band = 0;  // Feature::kBand
  float attack_s = 0.01F;
  float release_s = 0.25F;
  float curve = 1.0F;
  float floor = 0.0F;
  float ceiling = 1.0F;
  // palette
  std::vector<Rgb> colors;
  std::uint32_t every_beats = 1;  // palette, chase
  bool spread = true;
  // strobe
  float threshold = 0.8F;
  float duration_ms = 60.0F;
  // chase, pulse, static
  std::uint32_t width = 1;
  float level = 1.0F;
  // pulse
  Trigger trigger = Trigger::kBeat;
  float decay_s = 0.3F;
  // static
  std::optional<Rgb> color;
  std::optional<float> static_level;
  std::vector<std::pair<Attribute, float>> values;
};

struct FixtureSpec {
  std::string id;
  std::string name;
  std::string profile;
  std::uint16_t universe = 0;  // 15-bit Art-Net port-address
  std::uint16_t address = 1;   // 1..512, first channel
};

struct SceneSpec {
  std::string name;
  std::vector<EffectSpec> effects;
};

struct IdleSpec {
  std::string scene;
  float after_s = 3.0F;
  float below_db = -50.0F;
};

struct ShowDocument {
  std::string name = "show";
  std::vector<FixtureProfile> profiles;  // built-ins followed by the show's own
  std::vector<FixtureSpec> fixtures;
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;  // includes "all"
  std::vector<SceneSpec> scenes;
  std::string start_scene;
  std::optional<IdleSpec> idle;
  std::vector<std::pair<std::string, std::string>> labels;  // classifier label → scene
  std::uint32_t beats_per_bar = 4;
  nlohmann::json source;  // the document as given (returned by show_get)

  // Index of the scene named `name`, or nullopt.
  [[nodiscard]] std::optional<std::uint32_t> scene_index(const std::string& name) const;
  [[nodiscard]] const FixtureProfile* profile(const std::string& name) const;
};

// Validates `json` whole and returns the show. Throws ShowError naming the
// first problem's path. Checks: types and ranges of every field, unknown
// keys, unique ids and names, known profiles and groups, fixtures that fit
// in 512 channels and do not overlap another fixture's channels, scenes
// referenced by startScene/idle/labels exist.
[[nodiscard]] ShowDocument parse_show(const nlohmann::json& json);

// Parses "#rrggbb" (or "rrggbb"); nullopt when malformed.
[[nodiscard]] std::optional<Rgb> parse_color(const std::string& text);

}  // namespace lumina
