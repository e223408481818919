#pragma once
// `luminad analyze FILE [--json]`: decodes an audio file and runs the
// daemon's Analyzer over it as fast as the machine allows. Events are taken
// from the frames exactly as the daemon's pushes take them (counters that
// changed), so both report the same detections for the same audio.
#include <iosfwd>
#include <string>

#include "lumina/core/config.hpp"

namespace lumina {

struct AnalyzeOptions {
  std::string file;
  bool json = false;
  double frame_interval_seconds = 0.05;  // --json: one "frame" object per interval
};

// Returns the process exit code: 0, or 1 when the file is missing or
// unreadable (message on `err` naming the file).
int run_analyze(const AnalyzeOptions& options, const Config& config, std::ostream& out, std::ostream& err);

}  // namespace lumina
