#pragma once
// JSON has one number type: a client may write an integer field as 5 or
// 5.0. Every request field that takes an integer reads it through here, so
// they all agree on what counts.
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

namespace lumina {

// The integer a JSON number denotes (5 and 5.0 alike); nullopt for anything
// else: not a number, a fraction, beyond int64, or a float beyond 2^53
// (integral there, but no longer exact).
std::optional<std::int64_t> json_integer(const nlohmann::json& value);

}  // namespace lumina
