#include "lumina/classify/label_smoother.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace lumina {
namespace {

constexpr std::array<float, 3> kA{0.9F, 0.05F, 0.05F};
constexpr std::array<float, 3> kB{0.05F, 0.9F, 0.05F};
constexpr std::array<float, 3> kUnsure{0.4F, 0.35F, 0.25F};

TEST(LabelSmoother, FirstWindowSetsTheLabel) {
  LabelSmoother s({2, 0.5F});
  const auto d = s.update(kB);
  EXPECT_EQ(d.label, 1U);
  EXPECT_TRUE(d.changed);
  EXPECT_FLOAT_EQ(d.confidence, 0.9F);
}

TEST(LabelSmoother, OneStrayWindowDoesNotFlipTheLabel) {
  LabelSmoother s({2, 0.5F});
  s.update(kA);
  s.update(kA);
  auto d = s.update(kB);  // smoothed B leads, but only for one window
  EXPECT_EQ(d.label, 0U);
  EXPECT_FALSE(d.changed);
  d = s.update(kA);
  EXPECT_EQ(d.label, 0U);
  EXPECT_FALSE(d.changed);
}

TEST(LabelSmoother, SwitchesAfterTheConfiguredRunOfWindows) {
  LabelSmoother s({3, 0.5F});
  s.update(kA);
  // Window 1 of B only ties the smoothed probabilities (0.475 each); B leads
  // from window 2, so with 3 windows required the label changes at window 4.
  std::vector<std::size_t> labels;
  int changes = 0;
  for (int i = 1; i <= 6; ++i) {
    const auto d = s.update(kB);
    labels.push_back(d.label);
    changes += d.changed ? 1 : 0;
  }
  EXPECT_EQ(labels, (std::vector<std::size_t>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(changes, 1);
}

TEST(LabelSmoother, UnsureWindowsNeverSwitch) {
  LabelSmoother s({1, 0.6F});
  s.update(kB);
  for (int i = 0; i < 10; ++i) {
    const auto d = s.update(kUnsure);  // A leads the smoothed mix soon, but below 0.6
    EXPECT_EQ(d.label, 1U);
    EXPECT_FALSE(d.changed);
  }
}

}  // namespace
}  // namespace lumina
