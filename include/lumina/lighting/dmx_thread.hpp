#pragma once
// The DMX output thread: ticks at `fps` on absolute CLOCK_MONOTONIC deadlines
// (tick n is due at start + n*period, so nothing drifts). Each tick:
//   1. loads the latest AnalysisFrame and derives this tick's events,
//   2. applies queued control commands (show swap, scene, overrides, master,
//      blackout),
//   3. renders the active scene of the show into its universes,
//   4. merges: effects → manual overrides → master → blackout,
//   5. stores the frame in a short history, publishes a snapshot for the UI,
//      and sends, per output (Art-Net, sACN), the frame that output's
//      latency offset asks for,
//   6. services Art-Net discovery.
// The tick never allocates, locks, logs or waits: control threads hand it
// work through a lock-free queue (their own producer-side mutex serialises
// them, never the tick) and take retired shows back through another.
#include <array>
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
#include "lumina/lighting/dmx_output.hpp"
#include "lumina/lighting/dmx_types.hpp"
#include "lumina/lighting/scene_selector.hpp"
#include "lumina/lighting/show_renderer.hpp"

namespace lumina {

// A control request for the tick. Plain data so it fits the lock-free queue.
struct LightingCommand {
  enum class Kind : std::uint8_t { kOverride, kRelease, kSelectScene, kLabelScene, kMaster, kBlackout, kShow };
  Kind kind = Kind::kOverride;
  SwitchWhen when = SwitchWhen::kNow;
  bool on = false;               // kBlackout
  bool all_universes = false;    // kRelease: every universe
  std::uint8_t value = 0;        // kOverride
  std::uint16_t universe = 0;    // kOverride, kRelease
  std::uint16_t channel = 0;     // kOverride 1..512; kRelease 0 = the whole universe
  std::int32_t scene = -1;       // kSelectScene, kLabelScene (-1 clears), kShow (scene to select)
  float level = 1.0F;            // kMaster 0..1
  ShowRenderer* show = nullptr;  // kShow: ownership passes to the DMX thread
  std::uint64_t seq = 0;         // set by DmxThread::submit: 1, 2, ... in the order of submission
};
static_assert(std::is_trivially_copyable_v<LightingCommand>);

// What the UI sees of the output (dmx_frame), published every tick.
struct LightingSnapshot {
  static constexpr std::size_t kMaxUniverses = 8;
  std::uint64_t generation = 0;  // ShowProgram::generation of the rendered show
  std::uint64_t tick = 0;
  std::uint32_t active_scene = 0;
  std::uint32_t selected_scene = 0;
  std::int32_t pending_scene = -1;
  SwitchWhen pending_when = SwitchWhen::kNow;
  std::int32_t label_scene = -1;
  bool idle = false;
  bool blackout = false;
  float master = 1.0F;
  // The last command applied before this frame (LightingCommand::seq): a
  // control thread that submitted a later one knows this frame predates it.
  std::uint64_t applied_seq = 0;
  std::uint32_t universe_count = 0;  // entries used below (the first kMaxUniverses of the frame)
  std::uint32_t universes_sent = 0;  // universes in the frame (patched and override-only), all of them
  std::array<std::uint16_t, kMaxUniverses> universes{};
  std::array<DmxUniverseData, kMaxUniverses> data{};
  // The manual overrides in each of those universes: which channels are
  // held (bit ch-1) and at what value (as written: before master and
  // blackout). From the DMX thread, so every page sees what is really held.
  std::array<DmxChannelMask, kMaxUniverses> held{};
  std::array<DmxUniverseData, kMaxUniverses> held_value{};
};
static_assert(std::is_trivially_copyable_v<LightingSnapshot>);

class DmxThread {
 public:
  struct Options {
    Config::Dmx dmx;                 // fps, blackout, outputs, latency offsets
    std::size_t max_universes = 64;  // universes one frame can hold (patch + override-only)
    bool realtime_priority = true;   // try SCHED_FIFO (below the audio thread)
    SacnCid sacn_cid{};
  };

  // Not RT-safe: opens the outputs (throws std::runtime_error naming the
  // target or key that fails) and preallocates the frame history.
  DmxThread(Options options, const LatestValue<AnalysisFrame>& frames, std::unique_ptr<ShowRenderer> show);
  ~DmxThread();
  DmxThread(const DmxThread&) = delete;
  DmxThread& operator=(const DmxThread&) = delete;

  void start();
  // Stops ticking; sends one all-zero frame (and sACN stream-terminated
  // packets) when blackout_on_exit. Idempotent.
  void stop();

  // Control threads. Lock-free for the tick. Returns the command's sequence
  // number (LightingCommand::seq, > 0; LightingSnapshot::applied_seq says
  // when a frame includes it), or 0 when the queue is full (counted in
  // stats().commands_dropped). A kShow command whose submit fails keeps its
  // ownership with the caller.
  std::uint64_t submit(const LightingCommand& command) noexcept;
  // The legacy {ch,val[,u]} write, as a kOverride command.
  bool submit_override(const DmxOverride& write) noexcept;
  // Hands a new show to the tick; `selected_scene` is selected in it. The
  // command's sequence number (see submit), or 0 (the show is destroyed
  // here) when too many swaps are still in flight or the queue is full.
  std::uint64_t swap_show(std::unique_ptr<ShowRenderer> show, std::uint32_t selected_scene);
  // Frees shows the tick has retired. Control threads; not RT-safe.
  void reclaim();

  // The latest tick's snapshot. Control threads only (it may yield while the
  // tick is writing); false only before the first tick.
  [[nodiscard]] bool snapshot(LightingSnapshot& out) const noexcept;
  [[nodiscard]] DmxStats stats() const noexcept;
  [[nodiscard]] DmxOutputStats output_stats() const noexcept;
  [[nodiscard]] std::vector<ArtNetNodeInfo> nodes() const;
  [[nodiscard]] const Options& options() const noexcept { return options_; }
  // The Art-Net listening port (0 when not listening); for tests and logs.
  [[nodiscard]] std::uint16_t artnet_listen_port() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Options options_;
};

}  // namespace lumina
