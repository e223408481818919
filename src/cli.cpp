#include "cli.hpp"

namespace lumina {

std::variant<CliOptions, CliError> parse_cli(const std::vector<std::string>& args) {
  CliOptions options;
  bool mode_set = false;
  auto set_mode = [&](CliOptions::Mode mode, const std::string& flag) -> std::optional<CliError> {
    if (mode_set && options.mode != mode) return CliError{"option " + flag + " cannot be combined with another mode option"};
    options.mode = mode;
    mode_set = true;
    return std::nullopt;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::optional<CliError> err;
    if (a == "--config" || a == "-c") {
      if (i + 1 >= args.size()) return CliError{"option " + a + " needs a file argument"};
      options.config_path = args[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      options.config_path = a.substr(9);
      if (options.config_path->empty()) return CliError{"option --config= needs a file argument"};
    } else if (a == "--check-config") {
      err = set_mode(CliOptions::Mode::kCheckConfig, a);
    } else if (a == "--print-config") {
      err = set_mode(CliOptions::Mode::kPrintConfig, a);
    } else if (a == "--list-devices") {
      err = set_mode(CliOptions::Mode::kListDevices, a);
    } else if (a == "--version" || a == "-V") {
      err = set_mode(CliOptions::Mode::kVersion, a);
    } else if (a == "--help" || a == "-h") {
      err = set_mode(CliOptions::Mode::kHelp, a);
    } else if (a == "analyze") {
      err = set_mode(CliOptions::Mode::kAnalyze, a);
    } else if (a == "import-legacy") {
      err = set_mode(CliOptions::Mode::kImportLegacy, a);
    } else if (options.mode == CliOptions::Mode::kImportLegacy && !a.empty() && a[0] != '-') {
      if (!options.import_dir.empty()) return CliError{"import-legacy takes one DIR, got another argument '" + a + "'"};
      options.import_dir = a;
    } else if (a == "--json") {
      options.analyze_json = true;
    } else if (options.mode == CliOptions::Mode::kAnalyze && !a.empty() && a[0] != '-') {
      if (!options.analyze_file.empty()) return CliError{"analyze takes one FILE, got another argument '" + a + "'"};
      options.analyze_file = a;
    } else {
      return CliError{"unknown argument '" + a + "' (see luminad --help)"};
    }
    if (err) return *err;
  }
  if (options.analyze_json && options.mode != CliOptions::Mode::kAnalyze) {
    return CliError{"option --json is only valid with analyze"};
  }
  if (options.mode == CliOptions::Mode::kAnalyze && options.analyze_file.empty()) {
    return CliError{"analyze needs a FILE argument (luminad analyze FILE [--json])"};
  }
  if (options.mode == CliOptions::Mode::kImportLegacy && options.import_dir.empty()) {
    return CliError{"import-legacy needs a DIR argument (luminad import-legacy DIR)"};
  }
  return options;
}

std::string usage_text() {
  return R"(Usage: luminad [--config FILE] [MODE]
       luminad [--config FILE] analyze AUDIOFILE [--json]
       luminad [--config FILE] import-legacy DIR

Realtime audio analysis → DMX lighting daemon (Art-Net), controlled over WebSocket/HTTP.

Options:
  -c, --config FILE   configuration file (JSON; see docs/configuration.md).
                      Without it, built-in defaults are used.
Modes (default: run the daemon):
  --check-config      validate the configuration (file + LUMINA_* environment) and exit
  --print-config      print the effective configuration as JSON and exit
  --list-devices      list PortAudio devices (index, host API, channels) and exit
  -V, --version       print the version and exit
  -h, --help          print this help and exit
  analyze AUDIOFILE   run the daemon's analysis (dsp settings from the configuration) over
                      an audio file as fast as possible and print a summary; with --json
                      print one JSON object per line: onsets, beats and frames (20 per second)
  import-legacy DIR   import the predecessor's upload folder (<sha256>__<name> files,
                      <sha256>__extracted.wav, index.json) into the data dir's media
                      registry, keeping the fileIds; the daemon must not be running

Environment overrides: LUMINA_LISTEN, LUMINA_PORT, LUMINA_DATA_DIR, LUMINA_AUDIO_BACKEND
(portaudio|null), LUMINA_AUDIO_DEVICE, LUMINA_AUDIO_SOURCE, LUMINA_ARTNET_TARGETS
(host[:port],...), LUMINA_TOKEN, LUMINA_LOG_LEVEL.

Exit status: 0 on success or clean stop (SIGTERM/SIGINT), 1 on a runtime failure
(port in use, data dir unusable, audio file missing or unreadable), 2 on a usage or
configuration error.
)";
}

}  // namespace lumina
