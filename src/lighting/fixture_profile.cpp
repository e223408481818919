#include "lumina/lighting/fixture_profile.hpp"

namespace lumina {
namespace {

constexpr std::array<std::string_view, kAttributeCount> kAttributeNames = {
    "dimmer", "red", "green", "blue", "white", "amber", "uv", "strobe", "pan", "tilt", "none"};

}  // namespace

std::string_view attribute_name(Attribute attribute) noexcept {
  return kAttributeNames[static_cast<std::size_t>(attribute)];
}

std::optional<Attribute> attribute_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kAttributeNames.size(); ++i) {
    if (kAttributeNames[i] == name) return static_cast<Attribute>(i);
  }
  return std::nullopt;
}

const std::vector<FixtureProfile>& builtin_profiles() {
  using A = Attribute;
  static const std::vector<FixtureProfile> profiles = {
      {"dimmer", {A::kDimmer}},
      {"rgb", {A::kRed, A::kGreen, A::kBlue}},
      {"rgbw", {A::kRed, A::kGreen, A::kBlue, A::kWhite}},
      {"rgbwau", {A::kRed, A::kGreen, A::kBlue, A::kWhite, A::kAmber, A::kUv}},
      {"drgbs", {A::kDimmer, A::kRed, A::kGreen, A::kBlue, A::kStrobe}},
      {"moving-head", {A::kPan, A::kTilt, A::kDimmer, A::kRed, A::kGreen, A::kBlue}},
  };
  return profiles;
}

}  // namespace lumina
