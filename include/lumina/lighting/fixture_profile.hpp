#pragma once
// Fixture profiles: the channel layout of a kind of light. A profile is an
// ordered list of attributes, one per DMX channel from the fixture's start
// address. luminad ships generic profiles; a show may add its own.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lumina {

// What one DMX channel of a fixture controls.
enum class Attribute : std::uint8_t {
  kDimmer,
  kRed,
  kGreen,
  kBlue,
  kWhite,
  kAmber,
  kUv,
  kStrobe,
  kPan,
  kTilt,
  kNone,  // a channel luminad leaves at 0 (macro, mode, ...)
};
inline constexpr std::size_t kAttributeCount = 11;
// The most channels one fixture may have in a profile.
inline constexpr std::size_t kMaxProfileChannels = 32;

// "dimmer", "red", ... ("none" for kNone). RT-safe: returns a literal.
[[nodiscard]] std::string_view attribute_name(Attribute attribute) noexcept;
// The attribute named `name`, or nullopt.
[[nodiscard]] std::optional<Attribute> attribute_from_name(std::string_view name) noexcept;
// Whether the master dimmer scales this attribute (light output, not position).
// RT-safe: pure.
[[nodiscard]] constexpr bool is_intensity_attribute(Attribute a) noexcept {
  return a == Attribute::kDimmer || a == Attribute::kRed || a == Attribute::kGreen || a == Attribute::kBlue ||
         a == Attribute::kWhite || a == Attribute::kAmber || a == Attribute::kUv;
}

struct FixtureProfile {
  std::string name;
  std::vector<Attribute> channels;
};

// The generic profiles shipped with luminad:
//   dimmer          dimmer
//   rgb             red green blue
//   rgbw            red green blue white
//   rgbwau          red green blue white amber uv
//   drgbs           dimmer red green blue strobe
//   moving-head     pan tilt dimmer red green blue
const std::vector<FixtureProfile>& builtin_profiles();

}  // namespace lumina
