#include "lumina/lighting/show_document.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>

#include "lumina/lighting/artdmx.hpp"
#include "lumina/lighting/dmx_types.hpp"

namespace lumina {
namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxFixtures = 16384;
constexpr std::size_t kMaxScenes = 256;
constexpr std::size_t kMaxEffectsPerScene = 64;
constexpr std::size_t kMaxPaletteColors = 32;
constexpr std::size_t kMaxNameLength = 64;

[[noreturn]] void fail(const std::string& path, const std::string& problem) { throw ShowError(path + ": " + problem); }

std::string type_name(const Json& value) {
  if (value.is_number_integer()) return "an integer";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_array()) return "an array";
  if (value.is_object()) return "an object";
  return "null";
}

// Rejects keys outside `allowed` so a typo ("atack") is an error, not a silent default.
void check_keys(const Json& object, const std::string& path, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (const std::string_view k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
      fail(path + "." + key, "unknown key (expected one of: " + list + ")");
    }
  }
}

const Json& require_object(const Json& value, const std::string& path) {
  if (!value.is_object()) fail(path, "expected an object, got " + type_name(value));
  return value;
}

const Json& require_array(const Json& value, const std::string& path) {
  if (!value.is_array()) fail(path, "expected an array, got " + type_name(value));
  return value;
}

std::string require_name(const Json& value, const std::string& path) {
  if (!value.is_string()) fail(path, "expected a string, got " + type_name(value));
  const auto text = value.get<std::string>();
  if (text.empty()) fail(path, "must not be empty");
  if (text.size() > kMaxNameLength) fail(path, "longer than " + std::to_string(kMaxNameLength) + " characters");
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20) fail(path, "contains a control character");
  }
  return text;
}

std::string format_number(double value) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%g", value);
  return text.data();
}

float number_in(const Json& object, const char* key, const std::string& path, float fallback, double lo, double hi) {
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  const std::string p = path + "." + key;
  if (!it->is_number()) fail(p, "expected a number, got " + type_name(*it));
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < lo || v > hi) {
    fail(p, "expected a number in " + format_number(lo) + ".." + format_number(hi) + ", got " + it->dump());
  }
  return static_cast<float>(v);
}

std::uint32_t integer_in(const Json& object, const char* key, const std::string& path, std::uint32_t fallback,
                         std::int64_t lo, std::int64_t hi) {
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  const std::string p = path + "." + key;
  if (!it->is_number_integer()) fail(p, "expected an integer, got " + type_name(*it));
  const auto v = it->get<std::int64_t>();
  if (v < lo || v > hi) fail(p, "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + it->dump());
  return static_cast<std::uint32_t>(v);
}

bool boolean(const Json& object, const char* key, const std::string& path, bool fallback) {
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (!it->is_boolean()) fail(path + "." + key, "expected a boolean, got " + type_name(*it));
  return it->get<bool>();
}

Rgb require_color(const Json& value, const std::string& path) {
  if (!value.is_string()) fail(path, "expected a colour string \"#rrggbb\", got " + type_name(value));
  const auto color = parse_color(value.get<std::string>());
  if (!color) fail(path, "expected a colour \"#rrggbb\", got " + value.dump());
  return *color;
}

Feature parse_feature(const std::string& text, const std::string& path, std::uint32_t& band) {
  static constexpr std::array<std::pair<std::string_view, Feature>, 7> kNames = {{{"energy", Feature::kEnergy},
                                                                                  {"rms", Feature::kRms},
                                                                                  {"peak", Feature::kPeak},
                                                                                  {"kick", Feature::kKick},
                                                                                  {"snare", Feature::kSnare},
                                                                                  {"hihat", Feature::kHihat},
                                                                                  {"onset", Feature::kOnset}}};
  for (const auto& [name, feature] : kNames) {
    if (text == name) return feature;
  }
  if (text.rfind("band:", 0) == 0) {
    const std::string digits = text.substr(5);
    if (!digits.empty() && digits.size() <= 2 && std::all_of(digits.begin(), digits.end(), ::isdigit)) {
      band = static_cast<std::uint32_t>(std::stoul(digits));
      if (band < 64) return Feature::kBand;
    }
    fail(path, "band index must be 0..63, got '" + text + "'");
  }
  fail(path, "unknown feature '" + text + "' (expected energy, rms, peak, kick, snare, hihat, onset or band:N)");
}

Trigger parse_trigger(const std::string& text, const std::string& path) {
  if (text == "beat") return Trigger::kBeat;
  if (text == "onset") return Trigger::kOnset;
  if (text == "kick") return Trigger::kKick;
  if (text == "snare") return Trigger::kSnare;
  if (text == "hihat") return Trigger::kHihat;
  fail(path, "unknown trigger '" + text + "' (expected beat, onset, kick, snare or hihat)");
}

std::string string_field(const Json& object, const char* key, const std::string& path, const std::string& fallback) {
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (!it->is_string()) fail(path + "." + key, "expected a string, got " + type_name(*it));
  return it->get<std::string>();
}

EffectSpec parse_effect(const Json& json, const std::string& path,
                        const std::set<std::string>& targets) {
  require_object(json, path);
  EffectSpec e;
  const auto type_it = json.find("type");
  if (type_it == json.end()) fail(path + ".type", "missing (expected level, palette, strobe, chase, pulse or static)");
  if (!type_it->is_string()) fail(path + ".type", "expected a string, got " + type_name(*type_it));
  const auto type = type_it->get<std::string>();
  e.group = string_field(json, "group", path, "all");
  if (targets.count(e.group) == 0) fail(path + ".group", "unknown group or fixture '" + e.group + "'");

  if (type == "level") {
    check_keys(json, path, {"type", "group", "feature", "attack", "release", "curve", "floor", "ceiling"});
    e.type = EffectType::kLevel;
    e.feature = parse_feature(string_field(json, "feature", path, "energy"), path + ".feature", e.band);
    e.attack_s = number_in(json, "attack", path, 0.01F, 0.0, 10.0);
    e.release_s = number_in(json, "release", path, 0.25F, 0.0, 30.0);
    e.curve = number_in(json, "curve", path, 1.0F, 0.1, 10.0);
    e.floor = number_in(json, "floor", path, 0.0F, 0.0, 1.0);
    e.ceiling = number_in(json, "ceiling", path, 1.0F, 0.0, 1.0);
    if (e.floor > e.ceiling) fail(path + ".floor", "must not exceed ceiling");
  } else if (type == "palette") {
    check_keys(json, path, {"type", "group", "colors", "everyBeats", "spread"});
    e.type = EffectType::kPalette;
    const auto it = json.find("colors");
    if (it == json.end()) fail(path + ".colors", "missing (expected 1..32 colours \"#rrggbb\")");
    require_array(*it, path + ".colors");
    if (it->empty() || it->size() > kMaxPaletteColors) fail(path + ".colors", "expected 1..32 colours");
    for (std::size_t i = 0; i < it->size(); ++i) {
      e.colors.push_back(require_color((*it)[i], path + ".colors[" + std::to_string(i) + "]"));
    }
    e.every_beats = integer_in(json, "everyBeats", path, 1, 1, 64);
    e.spread = boolean(json, "spread", path, true);
  } else if (type == "strobe") {
    check_keys(json, path, {"type", "group", "threshold", "durationMs"});
    e.type = EffectType::kStrobe;
    e.threshold = number_in(json, "threshold", path, 0.8F, 0.0, 1.0);
    e.duration_ms = number_in(json, "durationMs", path, 60.0F, 10.0, 1000.0);
  } else if (type == "chase") {
    check_keys(json, path, {"type", "group", "everyBeats", "width", "level"});
    e.type = EffectType::kChase;
    e.every_beats = integer_in(json, "everyBeats", path, 1, 1, 64);
    e.width = integer_in(json, "width", path, 1, 1, 4096);
    e.level = number_in(json, "level", path, 1.0F, 0.0, 1.0);
  } else if (type == "pulse") {
    check_keys(json, path, {"type", "group", "trigger", "decay", "level"});
    e.type = EffectType::kPulse;
    e.trigger = parse_trigger(string_field(json, "trigger", path, "beat"), path + ".trigger");
    e.decay_s = number_in(json, "decay", path, 0.3F, 0.01, 10.0);
    e.level = number_in(json, "level", path, 1.0F, 0.0, 1.0);
  } else if (type == "static") {
    check_keys(json, path, {"type", "group", "color", "level", "values"});
    e.type = EffectType::kStatic;
    if (const auto it = json.find("color"); it != json.end()) e.color = require_color(*it, path + ".color");
    if (json.contains("level")) e.static_level = number_in(json, "level", path, 1.0F, 0.0, 1.0);
    if (const auto it = json.find("values"); it != json.end()) {
      require_object(*it, path + ".values");
      for (const auto& [key, value] : it->items()) {
        const std::string p = path + ".values." + key;
        const auto attribute = attribute_from_name(key);
        if (!attribute || *attribute == Attribute::kNone) fail(p, "unknown attribute");
        if (!value.is_number()) fail(p, "expected a number 0..1, got " + type_name(value));
        const double v = value.get<double>();
        if (!(v >= 0.0 && v <= 1.0)) fail(p, "expected 0..1, got " + value.dump());
        e.values.emplace_back(*attribute, static_cast<float>(v));
      }
    }
    if (!e.color && !e.static_level && e.values.empty()) fail(path, "a static effect needs color, level or values");
  } else {
    fail(path + ".type", "unknown effect type '" + type + "' (expected level, palette, strobe, chase, pulse or static)");
  }
  return e;
}

void parse_profiles(const Json& json, ShowDocument& show) {
  show.profiles = builtin_profiles();
  const auto it = json.find("profiles");
  if (it == json.end()) return;
  require_object(*it, "profiles");
  for (const auto& [name, channels] : it->items()) {
    const std::string path = "profiles." + name;
    require_name(Json(name), path);
    if (show.profile(name) != nullptr) fail(path, "a profile named '" + name + "' already exists");
    require_array(channels, path);
    if (channels.empty() || channels.size() > kMaxProfileChannels) {
      fail(path, "expected 1.." + std::to_string(kMaxProfileChannels) + " channel attributes");
    }
    FixtureProfile profile{name, {}};
    for (std::size_t i = 0; i < channels.size(); ++i) {
      const std::string p = path + "[" + std::to_string(i) + "]";
      if (!channels[i].is_string()) fail(p, "expected an attribute name, got " + type_name(channels[i]));
      const auto attribute = attribute_from_name(channels[i].get<std::string>());
      if (!attribute) {
        fail(p, "unknown attribute " + channels[i].dump() +
                    " (expected dimmer, red, green, blue, white, amber, uv, strobe, pan, tilt or none)");
      }
      profile.channels.push_back(*attribute);
    }
    show.profiles.push_back(std::move(profile));
  }
}

void parse_fixtures(const Json& json, ShowDocument& show) {
  const auto it = json.find("fixtures");
  if (it == json.end()) fail("fixtures", "missing (expected an array of fixtures)");
  require_array(*it, "fixtures");
  if (it->size() > kMaxFixtures) fail("fixtures", "more than " + std::to_string(kMaxFixtures) + " fixtures");
  std::set<std::string> ids;
  // Channels already taken, per universe, to catch overlapping patches.
  std::map<std::uint16_t, std::vector<int>> taken;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const std::string path = "fixtures[" + std::to_string(i) + "]";
    const Json& f = require_object((*it)[i], path);
    check_keys(f, path, {"id", "name", "profile", "universe", "address"});
    FixtureSpec fixture;
    if (!f.contains("id")) fail(path + ".id", "missing");
    fixture.id = require_name(f["id"], path + ".id");
    if (fixture.id == "all") fail(path + ".id", "'all' is reserved for the group of every fixture");
    if (!ids.insert(fixture.id).second) fail(path + ".id", "duplicate fixture id '" + fixture.id + "'");
    fixture.name = f.contains("name") ? require_name(f["name"], path + ".name") : fixture.id;
    if (!f.contains("profile")) fail(path + ".profile", "missing");
    fixture.profile = require_name(f["profile"], path + ".profile");
    const FixtureProfile* profile = show.profile(fixture.profile);
    if (profile == nullptr) {
      std::string known;
      for (const auto& p : show.profiles) known += (known.empty() ? "" : ", ") + p.name;
      fail(path + ".profile", "unknown profile '" + fixture.profile + "' (known: " + known + ")");
    }
    fixture.universe = static_cast<std::uint16_t>(integer_in(f, "universe", path, 0, 0, kArtNetMaxPortAddress));
    if (!f.contains("address")) fail(path + ".address", "missing (expected 1..512)");
    fixture.address = static_cast<std::uint16_t>(integer_in(f, "address", path, 1, 1, kDmxChannels));
    const int first = fixture.address;
    const int last = first + static_cast<int>(profile->channels.size()) - 1;
    if (last > static_cast<int>(kDmxChannels)) {
      fail(path + ".address", "profile '" + profile->name + "' needs " + std::to_string(profile->channels.size()) +
                                  " channels: address " + std::to_string(first) + " runs past channel 512");
    }
    // Owner of each channel per universe, so an overlap names both fixtures.
    auto& owners = taken[fixture.universe];
    if (owners.empty()) owners.assign(kDmxChannels, -1);
    for (int ch = first; ch <= last; ++ch) {
      const int owner = owners[static_cast<std::size_t>(ch - 1)];
      if (owner >= 0) {
        fail(path + ".address", "channels " + std::to_string(first) + ".." + std::to_string(last) + " of universe " +
                                    std::to_string(fixture.universe) + " overlap fixture '" +
                                    show.fixtures[static_cast<std::size_t>(owner)].id + "' (channel " +
                                    std::to_string(ch) + ")");
      }
    }
    for (int ch = first; ch <= last; ++ch) owners[static_cast<std::size_t>(ch - 1)] = static_cast<int>(i);
    show.fixtures.push_back(std::move(fixture));
  }
}

void parse_groups(const Json& json, ShowDocument& show) {
  std::vector<std::string> all;
  std::set<std::string> known;
  for (const auto& f : show.fixtures) {
    all.push_back(f.id);
    known.insert(f.id);
  }
  show.groups.emplace_back("all", std::move(all));
  const auto it = json.find("groups");
  if (it == json.end()) return;
  require_object(*it, "groups");
  for (const auto& [name, members] : it->items()) {
    const std::string path = "groups." + name;
    require_name(Json(name), path);
    if (name == "all") fail(path, "'all' is implicit (every fixture) and cannot be redefined");
    if (known.count(name) != 0) {
      fail(path, "a fixture already has the id '" + name + "'");
    }
    require_array(members, path);
    std::vector<std::string> ids;
    std::set<std::string> listed;
    for (std::size_t i = 0; i < members.size(); ++i) {
      const std::string p = path + "[" + std::to_string(i) + "]";
      if (!members[i].is_string()) fail(p, "expected a fixture id, got " + type_name(members[i]));
      const auto id = members[i].get<std::string>();
      if (known.count(id) == 0) fail(p, "unknown fixture '" + id + "'");
      if (!listed.insert(id).second) fail(p, "fixture '" + id + "' listed twice");
      ids.push_back(id);
    }
    show.groups.emplace_back(name, std::move(ids));
  }
}

void parse_scenes(const Json& json, ShowDocument& show) {
  const auto it = json.find("scenes");
  if (it == json.end()) fail("scenes", "missing (expected an array of scenes)");
  require_array(*it, "scenes");
  if (it->empty() || it->size() > kMaxScenes) fail("scenes", "expected 1.." + std::to_string(kMaxScenes) + " scenes");
  std::set<std::string> targets;
  for (const auto& [name, members] : show.groups) targets.insert(name);
  for (const auto& f : show.fixtures) targets.insert(f.id);
  for (std::size_t i = 0; i < it->size(); ++i) {
    const std::string path = "scenes[" + std::to_string(i) + "]";
    const Json& s = require_object((*it)[i], path);
    check_keys(s, path, {"name", "effects"});
    SceneSpec scene;
    if (!s.contains("name")) fail(path + ".name", "missing");
    scene.name = require_name(s["name"], path + ".name");
    if (show.scene_index(scene.name)) fail(path + ".name", "duplicate scene name '" + scene.name + "'");
    if (const auto e = s.find("effects"); e != s.end()) {
      require_array(*e, path + ".effects");
      if (e->size() > kMaxEffectsPerScene) {
        fail(path + ".effects", "more than " + std::to_string(kMaxEffectsPerScene) + " effects");
      }
      for (std::size_t k = 0; k < e->size(); ++k) {
        scene.effects.push_back(parse_effect((*e)[k], path + ".effects[" + std::to_string(k) + "]", targets));
      }
    }
    show.scenes.push_back(std::move(scene));
  }
}

std::string require_scene(const ShowDocument& show, const Json& value, const std::string& path) {
  const std::string name = require_name(value, path);
  if (!show.scene_index(name)) fail(path, "unknown scene '" + name + "'");
  return name;
}

}  // namespace

std::optional<std::uint32_t> ShowDocument::scene_index(const std::string& scene_name) const {
  for (std::size_t i = 0; i < scenes.size(); ++i) {
    if (scenes[i].name == scene_name) return static_cast<std::uint32_t>(i);
  }
  return std::nullopt;
}

const FixtureProfile* ShowDocument::profile(const std::string& profile_name) const {
  for (const auto& p : profiles) {
    if (p.name == profile_name) return &p;
  }
  return nullptr;
}

std::optional<Rgb> parse_color(const std::string& text) {
  std::string_view hex = text;
  if (!hex.empty() && hex.front() == '#') hex.remove_prefix(1);
  if (hex.size() != 6) return std::nullopt;
  std::array<float, 3> rgb{};
  for (std::size_t i = 0; i < 3; ++i) {
    unsigned value = 0;
    for (std::size_t k = 0; k < 2; ++k) {
      const char c = hex[i * 2 + k];
      unsigned digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<unsigned>(c - 'A' + 10);
      } else {
        return std::nullopt;
      }
      value = value * 16 + digit;
    }
    rgb[i] = static_cast<float>(value) / 255.0F;
  }
  return Rgb{rgb[0], rgb[1], rgb[2]};
}

ShowDocument parse_show(const nlohmann::json& json) {
  if (!json.is_object()) fail("show", "expected an object, got " + type_name(json));
  check_keys(json, "show",
             {"name", "profiles", "fixtures", "groups", "scenes", "startScene", "idle", "labels", "beatsPerBar"});
  ShowDocument show;
  if (json.contains("name")) show.name = require_name(json["name"], "name");
  parse_profiles(json, show);
  parse_fixtures(json, show);
  parse_groups(json, show);
  parse_scenes(json, show);
  show.start_scene = json.contains("startScene") ? require_scene(show, json["startScene"], "startScene")
                                                 : show.scenes.front().name;
  if (const auto it = json.find("idle"); it != json.end() && !it->is_null()) {
    require_object(*it, "idle");
    check_keys(*it, "idle", {"scene", "afterSec", "belowDb"});
    IdleSpec idle;
    if (!it->contains("scene")) fail("idle.scene", "missing");
    idle.scene = require_scene(show, (*it)["scene"], "idle.scene");
    idle.after_s = number_in(*it, "afterSec", "idle", 3.0F, 0.1, 3600.0);
    idle.below_db = number_in(*it, "belowDb", "idle", -50.0F, -120.0, 0.0);
    show.idle = idle;
  }
  if (const auto it = json.find("labels"); it != json.end()) {
    require_object(*it, "labels");
    for (const auto& [label, scene] : it->items()) {
      show.labels.emplace_back(label, require_scene(show, scene, "labels." + label));
    }
  }
  show.beats_per_bar = integer_in(json, "beatsPerBar", "show", 4, 1, 16);
  show.source = json;
  return show;
}

}  // namespace lumina
