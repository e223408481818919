#pragma once
// The DMX output thread: ticks at `fps` on absolute CLOCK_MONOTONIC deadlines
// (tick n is due at start + n*period, so nothing drifts), renders the
// universe from the latest AnalysisFrame, applies manual overrides, and sends
// ArtDmx to every target over a non-blocking UDP socket. A send error is
// counted, never waited on.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lumina/core/config.hpp"
#include "lumina/core/latest_value.hpp"
#include "lumina/core/spsc_ring.hpp"
#include "lumina/dsp/analysis_frame.hpp"
#include "lumina/lighting/dmx_types.hpp"

namespace lumina {

class DmxThread {
 public:
  struct Options {
    std::uint32_t fps = 40;
    std::uint16_t universe = 0;
    std::vector<ArtNetTarget> targets;
    bool blackout_on_exit = true;
  };

  // Not RT-safe: resolves targets and opens the socket. Throws std::runtime_error
  // naming the target when a host cannot be resolved or the socket cannot be opened.
  DmxThread(Options options, const LatestValue<AnalysisFrame>& frames);
  ~DmxThread();
  DmxThread(const DmxThread&) = delete;
  DmxThread& operator=(const DmxThread&) = delete;

  void start();
  // Stops ticking; sends one all-zero frame first when blackout_on_exit. Idempotent.
  void stop();

  // Control-plane thread only (single producer). Lock-free; false (counted) when full.
  bool submit_override(const DmxOverride& write) noexcept;

  DmxStats stats() const noexcept;
  const Options& options() const noexcept { return options_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Options options_;
};

}  // namespace lumina
