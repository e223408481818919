// Show-document validation (show_set over WebSocket, show files on disk):
// any JSON document is either a ShowError naming the path of the problem or
// a show that compiles for the DMX tick. Other exceptions count as findings.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "lumina/lighting/show_document.hpp"
#include "lumina/lighting/show_program.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // Deep nesting is refused by the WebSocket codec before a show reaches
  // parse_show (kMaxJsonDepth); parse with the same allow_exceptions=false path.
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return 0;
  lumina::ShowDocument show;
  try {
    show = lumina::parse_show(json);
  } catch (const lumina::ShowError&) {
    return 0;
  }
  const auto program = lumina::compile_show(show, 1);
  LUMINA_FUZZ_CHECK(program != nullptr, "a valid show does not compile");
  // A valid show's source document validates again unchanged.
  (void)lumina::parse_show(show.source);
  return 0;
}
