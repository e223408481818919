#pragma once
// Command-line parsing for luminad (no globals; testable).
#include <optional>
#include <variant>
#include <string>
#include <vector>

namespace lumina {

struct CliOptions {
  enum class Mode { kRun, kCheckConfig, kPrintConfig, kListDevices, kVersion, kHelp, kAnalyze, kImportLegacy };
  Mode mode = Mode::kRun;
  std::optional<std::string> config_path;
  std::string analyze_file;   // kAnalyze: the audio file
  bool analyze_json = false;  // kAnalyze: one JSON object per line
  std::string import_dir;     // kImportLegacy: the predecessor's upload folder
};

struct CliError {
  std::string message;
};

// Returns the options, or a CliError whose message names the bad argument.
std::variant<CliOptions, CliError> parse_cli(const std::vector<std::string>& args);

std::string usage_text();

}  // namespace lumina
