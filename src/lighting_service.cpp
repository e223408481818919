#include "lighting_service.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <condition_variable>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "lumina/core/json_integer.hpp"
#include "lumina/lighting/sacn.hpp"
#include "lumina/lighting/sacn_cid_store.hpp"
#include "lumina/lighting/show_program.hpp"
#include "lumina/lighting/show_renderer.hpp"
#include "lumina/store/data_dir.hpp"

namespace lumina {
namespace {

constexpr const char* kShowFileName = "show.json";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Parses and validates a show; the error names the origin and the path in the document.
std::shared_ptr<const ShowDocument> parse_show_text(const std::string& text, const std::string& origin) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error(origin + ": not valid JSON: " + e.what());
  }
  try {
    return std::make_shared<const ShowDocument>(parse_show(json));
  } catch (const ShowError& e) {
    throw std::runtime_error(origin + ": " + e.what());
  }
}

// The CID kept in the data dir; a broken or unwritable file must not keep the
// lights off, so luminad then runs with a fresh CID and says so.
SacnCid persisted_cid(const std::filesystem::path& data_dir) {
  try {
    return load_or_create_sacn_cid(sacn_cid_path(data_dir));
  } catch (const std::exception& e) {
    spdlog::warn("sACN: {}; using a new CID for this run", e.what());
    return generate_sacn_cid();
  }
}

std::unique_ptr<ShowRenderer> renderer_for(const ShowDocument& show, std::uint64_t generation) {
  return std::make_unique<ShowRenderer>(compile_show(show, generation));
}

// Universes a show's patch uses.
std::size_t universe_count(const ShowDocument& show) {
  std::vector<std::uint16_t> universes;
  for (const auto& f : show.fixtures) universes.push_back(f.universe);
  std::sort(universes.begin(), universes.end());
  return static_cast<std::size_t>(std::unique(universes.begin(), universes.end()) - universes.begin());
}

const char* when_name(SwitchWhen when) {
  switch (when) {
    case SwitchWhen::kNow: return "now";
    case SwitchWhen::kBeat: return "beat";
    case SwitchWhen::kBar: return "bar";
  }
  return "now";
}

}  // namespace

LightingService::LightingService(const Config& config, std::filesystem::path data_dir,
                                 const LatestValue<AnalysisFrame>& frames)
    : config_(config.dmx), data_dir_(std::move(data_dir)) {
  // The first show that loads wins; each failure is reported, none is fatal
  // while a later candidate (finally the built-in show) remains.
  const auto saved = data_dir_ / kShowFileName;
  std::error_code ec;
  if (std::filesystem::exists(saved, ec)) {
    try {
      show_ = parse_show_text(read_text(saved), saved.string());
      show_origin_ = saved.string();
    } catch (const std::exception& e) {
      spdlog::error("show: {} — using the configured show instead (the file is left for inspection; the next "
                    "show_set replaces it)",
                    e.what());
    }
  }
  if (!show_ && !config_.show_file.empty()) {
    try {
      show_ = parse_show_text(read_text(config_.show_file), config_.show_file);
      show_origin_ = config_.show_file;
    } catch (const std::exception& e) {
      spdlog::error("show: {} — using the built-in default show instead", e.what());
    }
  }
  if (!show_) {
    show_ = parse_show_text(kDefaultShowJson, "built-in default show");
    show_origin_ = "built-in default show";
  }
  if (universe_count(*show_) > config_.max_universes) {
    spdlog::error("show: {} patches {} universes but dmx.maxUniverses is {}; using the built-in default show",
                  show_origin_, universe_count(*show_), config_.max_universes);
    show_ = parse_show_text(kDefaultShowJson, "built-in default show");
    show_origin_ = "built-in default show";
  }

  DmxThread::Options options;
  options.dmx = config_;
  options.max_universes = config_.max_universes;
  options.realtime_priority = config.audio.realtime_priority;
  options.sacn_cid = persisted_cid(data_dir_);
  dmx_ = std::make_unique<DmxThread>(options, frames, renderer_for(*show_, generation_));
  spdlog::info("show: '{}' from {}: {} fixtures on {} universe(s), {} scenes, starting with '{}'", show_->name,
               show_origin_, show_->fixtures.size(), universe_count(*show_), show_->scenes.size(), show_->start_scene);
}

LightingService::~LightingService() { stop(); }

void LightingService::start_output() { dmx_->start(); }

void LightingService::start_pushes(Server& server) {
  server_ = &server;
  pusher_ = std::thread([this] { publish_frames(); });
  pthread_setname_np(pusher_.native_handle(), "lumina-dmxui");
}

void LightingService::stop() {
  {
    const std::lock_guard lock(pusher_mutex_);
    pusher_stop_ = true;
  }
  pusher_wake_.notify_all();
  if (pusher_.joinable()) pusher_.join();
  if (dmx_) dmx_->stop();
}

bool LightingService::write_override(const DmxOverride& write) noexcept { return dmx_->submit_override(write); }

std::string LightingService::scene_name(std::int64_t index) const {
  if (index < 0 || static_cast<std::size_t>(index) >= show_->scenes.size()) return "";
  return show_->scenes[static_cast<std::size_t>(index)].name;
}

LightingService::OperatorState LightingService::operator_state(const LightingSnapshot& snapshot, bool have) const {
  OperatorState s;
  // A frame of an older show (a swap not yet taken) says nothing of this one's scenes.
  const bool current = have && snapshot.generation == generation_;
  const std::uint32_t start = show_->scene_index(show_->start_scene).value_or(0);
  s.active = current ? snapshot.active_scene : start;
  s.selected = current ? snapshot.selected_scene : start;
  if (current) {
    s.pending = snapshot.pending_scene;
    s.pending_when = snapshot.pending_when;
  }
  if (have) {
    s.master = snapshot.master;
    s.blackout = snapshot.blackout;
  }
  const std::uint64_t applied = have ? snapshot.applied_seq : 0;
  if (requested_.master_seq > applied) s.master = requested_.master;
  if (requested_.blackout_seq > applied) s.blackout = requested_.blackout;
  // As SceneSelector::select and update will have them: selecting now
  // drops a pending switch, and the idle scene and a classifier label's
  // scene play over the selection.
  if (requested_.select_seq > applied) {
    s.selected = requested_.select;
    if (requested_.select_seq > requested_.queue_seq) s.pending = -1;
    if (!(current && (snapshot.idle || snapshot.label_scene >= 0))) s.active = requested_.select;
  }
  if (requested_.queue_seq > applied && requested_.queue_seq > requested_.select_seq) {
    s.pending = static_cast<std::int32_t>(requested_.queue);
    s.pending_when = requested_.queue_when;
  }
  return s;
}

nlohmann::json LightingService::show_payload() const {
  LightingSnapshot snapshot;
  const bool have = dmx_->snapshot(snapshot);
  const std::lock_guard lock(show_mutex_);
  nlohmann::json profiles = nlohmann::json::object();
  for (const auto& p : show_->profiles) {
    nlohmann::json channels = nlohmann::json::array();
    for (const Attribute a : p.channels) channels.push_back(std::string(attribute_name(a)));
    profiles[p.name] = channels;
  }
  const OperatorState state = operator_state(snapshot, have);
  nlohmann::json pending = nullptr;
  if (state.pending >= 0) pending = {{"scene", scene_name(state.pending)}, {"when", when_name(state.pending_when)}};
  return {{"show", show_->source},
          {"scene", scene_name(state.active)},
          {"selectedScene", scene_name(state.selected)},
          {"pendingScene", pending},
          {"master", state.master},
          {"blackout", state.blackout},
          {"origin", show_origin_},
          {"profiles", profiles}};
}

void LightingService::handle_show_set(const nlohmann::json& payload, ControlReply& reply) {
  const auto it = payload.find("show");
  if (it == payload.end()) {
    reply.error("BAD_PAYLOAD", "field 'show' is required: the whole show document (see show_get)");
    return;
  }
  std::shared_ptr<const ShowDocument> show;
  try {
    show = std::make_shared<const ShowDocument>(parse_show(*it));
  } catch (const ShowError& e) {
    reply.error("SHOW_INVALID", e.what());
    return;
  }
  if (universe_count(*show) > config_.max_universes) {
    reply.error("SHOW_INVALID", "fixtures: the patch uses " + std::to_string(universe_count(*show)) +
                                    " universes; dmx.maxUniverses allows " + std::to_string(config_.max_universes));
    return;
  }
  // Keep the operator's scene when the new show still has it.
  LightingSnapshot snapshot;
  std::string keep;
  {
    const bool have = dmx_->snapshot(snapshot);
    const std::lock_guard lock(show_mutex_);
    keep = scene_name(operator_state(snapshot, have).selected);
  }
  const std::uint32_t selected = show->scene_index(keep).value_or(show->scene_index(show->start_scene).value_or(0));
  const std::uint64_t generation = generation_ + 1;
  std::unique_ptr<ShowRenderer> renderer = renderer_for(*show, generation);
  // Saved first: the running show must be the one a restart brings back.
  try {
    write_file_atomically(data_dir_ / kShowFileName, show->source.dump(2) + "\n");
    shows_saved_.fetch_add(1, std::memory_order_relaxed);
  } catch (const std::exception& e) {
    show_save_errors_.fetch_add(1, std::memory_order_relaxed);
    reply.error("SHOW_SAVE_FAILED", std::string("the show was not changed: cannot save it: ") + e.what());
    return;
  }
  const std::uint64_t swap_seq = dmx_->swap_show(std::move(renderer), selected);
  if (swap_seq == 0) {
    reply.error("BUSY", "the DMX thread has not yet taken the previous shows; try again in a moment");
    return;
  }
  {
    const std::lock_guard lock(show_mutex_);
    show_ = show;
    generation_ = generation;
    // The swap selects `selected` (the scene kept above) and drops a pending
    // switch: until a frame of the new show exists, that is what show_get
    // and the push below report (a frame of the old show says nothing).
    requested_.select_seq = swap_seq;
    requested_.select = selected;
    requested_.queue_seq = 0;
    show_origin_ = (data_dir_ / kShowFileName).string();
  }
  send_label_scene();  // the new show has its own label map
  spdlog::info("show: '{}' set: {} fixtures, {} scenes", show->name, show->fixtures.size(), show->scenes.size());
  reply.ack({{"scene", show->scenes[selected].name}});
  if (server_ != nullptr) server_->publish("show", show_payload());
}

std::uint64_t LightingService::submit_or_busy(const LightingCommand& command, ControlReply& reply) {
  const std::uint64_t seq = dmx_->submit(command);
  if (seq == 0) reply.error("BUSY", "the DMX command queue is full; try again");
  return seq;
}

void LightingService::register_handlers(ServerHooks& hooks) {
  hooks.dmx_write = [this](const DmxOverride& write) { return write_override(write); };
  hooks.dmx_admit = [this](std::span<const DmxOverride> writes) {
    const std::lock_guard lock(overrides_mutex_);
    return overrides_.admit(writes);
  };
  hooks.handlers["show_get"] = [this](const nlohmann::json&, ControlReply& reply) {
    reply.reply("show", show_payload());
  };
  hooks.handlers["show_set"] = [this](const nlohmann::json& payload, ControlReply& reply) {
    handle_show_set(payload, reply);
  };
  hooks.handlers["scene_select"] = [this](const nlohmann::json& payload, ControlReply& reply) {
    const auto scene = payload.find("scene");
    if (scene == payload.end() || !scene->is_string()) {
      reply.error("BAD_PAYLOAD", "field 'scene' must be a scene name (a string; see show_get)");
      return;
    }
    SwitchWhen when = SwitchWhen::kNow;
    if (const auto w = payload.find("when"); w != payload.end()) {
      const std::string text = w->is_string() ? w->get<std::string>() : "";
      if (text == "now") {
        when = SwitchWhen::kNow;
      } else if (text == "beat") {
        when = SwitchWhen::kBeat;
      } else if (text == "bar") {
        when = SwitchWhen::kBar;
      } else {
        reply.error("BAD_PAYLOAD", "field 'when' must be \"now\", \"beat\" or \"bar\", got " + w->dump());
        return;
      }
    }
    std::optional<std::uint32_t> index;
    std::string known;
    {
      const std::lock_guard lock(show_mutex_);
      index = show_->scene_index(scene->get<std::string>());
      for (const auto& s : show_->scenes) known += (known.empty() ? "" : ", ") + s.name;
    }
    if (!index) {
      reply.error("SCENE_UNKNOWN", "no scene named " + scene->dump() + " in the show (scenes: " + known + ")");
      return;
    }
    LightingCommand c;
    c.kind = LightingCommand::Kind::kSelectScene;
    c.scene = static_cast<std::int32_t>(*index);
    c.when = when;
    const std::uint64_t seq = submit_or_busy(c, reply);
    if (seq == 0) return;
    {
      const std::lock_guard lock(show_mutex_);
      if (when == SwitchWhen::kNow) {
        requested_.select_seq = seq;
        requested_.select = *index;
      } else {
        requested_.queue_seq = seq;
        requested_.queue = *index;
        requested_.queue_when = when;
      }
    }
    reply.ack({{"scene", scene->get<std::string>()}, {"when", when_name(when)}});
  };
  hooks.handlers["dmx_master"] = [this](const nlohmann::json& payload, ControlReply& reply) {
    const auto level = payload.find("level");
    if (level == payload.end() || !level->is_number() || !(level->get<double>() >= 0.0 && level->get<double>() <= 1.0)) {
      reply.error("BAD_PAYLOAD", "field 'level' must be a number 0..1 (the master dimmer)" +
                                     std::string(level == payload.end() ? "" : ", got " + level->dump()));
      return;
    }
    LightingCommand c;
    c.kind = LightingCommand::Kind::kMaster;
    c.level = level->get<float>();
    const std::uint64_t seq = submit_or_busy(c, reply);
    if (seq == 0) return;
    {
      const std::lock_guard lock(show_mutex_);
      requested_.master_seq = seq;
      requested_.master = c.level;
    }
    reply.ack({{"master", c.level}});
  };
  hooks.handlers["dmx_blackout"] = [this](const nlohmann::json& payload, ControlReply& reply) {
    const auto on = payload.find("on");
    if (on == payload.end() || !on->is_boolean()) {
      reply.error("BAD_PAYLOAD", "field 'on' must be true or false");
      return;
    }
    LightingCommand c;
    c.kind = LightingCommand::Kind::kBlackout;
    c.on = on->get<bool>();
    const std::uint64_t seq = submit_or_busy(c, reply);
    if (seq == 0) return;
    {
      const std::lock_guard lock(show_mutex_);
      requested_.blackout_seq = seq;
      requested_.blackout = c.on;
    }
    reply.ack({{"blackout", c.on}});
  };
  hooks.handlers["dmx_release"] = [this](const nlohmann::json& payload, ControlReply& reply) {
    LightingCommand c;
    c.kind = LightingCommand::Kind::kRelease;
    c.all_universes = true;
    if (const auto u = payload.find("u"); u != payload.end()) {
      const auto value = json_integer(*u);
      if (!value || *value < 0 || *value > 32767) {
        reply.error("BAD_PAYLOAD", "field 'u' must be a universe 0..32767, got " + u->dump());
        return;
      }
      c.all_universes = false;
      c.universe = static_cast<std::uint16_t>(*value);
    }
    if (const auto ch = payload.find("ch"); ch != payload.end()) {
      const auto value = json_integer(*ch);
      if (!value || *value < 1 || *value > 512) {
        reply.error("BAD_PAYLOAD", "field 'ch' must be a channel 1..512, got " + ch->dump());
        return;
      }
      if (c.all_universes) {
        reply.error("BAD_PAYLOAD", "field 'ch' needs 'u' (which universe's channel to release)");
        return;
      }
      c.channel = static_cast<std::uint16_t>(*value);
    }
    if (submit_or_busy(c, reply) == 0) return;
    {
      const std::lock_guard lock(overrides_mutex_);
      if (c.all_universes) {
        overrides_.release_all();
      } else if (c.channel == 0) {
        overrides_.release(c.universe);
      } else {
        overrides_.release(c.universe, c.channel);
      }
    }
    reply.ack();
  };
}

void LightingService::set_label(const std::string& label) {
  {
    const std::lock_guard lock(show_mutex_);
    if (label == label_) return;
    label_ = label;
  }
  send_label_scene();
}

void LightingService::send_label_scene() {
  LightingCommand c;
  c.kind = LightingCommand::Kind::kLabelScene;
  {
    const std::lock_guard lock(show_mutex_);
    for (const auto& [label, scene] : show_->labels) {
      if (label == label_) c.scene = static_cast<std::int32_t>(show_->scene_index(scene).value_or(0));
    }
  }
  (void)dmx_->submit(c);  // a full queue drops it (counted); the next label change resends
}

nlohmann::json LightingService::frame_payload(const LightingSnapshot& s) const {
  nlohmann::json universes = nlohmann::json::array();
  for (std::uint32_t i = 0; i < s.universe_count; ++i) {
    nlohmann::json held = nlohmann::json::array();  // [channel, value] of each manual override
    for (std::size_t ch = 0; ch < kDmxChannels; ++ch) {
      if (mask_test(s.held[i], ch)) held.push_back({ch + 1, s.held_value[i][ch]});
    }
    universes.push_back({{"u", s.universes[i]}, {"dmx", s.data[i]}, {"held", std::move(held)}});
  }
  const std::lock_guard lock(show_mutex_);
  const bool current = s.generation == generation_;
  nlohmann::json pending = nullptr;
  if (current && s.pending_scene >= 0) {
    pending = {{"scene", scene_name(s.pending_scene)}, {"when", when_name(s.pending_when)}};
  }
  return {{"scene", current ? nlohmann::json(scene_name(s.active_scene)) : nlohmann::json(nullptr)},
          {"selectedScene", current ? nlohmann::json(scene_name(s.selected_scene)) : nlohmann::json(nullptr)},
          {"pendingScene", pending},
          {"idle", s.idle},
          {"label", label_.empty() ? nlohmann::json(nullptr) : nlohmann::json(label_)},
          {"master", s.master},
          {"blackout", s.blackout},
          {"universes", universes}};
}

// Thread lumina-dmxui: at dmx.framePushFps, turns the DMX thread's latest
// snapshot into a dmx_frame telemetry push (latest-wins per client).
void LightingService::publish_frames() {
  const auto period = std::chrono::microseconds(1'000'000 / std::max<std::uint32_t>(1, config_.frame_push_fps));
  std::uint64_t last_tick = 0;
  auto next = std::chrono::steady_clock::now();
  std::unique_lock lock(pusher_mutex_);
  while (!pusher_stop_) {
    next += period;
    if (pusher_wake_.wait_until(lock, next, [this] { return pusher_stop_; })) break;
    lock.unlock();
    LightingSnapshot snapshot;
    if (dmx_->snapshot(snapshot) && snapshot.tick != last_tick) {
      last_tick = snapshot.tick;
      try {
        server_->publish_telemetry("dmx_frame", frame_payload(snapshot));
        frames_pushed_.fetch_add(1, std::memory_order_relaxed);
      } catch (const std::exception& e) {
        spdlog::warn("dmx_frame: {}", e.what());
      }
    }
    lock.lock();
  }
}

nlohmann::json LightingService::status() const {
  const DmxStats d = dmx_->stats();
  const DmxOutputStats o = dmx_->output_stats();
  LightingSnapshot snapshot;
  const bool have = dmx_->snapshot(snapshot);
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : dmx_->nodes()) {
    char ip[16];
    std::snprintf(ip, sizeof(ip), "%u.%u.%u.%u", (n.ip >> 24) & 255U, (n.ip >> 16) & 255U, (n.ip >> 8) & 255U,
                  n.ip & 255U);
    nlohmann::json universes = nlohmann::json::array();
    for (std::size_t i = 0; i < n.output_count; ++i) universes.push_back(n.output_port_addresses[i]);
    nodes.push_back({{"ip", ip}, {"name", std::string(n.short_name.data())}, {"universes", universes}});
  }
  const auto ms_or_null = [](double v) { return v < 0.0 ? nlohmann::json(nullptr) : nlohmann::json(v); };
  std::string scene;
  {
    const std::lock_guard lock(show_mutex_);
    if (have && snapshot.generation == generation_) scene = scene_name(snapshot.active_scene);
  }
  return {{"fps", config_.fps},
          {"universe", config_.universe},
          {"universes", have ? snapshot.universes_sent : 0},
          {"ticks", d.ticks},
          {"missedTicks", d.missed_ticks},
          {"packetsSent", d.packets_sent},
          {"artnetPackets", o.artnet_packets},
          {"sacnPackets", o.sacn_packets},
          {"sendErrors", d.send_errors},
          {"lastSendError", d.last_send_errno == 0 ? nlohmann::json(nullptr)
                                                   : nlohmann::json(std::error_code(d.last_send_errno, std::generic_category()).message())},
          {"overridesDropped", d.overrides_dropped},
          {"universesDropped", d.universes_dropped},
          {"realtime", d.realtime},
          {"lastLatenessUs", static_cast<double>(d.last_lateness_ns) / 1e3},
          {"maxLatenessUs", static_cast<double>(d.max_lateness_ns) / 1e3},
          {"pacingP50Ms", d.lateness_p50_ms},
          {"pacingP99Ms", d.lateness_p99_ms},
          {"pacingWindowMaxMs", d.lateness_window_max_ms},
          {"latencyMs", ms_or_null(d.latency_ms)},
          {"sacnLatencyMs", ms_or_null(d.sacn_latency_ms)},
          {"latencyP50Ms", ms_or_null(d.latency_p50_ms)},
          {"latencyP99Ms", ms_or_null(d.latency_p99_ms)},
          {"onsetsMeasured", d.onsets_measured},
          {"onsetToWireP50Ms", ms_or_null(d.onset_to_wire_p50_ms)},
          {"onsetToWireP99Ms", ms_or_null(d.onset_to_wire_p99_ms)},
          {"artnetLatencyOffsetMs", config_.artnet.latency_offset_ms},
          {"sacnLatencyOffsetMs", config_.sacn.latency_offset_ms},
          {"pollsSent", o.polls_sent},
          {"pollRepliesSent", o.replies_sent},
          {"nodes", nodes},
          {"scene", scene},
          {"master", have ? snapshot.master : 1.0F},
          {"blackout", have && snapshot.blackout},
          {"framesPushed", frames_pushed_.load(std::memory_order_relaxed)}};
}

std::vector<MetricSample> LightingService::metrics() const {
  const DmxStats d = dmx_->stats();
  const DmxOutputStats o = dmx_->output_stats();
  const auto counter = MetricSample::counter;
  const auto gauge = MetricSample::gauge;
  std::vector<MetricSample> out;
  out.push_back(counter("lumina_dmx_ticks_total", "DMX frames rendered and sent.", static_cast<double>(d.ticks)));
  out.push_back(counter("lumina_dmx_missed_ticks_total", "DMX deadlines skipped because the thread woke too late.",
                        static_cast<double>(d.missed_ticks)));
  out.push_back(counter("lumina_dmx_packets_sent_total", "Art-Net and sACN datagrams accepted by the kernel.",
                        static_cast<double>(d.packets_sent)));
  out.push_back(counter("lumina_dmx_send_errors_total", "Art-Net and sACN sends that failed.",
                        static_cast<double>(d.send_errors)));
  out.push_back(counter("lumina_dmx_commands_dropped_total", "Lighting commands dropped: the queue to the DMX thread was full.",
                        static_cast<double>(d.overrides_dropped)));
  out.push_back(counter("lumina_artnet_polls_sent_total", "ArtPoll sent by discovery.", static_cast<double>(o.polls_sent)));
  out.push_back(counter("lumina_artnet_poll_replies_sent_total", "ArtPollReply sent.", static_cast<double>(o.replies_sent)));
  out.push_back(gauge("lumina_artnet_nodes", "Art-Net nodes known from ArtPollReply.", static_cast<double>(o.nodes_known)));
  out.push_back(gauge("lumina_dmx_lateness_max_seconds", "Worst DMX tick wake-up lateness since start.",
                      static_cast<double>(d.max_lateness_ns) / 1e9));
  out.push_back(gauge("lumina_dmx_pacing_p99_seconds", "DMX tick wake-up lateness, 99th percentile of the last 1024 ticks.",
                      d.lateness_p99_ms / 1e3));
  if (d.latency_p50_ms >= 0.0) {
    out.push_back(gauge("lumina_dmx_latency_p50_seconds", "Audio capture to Art-Net wire, median of the last 1024 ticks.",
                        d.latency_p50_ms / 1e3));
  }
  if (d.onset_to_wire_p50_ms >= 0.0) {
    out.push_back(gauge("lumina_dmx_onset_to_wire_p50_seconds", "Onset audio to Art-Net wire, median of the last 256 onsets.",
                        d.onset_to_wire_p50_ms / 1e3));
  }
  out.push_back(counter("lumina_dmx_frames_pushed_total", "dmx_frame pushes to the UI.",
                        static_cast<double>(frames_pushed_.load(std::memory_order_relaxed))));
  return out;
}

}  // namespace lumina
