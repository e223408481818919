// Scene selection: quantised switches, idle on silence, classifier labels;
// and the tick events derived from the analysis counters.
#include <gtest/gtest.h>

#include "lumina/lighting/scene_selector.hpp"
#include "lumina/lighting/tick_events.hpp"

namespace lumina {
namespace {

constexpr std::int64_t kMs = 1'000'000;

TickEvents beat_event(std::uint64_t count) {
  TickEvents e;
  e.beat = true;
  e.beat_count = count;
  return e;
}

SceneSelector selector(std::int32_t idle_scene = -1) {
  SceneSelector s;
  s.reset(4, 0, {idle_scene, 2.0F, -50.0F}, 4);
  return s;
}

TEST(SceneSelector, SwitchesNowOnTheNextBeatOrOnTheNextBar) {
  SceneSelector s = selector();
  s.select(1, SwitchWhen::kNow, 0);
  EXPECT_EQ(s.update({}, -10.0F, 120.0F, 1 * kMs), 1U);

  s.select(2, SwitchWhen::kBeat, 10 * kMs);
  EXPECT_TRUE(s.has_pending());
  EXPECT_EQ(s.update({}, -10.0F, 120.0F, 20 * kMs), 1U);  // no beat yet
  EXPECT_EQ(s.update(beat_event(5), -10.0F, 120.0F, 30 * kMs), 2U);
  EXPECT_FALSE(s.has_pending());

  s.select(3, SwitchWhen::kBar, 40 * kMs);
  EXPECT_EQ(s.update(beat_event(6), -10.0F, 120.0F, 50 * kMs), 2U);
  EXPECT_EQ(s.update(beat_event(7), -10.0F, 120.0F, 60 * kMs), 2U);
  EXPECT_EQ(s.update(beat_event(8), -10.0F, 120.0F, 70 * kMs), 3U);  // 8 % 4 == 0: a bar line
}

TEST(SceneSelector, QuantisedSwitchHappensAnywayWhenNoBeatComes) {
  SceneSelector s = selector();
  s.select(2, SwitchWhen::kBeat, 0);
  EXPECT_EQ(s.update({}, -10.0F, 0.0F, 1500 * kMs), 0U);   // unknown tempo: 1 s + 1 s
  EXPECT_EQ(s.update({}, -10.0F, 0.0F, 2100 * kMs), 2U);
  s.select(1, SwitchWhen::kBar, 3000 * kMs);                // 4 beats at 120 BPM = 2 s, + 1 s
  EXPECT_EQ(s.update({}, -10.0F, 120.0F, 5900 * kMs), 2U);
  EXPECT_EQ(s.update({}, -10.0F, 120.0F, 6100 * kMs), 1U);
}

TEST(SceneSelector, IdleSceneTakesOverOnSilenceAndLetsGoWhenSoundReturns) {
  SceneSelector s = selector(3);
  s.select(1, SwitchWhen::kNow, 0);
  EXPECT_EQ(s.update({}, -80.0F, 0.0F, 0), 1U);
  EXPECT_EQ(s.update({}, -80.0F, 0.0F, 1900 * kMs), 1U);
  EXPECT_EQ(s.update({}, -80.0F, 0.0F, 2100 * kMs), 3U);
  EXPECT_TRUE(s.idle());
  EXPECT_EQ(s.update({}, -20.0F, 0.0F, 2200 * kMs), 1U);  // back at once
  EXPECT_FALSE(s.idle());
  EXPECT_EQ(s.update({}, -80.0F, 0.0F, 2300 * kMs), 1U);  // the silence timer restarts
}

TEST(SceneSelector, LabelSceneOverridesTheSelectionUntilCleared) {
  SceneSelector s = selector(3);
  s.set_label_scene(2);
  EXPECT_EQ(s.update({}, -10.0F, 0.0F, 0), 2U);
  s.set_label_scene(-1);
  EXPECT_EQ(s.update({}, -10.0F, 0.0F, 1), 0U);
  s.set_label_scene(9);  // out of range: ignored
  EXPECT_EQ(s.label_scene(), -1);
}

TEST(SceneSelector, ResetKeepsAValidSelectionAndDropsAnInvalidOne) {
  SceneSelector s;
  s.reset(3, 2, {}, 4);
  EXPECT_EQ(s.update({}, 0.0F, 0.0F, 0), 2U);
  s.reset(2, 2, {}, 4);
  EXPECT_EQ(s.update({}, 0.0F, 0.0F, 0), 0U);
  s.select(5, SwitchWhen::kNow, 0);  // unknown scene: ignored
  EXPECT_EQ(s.selected(), 0U);
}

TEST(EventTracker, ReportsEachCounterStepOnceAndNothingOnTheFirstFrame) {
  EventTracker tracker;
  AnalysisFrame f;
  f.beat_count = 10;
  f.onset_count = 20;
  EXPECT_FALSE(tracker.update(f, 0, 0).beat);  // primes only
  f.beat_count = 11;
  f.onset_count = 22;
  f.kick_count = 1;
  f.onset_strength = 0.7F;
  const TickEvents e = tracker.update(f, 1, 0);
  EXPECT_TRUE(e.beat);
  EXPECT_TRUE(e.onset);
  EXPECT_TRUE(e.kick);
  EXPECT_FALSE(e.snare);
  EXPECT_EQ(e.beat_count, 1U);
  EXPECT_FLOAT_EQ(e.onset_strength, 0.7F);
  const TickEvents again = tracker.update(f, 2, 0);  // same frame: no new events
  EXPECT_FALSE(again.beat);
  EXPECT_FALSE(again.onset);
  EXPECT_EQ(again.beat_count, 1U);
}

TEST(EventTracker, LeadFiresPredictedBeatsEarlyAndOnlyOnce) {
  EventTracker tracker;
  AnalysisFrame f;
  f.sample_rate = 48000;
  f.bpm = 120.0F;
  f.sample_time = 48000;
  f.captured_ns = 1000 * kMs;
  f.next_beat_time = 48000 + 9600;  // heard 200 ms after capture
  (void)tracker.update(f, 1000 * kMs, 250 * kMs);
  // 100 ms later with a 250 ms lead: 1100 + 250 >= 1200 → fire now.
  TickEvents e = tracker.update(f, 1100 * kMs, 250 * kMs);
  EXPECT_TRUE(e.beat);
  EXPECT_EQ(e.beat_count, 1U);
  EXPECT_FALSE(tracker.update(f, 1125 * kMs, 250 * kMs).beat);  // same prediction
  // The tracker then detects that very beat: absorbed.
  f.beat_count = 1;
  f.last_beat_time = 48000 + 9650;
  f.next_beat_time = 48000 + 9650 + 24000;
  f.sample_time = 48000 + 9800;
  f.captured_ns = 1204 * kMs;
  e = tracker.update(f, 1210 * kMs, 250 * kMs);
  EXPECT_FALSE(e.beat);
  EXPECT_EQ(e.beat_count, 1U);
}

}  // namespace
}  // namespace lumina
