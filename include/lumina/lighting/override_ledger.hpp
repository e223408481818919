#pragma once
// The control side's record of which universes hold manual overrides, so a
// legacy write that the DMX thread could not place is refused with a reason
// instead of vanishing. The DMX thread keeps the overrides of at most
// kOverrideUniverses universes (fixed slots: it never allocates); this
// mirrors its slot rules: a universe takes a slot at its first write and
// frees it when its last channel is released. Control thread only; not
// RT-safe.
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "lumina/lighting/dmx_types.hpp"

namespace lumina {

// Universes whose channels manual writes can hold at once (patched or not).
inline constexpr std::size_t kOverrideUniverses = 16;

class OverrideLedger {
 public:
  // Records a batch of writes, all or nothing. Returns an error naming the
  // first element (0-based index, as in the legacy write errors) whose
  // universe would need a seventeenth slot; nothing is recorded then.
  std::optional<std::string> admit(std::span<const DmxOverride> writes);
  // dmx_release: every universe, one universe, or one channel of one.
  void release_all() { held_.clear(); }
  void release(std::uint16_t universe);
  void release(std::uint16_t universe, std::uint16_t channel);

  std::size_t universes() const { return held_.size(); }

 private:
  std::map<std::uint16_t, std::bitset<512>> held_;  // universe → channels set
};

}  // namespace lumina
