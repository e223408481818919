#include "lumina/lighting/override_ledger.hpp"

#include <set>
#include <sstream>

namespace lumina {

std::optional<std::string> OverrideLedger::admit(std::span<const DmxOverride> writes) {
  std::set<std::uint16_t> added;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const std::uint16_t u = writes[i].universe;
    if (held_.contains(u) || added.contains(u)) continue;
    if (held_.size() + added.size() >= kOverrideUniverses) {
      std::ostringstream out;
      out << "element " << i << ": field 'u': universe " << u << " cannot take manual overrides; at most "
          << kOverrideUniverses << " universes hold them at once and these do:";
      for (const auto& [held, channels] : held_) out << ' ' << held;
      for (const std::uint16_t a : added) out << ' ' << a;
      out << " (release one with dmx_release)";
      return out.str();
    }
    added.insert(u);
  }
  for (const DmxOverride& w : writes) {
    if (w.channel >= 1 && w.channel <= 512) held_[w.universe].set(w.channel - 1U);
  }
  return std::nullopt;
}

void OverrideLedger::release(std::uint16_t universe) { held_.erase(universe); }

void OverrideLedger::release(std::uint16_t universe, std::uint16_t channel) {
  const auto it = held_.find(universe);
  if (it == held_.end() || channel < 1 || channel > 512) return;
  it->second.reset(channel - 1U);
  if (it->second.none()) held_.erase(it);
}

}  // namespace lumina
