#pragma once
// The daemon's lifecycle (OLA's OlaDaemon role): builds the modules from the
// configuration in dependency order, reports readiness to systemd, waits for
// a stop signal while feeding the watchdog and reporting counters the
// realtime threads may not log, then stops everything in reverse order.
#include "lumina/core/config.hpp"

namespace lumina {

// Returns the process exit status. Expects SIGTERM/SIGINT/SIGHUP to be
// blocked in every thread (main does it before any thread starts).
int run_daemon(const Config& config);

}  // namespace lumina
