#pragma once
// spdlog setup. Logging is for normal threads only: spdlog locks and
// allocates, so the audio callback counts events and a normal thread reports.
#include <string>

namespace lumina {

// Not RT-safe. Installs the default logger (stderr; no timestamps when run
// under systemd's journal, which adds its own) at `level`.
void init_logging(const std::string& level);

}  // namespace lumina
