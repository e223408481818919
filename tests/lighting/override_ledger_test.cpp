// The control side's mirror of the DMX thread's override slots.
#include "lumina/lighting/override_ledger.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lumina {
namespace {

std::vector<DmxOverride> writes_to(std::uint16_t first, std::uint16_t count, std::uint16_t channel = 1) {
  std::vector<DmxOverride> w;
  for (std::uint16_t u = first; u < first + count; ++u) w.push_back({u, channel, 9});
  return w;
}

std::vector<DmxOverride> one(std::uint16_t universe, std::uint16_t channel) { return {{universe, channel, 1}}; }

TEST(OverrideLedger, SixteenUniversesFitTheSeventeenthIsRefusedWithItsElementAndNothingIsRecorded) {
  OverrideLedger ledger;
  EXPECT_FALSE(ledger.admit(writes_to(100, 15)));
  EXPECT_EQ(ledger.universes(), 15U);
  // One more fits; two more do not, and the batch is refused whole.
  std::vector<DmxOverride> two = {{0, 5, 1}, {7, 5, 1}, {0, 6, 1}, {8, 1, 1}};
  const auto refused = ledger.admit(two);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("element 1: field 'u': universe 7 cannot take manual overrides; at most 16"),
            std::string::npos)
      << *refused;
  EXPECT_NE(refused->find("dmx_release"), std::string::npos) << *refused;
  EXPECT_EQ(ledger.universes(), 15U);
  EXPECT_FALSE(ledger.admit(one(0, 5)));
  EXPECT_EQ(ledger.universes(), 16U);
  // Universes that already hold overrides take more channels at any time.
  EXPECT_FALSE(ledger.admit(writes_to(100, 15, 512)));
  EXPECT_TRUE(ledger.admit(one(200, 1)));
}

TEST(OverrideLedger, ReleasingTheLastChannelOfAUniverseFreesItsSlotAsTheDmxThreadDoes) {
  OverrideLedger ledger;
  ASSERT_FALSE(ledger.admit(writes_to(0, 16)));
  ASSERT_FALSE(ledger.admit(one(3, 2)));
  ledger.release(3, 1);
  EXPECT_TRUE(ledger.admit(one(99, 1))) << "universe 3 still holds channel 2";
  ledger.release(3, 2);
  EXPECT_FALSE(ledger.admit(one(99, 1)));
  ledger.release(5);
  EXPECT_EQ(ledger.universes(), 15U);
  ledger.release_all();
  EXPECT_EQ(ledger.universes(), 0U);
  EXPECT_FALSE(ledger.admit(writes_to(1000, 16)));
}

}  // namespace
}  // namespace lumina
