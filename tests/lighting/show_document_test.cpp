// Show documents: parsing, defaults and the precise errors a bad document gets.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "lumina/lighting/show_document.hpp"

namespace lumina {
namespace {

using Json = nlohmann::json;

Json minimal_show() {
  return Json::parse(R"({
    "fixtures": [{"id":"p1","profile":"rgb","address":1}, {"id":"p2","profile":"rgb","address":4}],
    "groups": {"pars": ["p1","p2"]},
    "scenes": [{"name":"a","effects":[{"type":"level","group":"pars","feature":"kick"}]},
               {"name":"b","effects":[]}]
  })");
}

std::string error_of(const Json& json) {
  try {
    (void)parse_show(json);
  } catch (const ShowError& e) {
    return e.what();
  }
  return "";
}

TEST(ShowDocument, ParsesAMinimalShowWithDefaults) {
  const ShowDocument show = parse_show(minimal_show());
  EXPECT_EQ(show.fixtures.size(), 2U);
  EXPECT_EQ(show.fixtures[1].address, 4);
  EXPECT_EQ(show.fixtures[1].name, "p2");  // name defaults to the id
  EXPECT_EQ(show.start_scene, "a");        // first scene
  ASSERT_EQ(show.groups.size(), 2U);
  EXPECT_EQ(show.groups[0].first, "all");
  EXPECT_EQ(show.groups[0].second.size(), 2U);
  const EffectSpec& level = show.scenes[0].effects[0];
  EXPECT_EQ(level.type, EffectType::kLevel);
  EXPECT_EQ(level.feature, Feature::kKick);
  EXPECT_FLOAT_EQ(level.release_s, 0.25F);
  EXPECT_EQ(show.beats_per_bar, 4U);
  EXPECT_EQ(show.source, minimal_show());
}

TEST(ShowDocument, ShippedDefaultShowIsValid) {
  std::ifstream in(LUMINA_SOURCE_DIR "/config/show.json");
  ASSERT_TRUE(in) << "config/show.json missing";
  std::stringstream text;
  text << in.rdbuf();
  const ShowDocument show = parse_show(Json::parse(text.str()));
  EXPECT_GE(show.fixtures.size(), 4U);
  EXPECT_GE(show.scenes.size(), 3U);
  EXPECT_TRUE(show.idle.has_value());
}

TEST(ShowDocument, ErrorsNameThePathAndTheExpectation) {
  Json j = minimal_show();
  j["scenes"][0]["effects"][0]["group"] = "nope";
  EXPECT_EQ(error_of(j), "scenes[0].effects[0].group: unknown group or fixture 'nope'");

  j = minimal_show();
  j["scenes"][0]["effects"][0]["atack"] = 0.1;
  EXPECT_NE(error_of(j).find("scenes[0].effects[0].atack: unknown key"), std::string::npos) << error_of(j);

  j = minimal_show();
  j["scenes"][0]["effects"][0]["release"] = -1;
  EXPECT_EQ(error_of(j), "scenes[0].effects[0].release: expected a number in 0..30, got -1");

  j = minimal_show();
  j["fixtures"][1]["address"] = 3;  // p1 takes 1..3
  EXPECT_NE(error_of(j).find("fixtures[1].address: channels 3..5 of universe 0 overlap fixture 'p1' (channel 3)"),
            std::string::npos)
      << error_of(j);

  j = minimal_show();
  j["fixtures"][1]["address"] = 511;
  EXPECT_NE(error_of(j).find("runs past channel 512"), std::string::npos) << error_of(j);

  j = minimal_show();
  j["fixtures"][0]["profile"] = "laser";
  EXPECT_NE(error_of(j).find("fixtures[0].profile: unknown profile 'laser' (known: dimmer, rgb"), std::string::npos)
      << error_of(j);

  j = minimal_show();
  j["startScene"] = "zzz";
  EXPECT_EQ(error_of(j), "startScene: unknown scene 'zzz'");

  j = minimal_show();
  j["scenes"][1]["name"] = "a";
  EXPECT_EQ(error_of(j), "scenes[1].name: duplicate scene name 'a'");

  j = minimal_show();
  j["scenes"][0]["effects"][0] = Json::parse(R"({"type":"palette","colors":["#12345"]})");
  EXPECT_EQ(error_of(j), "scenes[0].effects[0].colors[0]: expected a colour \"#rrggbb\", got \"#12345\"");

  j = minimal_show();
  j["scenes"][0]["effects"][0] = Json::parse(R"({"type":"level","feature":"band:99"})");
  EXPECT_EQ(error_of(j), "scenes[0].effects[0].feature: band index must be 0..63, got 'band:99'");

  j = minimal_show();
  j["fixtures"][0]["universe"] = 40000;
  EXPECT_EQ(error_of(j), "fixtures[0].universe: expected 0..32767, got 40000");

  EXPECT_EQ(error_of(Json::array()), "show: expected an object, got an array");
  j = minimal_show();
  j.erase("scenes");
  EXPECT_EQ(error_of(j), "scenes: missing (expected an array of scenes)");
}

TEST(ShowDocument, CustomProfilesAndStaticValues) {
  Json j = minimal_show();
  j["profiles"] = Json::parse(R"({"spot": ["pan","tilt","dimmer","none","strobe"]})");
  j["fixtures"].push_back(Json::parse(R"({"id":"s1","profile":"spot","universe":2,"address":10})"));
  j["scenes"][1]["effects"].push_back(Json::parse(R"({"type":"static","group":"s1","values":{"pan":0.25,"strobe":0}})"));
  const ShowDocument show = parse_show(j);
  ASSERT_NE(show.profile("spot"), nullptr);
  EXPECT_EQ(show.profile("spot")->channels.size(), 5U);
  EXPECT_EQ(show.scenes[1].effects[0].values.size(), 2U);

  j["profiles"]["rgb"] = Json::array({"red"});
  EXPECT_EQ(error_of(j), "profiles.rgb: a profile named 'rgb' already exists");
}

TEST(ShowDocument, ParsesColours) {
  const auto c = parse_color("#ff8000");
  ASSERT_TRUE(c);
  EXPECT_FLOAT_EQ(c->r, 1.0F);
  EXPECT_NEAR(c->g, 128.0F / 255.0F, 1e-6);
  EXPECT_FLOAT_EQ(c->b, 0.0F);
  EXPECT_TRUE(parse_color("00FF00"));
  EXPECT_FALSE(parse_color("#ggffff"));
  EXPECT_FALSE(parse_color(""));
}

}  // namespace
}  // namespace lumina
