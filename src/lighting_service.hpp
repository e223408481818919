#pragma once
// The lighting part of the wire protocol (protocol.md C.3) over the DMX
// thread: show_get / show_set (validated whole, compiled off the tick,
// persisted atomically in the data dir), scene_select, dmx_master,
// dmx_blackout, dmx_release, the legacy {ch,val,u} override writes, the
// dmx_frame push for the UI, classifier labels → scenes, and the lighting
// figures for engine_status and /metrics.
//
// Which show runs at start: <dataDir>/show.json (the last show_set) when it
// exists and is valid, else dmx.showFile when set, else the built-in default
// (config/show.json compiled into the binary). A show file that fails
// validation is reported and skipped, never half-loaded.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "lumina/core/config.hpp"
#include "lumina/core/latest_value.hpp"
#include "lumina/dsp/analysis_frame.hpp"
#include "lumina/lighting/dmx_thread.hpp"
#include "lumina/lighting/override_ledger.hpp"
#include "lumina/lighting/show_document.hpp"
#include "lumina/net/server.hpp"

namespace lumina {

// config/show.json as built into the binary (generated at build time).
extern const char* const kDefaultShowJson;

class LightingService {
 public:
  // Not RT-safe. Loads the show (see above), reads or creates the persisted
  // sACN CID, opens the outputs. Throws std::runtime_error when the outputs
  // cannot be opened (a bad target) or no show at all can be loaded.
  LightingService(const Config& config, std::filesystem::path data_dir, const LatestValue<AnalysisFrame>& frames);
  ~LightingService();
  LightingService(const LightingService&) = delete;
  LightingService& operator=(const LightingService&) = delete;

  // Adds show_get, show_set, scene_select, dmx_master, dmx_blackout, dmx_release.
  void register_handlers(ServerHooks& hooks);
  // Starts the DMX thread (call before the server so lights never wait on it).
  void start_output();
  // Starts the dmx_frame pushes through `server`; stop() ends them.
  void start_pushes(Server& server);
  // Stops pushes, then the DMX thread (blackout frame when configured). Idempotent.
  void stop();

  // The legacy {ch,val[,u]} write (io thread).
  bool write_override(const DmxOverride& write) noexcept;
  // The classifier's current label: selects the show's mapped scene, or
  // releases it when the label has none. Any control thread.
  void set_label(const std::string& label);

  [[nodiscard]] nlohmann::json status() const;
  [[nodiscard]] std::vector<MetricSample> metrics() const;
  [[nodiscard]] DmxStats stats() const noexcept { return dmx_->stats(); }
  [[nodiscard]] const DmxThread& dmx() const noexcept { return *dmx_; }
  // The payload of show_get and the `show` push.
  [[nodiscard]] nlohmann::json show_payload() const;

 private:
  // The operator's scene, master and blackout as show_get reports them.
  struct OperatorState {
    std::uint32_t active = 0;
    std::uint32_t selected = 0;
    std::int32_t pending = -1;
    SwitchWhen pending_when = SwitchWhen::kNow;
    float master = 1.0F;
    bool blackout = false;
  };

  void handle_show_set(const nlohmann::json& payload, ControlReply& reply);
  // Queues `command` for the DMX thread: its sequence number, or 0 after
  // answering BUSY (the queue is full).
  std::uint64_t submit_or_busy(const LightingCommand& command, ControlReply& reply);
  // The DMX thread's last frame (`have`: there was one) with what the
  // operator asked for since laid over it. Caller holds show_mutex_.
  [[nodiscard]] OperatorState operator_state(const LightingSnapshot& snapshot, bool have) const;
  void publish_frames();
  [[nodiscard]] nlohmann::json frame_payload(const LightingSnapshot& snapshot) const;
  [[nodiscard]] std::string scene_name(std::int64_t index) const;
  void send_label_scene();

  Config::Dmx config_;
  std::filesystem::path data_dir_;
  std::string show_origin_;  // where the running show came from, for status

  // The current document and its scene names, as the control side knows them
  // (io thread writes under the mutex; the frame pusher reads under it).
  mutable std::mutex show_mutex_;
  std::shared_ptr<const ShowDocument> show_;
  std::uint64_t generation_ = 1;
  std::string label_;
  // What the operator asked for last (seq: its command's, 0 = nothing asked).
  // The DMX thread applies it on its next tick; until a frame has applied
  // it, show_get reports it over the frame, so a client that reads right
  // after the ack reads what it set (under show_mutex_).
  struct Requested {
    std::uint64_t master_seq = 0;
    float master = 1.0F;
    std::uint64_t blackout_seq = 0;
    bool blackout = false;
    std::uint64_t select_seq = 0;  // a scene selected now
    std::uint32_t select = 0;
    std::uint64_t queue_seq = 0;  // a scene switch on the next beat or bar
    std::uint32_t queue = 0;
    SwitchWhen queue_when = SwitchWhen::kBeat;
  } requested_;

  std::unique_ptr<DmxThread> dmx_;
  // Which universes hold manual overrides (the DMX thread's slots, mirrored):
  // legacy writes beyond its capacity are refused instead of dropped.
  std::mutex overrides_mutex_;
  OverrideLedger overrides_;

  Server* server_ = nullptr;
  std::thread pusher_;
  std::mutex pusher_mutex_;
  std::condition_variable pusher_wake_;
  bool pusher_stop_ = false;
  std::atomic<std::uint64_t> frames_pushed_{0};
  std::atomic<std::uint64_t> shows_saved_{0};
  std::atomic<std::uint64_t> show_save_errors_{0};
};

}  // namespace lumina
