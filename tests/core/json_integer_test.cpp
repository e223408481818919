// What counts as an integer in a request field.
#include "lumina/core/json_integer.hpp"

#include <gtest/gtest.h>

namespace lumina {
namespace {

using nlohmann::json;

TEST(JsonInteger, IntegersAndIntegralFloatsCountNothingElseDoes) {
  EXPECT_EQ(json_integer(json(12)), 12);
  EXPECT_EQ(json_integer(json(-3)), -3);
  EXPECT_EQ(json_integer(json(12.0)), 12);
  EXPECT_EQ(json_integer(json::parse("1e3")), 1000);
  EXPECT_FALSE(json_integer(json(12.5)));
  EXPECT_FALSE(json_integer(json("12")));
  EXPECT_FALSE(json_integer(json(true)));
  EXPECT_FALSE(json_integer(json(nullptr)));
  // Beyond int64, or a float past 2^53 (no longer exact): not an integer.
  EXPECT_FALSE(json_integer(json::parse("18446744073709551615")));
  EXPECT_FALSE(json_integer(json(1e16)));
  EXPECT_EQ(json_integer(json::parse("9223372036854775807")), INT64_MAX);
}

}  // namespace
}  // namespace lumina
