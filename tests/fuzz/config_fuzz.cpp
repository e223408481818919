// Config parsing: luminad.json as an operator (or a broken editor) may leave
// it. The contract is ConfigError naming the key for every bad file; any other
// exception escapes to libFuzzer and counts as a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "lumina/core/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  lumina::Config config;
  try {
    config = lumina::parse_config(text, "fuzz.json");
  } catch (const lumina::ConfigError& e) {
    LUMINA_FUZZ_CHECK(std::string(e.what()).find("fuzz.json") != std::string::npos,
                      "a config error does not name the file");
    return 0;
  }
  try {
    lumina::validate_config(config, "fuzz.json");
  } catch (const lumina::ConfigError&) {
    return 0;
  }
  // A valid config serialises and parses back to a valid config.
  const std::string again = lumina::config_to_json(config).dump();
  const lumina::Config reparsed = lumina::parse_config(again, "round-trip.json");
  lumina::validate_config(reparsed, "round-trip.json");
  return 0;
}
