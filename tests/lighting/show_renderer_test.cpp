// Rendering a compiled show: effects → attributes → channels, per universe.
#include <gtest/gtest.h>

#include <cmath>

#include "lumina/lighting/show_renderer.hpp"
#include "lumina/core/realtime.hpp"
#include "support/alloc_guard.hpp"

namespace lumina {
namespace {

using Json = nlohmann::json;

ShowRenderer renderer_for(const char* scenes, const char* extra_fixtures = "") {
  const std::string text = std::string(R"({"fixtures": [
      {"id":"p1","profile":"rgb","address":1}, {"id":"p2","profile":"rgb","address":4},
      {"id":"d1","profile":"dimmer","address":7}, {"id":"m1","profile":"moving-head","universe":3,"address":1})") +
                           extra_fixtures + R"(],
    "groups": {"pars": ["p1","p2"]},
    "scenes": )" + scenes + "}";
  return ShowRenderer(compile_show(parse_show(Json::parse(text)), 1));
}

constexpr std::int64_t kNow = 1'000'000'000;

TEST(ShowRenderer, UniversesComeFromThePatch) {
  ShowRenderer r = renderer_for(R"([{"name":"a"}])");
  ASSERT_EQ(r.program().universes.size(), 2U);
  EXPECT_EQ(r.program().universes[0], 0);
  EXPECT_EQ(r.program().universes[1], 3);
  r.render(0, AnalysisFrame{}, TickEvents{}, 0.025F, kNow);
  // Nothing lit, but moving heads rest at the centre (pan/tilt 0.5 → 128).
  EXPECT_EQ(r.universes()[1][0], 128);
  EXPECT_EQ(r.universes()[1][1], 128);
  EXPECT_EQ(r.universes()[0][0], 0);
}

TEST(ShowRenderer, StaticColourAndLevelScaleRgbWithoutDimmer) {
  ShowRenderer r = renderer_for(R"([{"name":"a","effects":[
      {"type":"static","group":"pars","color":"#ff8000","level":0.5},
      {"type":"static","group":"d1","level":1.0},
      {"type":"static","group":"m1","color":"#0000ff","level":1.0,"values":{"pan":0.25}}]}])");
  r.render(0, AnalysisFrame{}, TickEvents{}, 0.025F, kNow);
  const auto& u0 = r.universes()[0];
  EXPECT_EQ(u0[0], 128);  // red 1.0 * 0.5
  EXPECT_EQ(u0[1], 64);   // green 0.502 * 0.5
  EXPECT_EQ(u0[2], 0);
  EXPECT_EQ(u0[3], 128);  // p2 same
  EXPECT_EQ(u0[6], 255);  // dimmer
  const auto& u3 = r.universes()[1];
  EXPECT_EQ(u3[0], 64);   // pan 0.25
  EXPECT_EQ(u3[1], 128);  // tilt centre
  EXPECT_EQ(u3[2], 255);  // dimmer carries the level
  EXPECT_EQ(u3[5], 255);  // blue at full: the dimmer does the scaling
}

TEST(ShowRenderer, LevelFollowsTheFeatureWithAttackAndRelease) {
  ShowRenderer r = renderer_for(R"([{"name":"a","effects":[
      {"type":"level","group":"d1","feature":"band:1","attack":0,"release":0.1,"floor":0.2,"ceiling":0.8}]}])");
  AnalysisFrame f;
  f.band_count = 2;
  f.bands[1] = 1.0F;
  r.render(0, f, TickEvents{}, 0.025F, kNow);
  EXPECT_EQ(r.universes()[0][6], level_to_dmx(0.8F));  // instant attack to the ceiling
  f.bands[1] = 0.0F;
  r.render(0, f, TickEvents{}, 0.1F, kNow);  // one release time constant: 1/e left
  const float expected = 0.2F + 0.6F * std::exp(-1.0F);
  EXPECT_NEAR(r.universes()[0][6], expected * 255.0F, 1.0F);
  for (int i = 0; i < 50; ++i) r.render(0, f, TickEvents{}, 0.1F, kNow);
  EXPECT_EQ(r.universes()[0][6], level_to_dmx(0.2F));  // settles on the floor
}

TEST(ShowRenderer, PaletteStepsOnBeatsAndSpreads) {
  ShowRenderer r = renderer_for(R"([{"name":"a","effects":[
      {"type":"static","group":"pars","level":1.0},
      {"type":"palette","group":"pars","colors":["#ff0000","#00ff00","#0000ff"],"everyBeats":2}]}])");
  TickEvents e;
  e.beat_count = 0;
  r.render(0, AnalysisFrame{}, e, 0.025F, kNow);
  EXPECT_EQ(r.universes()[0][0], 255);  // p1 red
  EXPECT_EQ(r.universes()[0][4], 255);  // p2 green (spread)
  e.beat_count = 2;
  r.render(0, AnalysisFrame{}, e, 0.025F, kNow);
  EXPECT_EQ(r.universes()[0][1], 255);  // p1 green
  EXPECT_EQ(r.universes()[0][5], 255);  // p2 blue
  e.beat_count = 3;                     // every 2 beats: no change yet
  r.render(0, AnalysisFrame{}, e, 0.025F, kNow);
  EXPECT_EQ(r.universes()[0][1], 255);
}

TEST(ShowRenderer, ChaseMovesOneFixturePerBeat) {
  ShowRenderer r = renderer_for(R"([{"name":"a","effects":[{"type":"chase","group":"pars","level":1.0}]}])");
  TickEvents e;
  for (std::uint64_t beat = 0; beat < 4; ++beat) {
    e.beat_count = beat;
    r.render(0, AnalysisFrame{}, e, 0.025F, kNow);
    const bool first_lit = beat % 2 == 0;
    EXPECT_EQ(r.universes()[0][0], first_lit ? 255 : 0) << beat;
    EXPECT_EQ(r.universes()[0][3], first_lit ? 0 : 255) << beat;
  }
}

TEST(ShowRenderer, PulseFiresOnItsTriggerAndDecays) {
  ShowRenderer r = renderer_for(R"([{"name":"a","effects":[{"type":"pulse","group":"d1","trigger":"kick","decay":0.1}]}])");
  TickEvents e;
  r.render(0, AnalysisFrame{}, e, 0.025F, kNow);
  EXPECT_EQ(r.universes()[0][6], 0);
  e.kick = true;
  r.render(0, AnalysisFrame{}, e, 0.025F, kNow);
  EXPECT_EQ(r.universes()[0][6], 255);
  e.kick = false;
  r.render(0, AnalysisFrame{}, e, 0.1F, kNow);
  EXPECT_NEAR(r.universes()[0][6], 255.0F * std::exp(-1.0F), 1.0F);
}

TEST(ShowRenderer, StrobeFlashesWhiteOnStrongOnsetsForItsDuration) {
  ShowRenderer r = renderer_for(R"([{"name":"a","effects":[
      {"type":"static","group":"pars","color":"#ff0000","level":0.2},
      {"type":"strobe","group":"pars","threshold":0.7,"durationMs":50}]}])");
  TickEvents e;
  e.onset = true;
  e.onset_strength = 0.5F;  // too weak
  r.render(0, AnalysisFrame{}, e, 0.025F, kNow);
  EXPECT_EQ(r.universes()[0][1], 0);
  e.onset_strength = 0.9F;
  r.render(0, AnalysisFrame{}, e, 0.025F, kNow);
  EXPECT_EQ(r.universes()[0][0], 255);
  EXPECT_EQ(r.universes()[0][1], 255);  // white
  e.onset = false;
  r.render(0, AnalysisFrame{}, e, 0.025F, kNow + 40'000'000);
  EXPECT_EQ(r.universes()[0][1], 255);  // still within 50 ms
  r.render(0, AnalysisFrame{}, e, 0.025F, kNow + 60'000'000);
  EXPECT_EQ(r.universes()[0][1], 0);
  EXPECT_EQ(r.universes()[0][0], 51);  // back to red at 0.2
}

TEST(ShowRenderer, HighestLevelWinsAndUnknownSceneRendersDark) {
  ShowRenderer r = renderer_for(R"([{"name":"a","effects":[
      {"type":"static","group":"d1","level":0.3}, {"type":"static","group":"d1","level":0.6},
      {"type":"static","group":"d1","level":0.1}]}])");
  r.render(0, AnalysisFrame{}, TickEvents{}, 0.025F, kNow);
  EXPECT_EQ(r.universes()[0][6], level_to_dmx(0.6F));
  r.render(7, AnalysisFrame{}, TickEvents{}, 0.025F, kNow);
  EXPECT_EQ(r.universes()[0][6], 0);
}

TEST(ShowRenderer, RenderDoesNotAllocate) {
  ShowRenderer r = renderer_for(R"([{"name":"a","effects":[
      {"type":"level","group":"all","feature":"energy"}, {"type":"palette","group":"pars","colors":["#ff0000","#00ff00"]},
      {"type":"strobe","group":"pars"}, {"type":"chase","group":"all"}, {"type":"pulse","group":"d1"},
      {"type":"static","group":"m1","values":{"tilt":0.1}}]}])");
  TickEvents e;
  e.beat = e.onset = e.kick = true;
  e.onset_strength = 1.0F;
  const std::uint64_t before = testing::realtime_heap_operations();
  {
    const RealtimeScope scope;
    for (int i = 0; i < 100; ++i) {
      e.beat_count = static_cast<std::uint64_t>(i);
      r.render(0, AnalysisFrame{}, e, 0.025F, kNow + std::int64_t{i} * 25'000'000);
    }
  }
  EXPECT_EQ(testing::realtime_heap_operations(), before);
}

}  // namespace
}  // namespace lumina
