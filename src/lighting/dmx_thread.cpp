#include "lumina/lighting/dmx_thread.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "lumina/core/clock.hpp"
#include "lumina/core/realtime.hpp"
#include "lumina/lighting/artdmx.hpp"
#include "lumina/lighting/override_ledger.hpp"  // kOverrideUniverses: the ledger mirrors these slots

namespace lumina {
namespace {

// Enough for a burst of fader moves from several browsers between two ticks.
constexpr std::size_t kCommandQueueCapacity = 4096;
// Shows handed over but not yet reclaimed; more in flight → show_set is refused.
constexpr std::size_t kRetiredCapacity = 16;
// The config caps fps at 44 (Art-Net's refresh ceiling); the thread itself
// accepts more so tests can run many ticks quickly.
constexpr std::uint32_t kMaxFps = 1000;
constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::size_t kOnsetWindow = 256;
// Below the audio thread (JACK/PortAudio run at 70-95), above everything else.
constexpr int kDmxRealtimePriority = 40;

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<std::int64_t>::is_always_lock_free);
static_assert(std::atomic<double>::is_always_lock_free);

// Deadline of tick `n`: start + n * (1 s / fps), split into whole seconds and
// a remainder so the product never overflows and never accumulates rounding.
// RT-safe: pure arithmetic.
std::int64_t deadline_of(std::int64_t start_ns, std::uint64_t n, std::uint32_t fps) noexcept {
  const auto whole = static_cast<std::int64_t>(n / fps);
  const auto rest = static_cast<std::int64_t>(n % fps);
  return start_ns + whole * kNsPerSecond + rest * kNsPerSecond / fps;
}

// Index of the latest tick whose deadline is at or before `now_ns`.
// RT-safe: pure arithmetic.
std::uint64_t latest_due_tick(std::int64_t start_ns, std::int64_t now_ns, std::uint32_t fps) noexcept {
  if (now_ns <= start_ns) return 0;
  const auto elapsed = static_cast<std::uint64_t>(now_ns - start_ns);
  const std::uint64_t seconds = elapsed / kNsPerSecond;
  const std::uint64_t rest = elapsed % kNsPerSecond;
  return seconds * fps + rest * fps / kNsPerSecond;
}

// Ticks a latency offset of `ms` spans, rounded to the nearest tick.
std::int64_t offset_ticks(std::int32_t ms, std::uint32_t fps) {
  return static_cast<std::int64_t>(std::lround(static_cast<double>(ms) * fps / 1000.0));
}

// A fixed window of recent samples written by one thread (the tick) and read
// by any: relaxed atomics, so a reader may mix two ticks' values, which a
// percentile over hundreds of samples tolerates.
template <std::size_t N>
class SampleWindow {
 public:
  // RT-safe: two relaxed atomic stores.
  void add(float value) noexcept {
    const std::uint64_t n = count_.load(std::memory_order_relaxed);
    values_[n % N].store(value, std::memory_order_relaxed);
    count_.store(n + 1, std::memory_order_release);
  }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_.load(std::memory_order_acquire); }
  // Percentile `p` (0..1) of the window, or -1 when empty. Not RT-safe (sorts a copy).
  [[nodiscard]] double percentile(double p) const {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(count(), N));
    if (n == 0) return -1.0;
    std::vector<float> copy(n);
    for (std::size_t i = 0; i < n; ++i) copy[i] = values_[i].load(std::memory_order_relaxed);
    const auto k = static_cast<std::size_t>(std::min<double>(static_cast<double>(n - 1), std::floor(p * static_cast<double>(n))));
    std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(k), copy.end());
    return copy[k];
  }
  [[nodiscard]] double max() const {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(count(), N));
    float best = n == 0 ? -1.0F : values_[0].load(std::memory_order_relaxed);
    for (std::size_t i = 1; i < n; ++i) best = std::max(best, values_[i].load(std::memory_order_relaxed));
    return best;
  }

 private:
  std::array<std::atomic<float>, N> values_{};
  std::atomic<std::uint64_t> count_{0};
};

struct OverrideLayer {
  bool used = false;
  std::uint16_t universe = 0;
  DmxUniverseData value{};
  DmxChannelMask set{};
};

}  // namespace

struct DmxThread::Impl {
  Impl(const Options& options, const LatestValue<AnalysisFrame>& latest_frames, std::unique_ptr<ShowRenderer> initial)
      : fps(options.dmx.fps),
        capacity(options.max_universes),
        blackout_on_exit(options.dmx.blackout_on_exit),
        realtime_priority(options.realtime_priority),
        frames(latest_frames),
        output(options.dmx, options.sacn_cid),
        commands(kCommandQueueCapacity),
        retired(kRetiredCapacity),
        show(std::move(initial)) {
    // A negative offset makes that output run ahead of the audio: the show
    // renders `lead` early (beats fire on prediction) and every output is
    // delayed by its offset plus the lead.
    const std::int64_t artnet = offset_ticks(options.dmx.artnet.latency_offset_ms, fps);
    const std::int64_t sacn = offset_ticks(options.dmx.sacn.latency_offset_ms, fps);
    const std::int64_t lead_ticks = std::max<std::int64_t>(0, -std::min(artnet, sacn));
    lead_ns = lead_ticks * kNsPerSecond / fps;
    artnet_delay = static_cast<std::uint64_t>(artnet + lead_ticks);
    sacn_delay = static_cast<std::uint64_t>(sacn + lead_ticks);
    history_length = std::max(artnet_delay, sacn_delay) + 1;
    history_ids.assign(history_length * capacity, 0);
    history_data.assign(history_length * capacity, DmxUniverseData{});
    history_count.assign(history_length, 0);
    history_captured_ns.assign(history_length, 0);
    send_list.resize(capacity);
    const ShowProgram& program = show->program();
    selector.reset(static_cast<std::uint32_t>(program.scenes.size()), program.start_scene,
                   {program.idle_scene, program.idle_after_s, program.idle_below_db}, program.beats_per_bar);
  }

  void run() noexcept;
  void tick(std::int64_t now_ns, std::int64_t lateness_ns) noexcept;
  void apply(const LightingCommand& command, std::int64_t now_ns) noexcept;
  void compose(std::size_t slot) noexcept;
  std::size_t gather(std::size_t slot) noexcept;
  OverrideLayer* override_layer(std::uint16_t universe, bool create) noexcept;
  void publish_snapshot(std::size_t slot) noexcept;
  void send_blackout() noexcept;

  const std::uint32_t fps;
  const std::size_t capacity;
  const bool blackout_on_exit;
  const bool realtime_priority;
  const LatestValue<AnalysisFrame>& frames;
  DmxOutput output;
  SpscRing<LightingCommand> commands;
  std::mutex producers;       // serialises control threads on the producer side only
  std::uint64_t submitted = 0;  // the last LightingCommand::seq handed out (under `producers`)
  SpscRing<ShowRenderer*> retired;
  std::atomic<std::size_t> in_flight{0};  // shows submitted and not yet reclaimed

  // Tick-thread state, allocated here so the tick never allocates. After
  // join() the stopping thread may use it (join orders the accesses).
  std::unique_ptr<ShowRenderer> show;
  SceneSelector selector;
  EventTracker events;
  AnalysisFrame frame{};  // last frame loaded; kept when a load races the writer
  std::array<OverrideLayer, kOverrideUniverses> overrides{};
  float master = 1.0F;
  std::uint64_t applied_seq = 0;  // the last command applied (tick only)
  bool blackout = false;
  std::int64_t lead_ns = 0;
  std::uint64_t artnet_delay = 0;
  std::uint64_t sacn_delay = 0;
  std::uint64_t history_length = 1;
  std::uint64_t tick_index = 0;
  std::int64_t last_tick_ns = 0;
  // Frame history: slot s holds history_count[s] universes at
  // [s*capacity, s*capacity + count) of ids/data.
  std::vector<std::uint16_t> history_ids;
  std::vector<DmxUniverseData> history_data;
  std::vector<std::uint32_t> history_count;
  std::vector<std::int64_t> history_captured_ns;
  std::vector<UniverseFrame> send_list;
  LatestValue<LightingSnapshot> snapshots;
  LightingSnapshot snapshot_scratch{};

  std::atomic<bool> stop_requested{false};
  std::thread thread;
  std::mutex lifecycle;  // start/stop only; the tick never touches it
  bool started = false;
  bool stopped = false;

  std::atomic<std::uint64_t> ticks{0};
  std::atomic<std::uint64_t> missed_ticks{0};
  std::atomic<std::uint64_t> commands_dropped{0};
  std::atomic<std::uint64_t> universes_dropped{0};
  std::atomic<std::uint64_t> shows_swapped{0};
  std::atomic<std::int64_t> last_lateness_ns{0};
  std::atomic<std::int64_t> max_lateness_ns{0};
  std::atomic<double> latency_ms{-1.0};
  std::atomic<double> sacn_latency_ms{-1.0};
  std::atomic<bool> is_realtime{false};
  SampleWindow<DmxStats::kPacingWindow> lateness_window;
  SampleWindow<DmxStats::kPacingWindow> latency_window;
  SampleWindow<kOnsetWindow> onset_window;
};

// Not RT-safe as a whole (it sleeps), but everything between two sleeps is
// the tick, which is: no allocation, no locks, no logging.
void DmxThread::Impl::run() noexcept {
  if (realtime_priority) is_realtime.store(try_set_realtime_priority(kDmxRealtimePriority), std::memory_order_relaxed);
  enable_flush_denormals();
  const std::int64_t start_ns = monotonic_ns();
  last_tick_ns = start_ns;
  std::uint64_t n = 0;
  while (!stop_requested.load(std::memory_order_acquire)) {
    const std::int64_t deadline = deadline_of(start_ns, n, fps);
    sleep_until_ns(deadline);
    if (stop_requested.load(std::memory_order_acquire)) break;
    const std::int64_t wake = monotonic_ns();
    tick(wake, wake - deadline);
    // Woke after later deadlines had passed as well: skip them rather than
    // burst-send stale frames to catch up; the next tick is the next future one.
    const std::uint64_t latest = latest_due_tick(start_ns, wake, fps);
    if (latest > n) {
      missed_ticks.fetch_add(latest - n, std::memory_order_relaxed);
      n = latest + 1;
    } else {
      ++n;
    }
  }
}

// The override layer of `universe`, creating one in a free slot when asked.
// nullptr when absent (or no slot is free). RT-safe: linear scan of 16 slots.
OverrideLayer* DmxThread::Impl::override_layer(std::uint16_t universe, bool create) noexcept {
  OverrideLayer* free_slot = nullptr;
  for (auto& layer : overrides) {
    if (layer.used && layer.universe == universe) return &layer;
    if (!layer.used && free_slot == nullptr) free_slot = &layer;
  }
  if (!create || free_slot == nullptr) return nullptr;
  free_slot->used = true;
  free_slot->universe = universe;
  free_slot->set.fill(0);
  return free_slot;
}

// RT-safe: fixed-size writes; a retired show goes back on the lock-free ring.
void DmxThread::Impl::apply(const LightingCommand& c, std::int64_t now_ns) noexcept {
  switch (c.kind) {
    case LightingCommand::Kind::kOverride: {
      if (c.channel < 1 || c.channel > kDmxChannels || c.universe > kArtNetMaxPortAddress) return;
      OverrideLayer* layer = override_layer(c.universe, true);
      if (layer == nullptr) {
        commands_dropped.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      layer->value[c.channel - 1] = c.value;
      mask_assign(layer->set, c.channel - 1U, true);
      return;
    }
    case LightingCommand::Kind::kRelease: {
      for (auto& layer : overrides) {
        if (!layer.used || (!c.all_universes && layer.universe != c.universe)) continue;
        if (c.channel >= 1 && c.channel <= kDmxChannels) {
          mask_assign(layer.set, c.channel - 1U, false);
        }
        if (c.channel == 0 || mask_empty(layer.set)) {
          layer.used = false;
        }
      }
      return;
    }
    case LightingCommand::Kind::kSelectScene:
      if (c.scene >= 0) selector.select(static_cast<std::uint32_t>(c.scene), c.when, now_ns);
      return;
    case LightingCommand::Kind::kLabelScene: selector.set_label_scene(c.scene); return;
    case LightingCommand::Kind::kMaster: master = std::clamp(c.level, 0.0F, 1.0F); return;
    case LightingCommand::Kind::kBlackout: blackout = c.on; return;
    case LightingCommand::Kind::kShow: {
      if (c.show == nullptr) return;
      const std::int32_t label = selector.label_scene();
      // Ring capacity equals the in-flight limit swap_show enforces, so this
      // push cannot fail; if it ever did, leaking beats freeing on the tick.
      (void)retired.try_push(show.release());
      show.reset(c.show);
      const ShowProgram& program = show->program();
      selector.reset(static_cast<std::uint32_t>(program.scenes.size()),
                     c.scene >= 0 ? static_cast<std::uint32_t>(c.scene) : program.start_scene,
                     {program.idle_scene, program.idle_after_s, program.idle_below_db}, program.beats_per_bar);
      (void)label;  // labels are re-sent by the control side for the new show's map
      shows_swapped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
}

// Copies the rendered universes and the override-only universes into history
// slot `slot`, then applies overrides, master and blackout there. Returns
// nothing; the slot's count says how many universes it holds.
// RT-safe: bounded copies into preallocated storage.
void DmxThread::Impl::compose(std::size_t slot) noexcept {
  const ShowProgram& program = show->program();
  const auto rendered = show->universes();
  std::uint16_t* ids = history_ids.data() + slot * capacity;
  DmxUniverseData* data = history_data.data() + slot * capacity;
  std::uint32_t count = 0;
  for (std::size_t i = 0; i < rendered.size(); ++i) {
    if (count == capacity) {
      universes_dropped.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    ids[count] = program.universes[i];
    data[count] = rendered[i];
    ++count;
  }
  const std::uint32_t patched = count;
  for (const auto& layer : overrides) {
    if (!layer.used || program.universe_slot(layer.universe) >= 0) continue;
    if (count == capacity) {
      universes_dropped.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    ids[count] = layer.universe;
    data[count].fill(0);
    ++count;
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    DmxUniverseData& out = data[i];
    if (const OverrideLayer* layer = override_layer(ids[i], false)) {
      for (std::size_t ch = 0; ch < kDmxChannels; ++ch) {
        if (mask_test(layer->set, ch)) out[ch] = layer->value[ch];
      }
    }
    if (blackout) {
      out.fill(0);
    } else if (master < 1.0F) {
      // Patched universes scale only light channels (never pan/tilt);
      // override-only universes have no patch, so every channel scales.
      const bool* mask = i < patched ? program.master_mask[static_cast<std::size_t>(program.universe_slot(ids[i]))].data()
                                     : nullptr;
      for (std::size_t ch = 0; ch < kDmxChannels; ++ch) {
        if (mask == nullptr || mask[ch]) {
          out[ch] = static_cast<std::uint8_t>(std::lround(static_cast<float>(out[ch]) * master));
        }
      }
    }
  }
  history_count[slot] = count;
  history_captured_ns[slot] = frame.captured_ns;
}

// Points send_list at history slot `slot`. RT-safe.
std::size_t DmxThread::Impl::gather(std::size_t slot) noexcept {
  const std::uint32_t count = history_count[slot];
  for (std::uint32_t i = 0; i < count; ++i) {
    send_list[i] = UniverseFrame{history_ids[slot * capacity + i], &history_data[slot * capacity + i]};
  }
  return count;
}

// RT-safe: fills the preallocated scratch and stores it through the seqlock.
void DmxThread::Impl::publish_snapshot(std::size_t slot) noexcept {
  LightingSnapshot& s = snapshot_scratch;
  s.generation = show->program().generation;
  s.tick = tick_index;
  s.active_scene = selector.active();
  s.selected_scene = selector.selected();
  s.pending_scene = selector.pending();
  s.pending_when = selector.pending_when();
  s.label_scene = selector.label_scene();
  s.idle = selector.idle();
  s.blackout = blackout;
  s.master = master;
  s.applied_seq = applied_seq;
  const std::uint32_t count = std::min<std::uint32_t>(history_count[slot], LightingSnapshot::kMaxUniverses);
  s.universe_count = count;
  s.universes_sent = history_count[slot];
  for (std::uint32_t i = 0; i < count; ++i) {
    s.universes[i] = history_ids[slot * capacity + i];
    s.data[i] = history_data[slot * capacity + i];
    const OverrideLayer* layer = override_layer(s.universes[i], false);
    s.held[i] = layer != nullptr ? layer->set : DmxChannelMask{};
    if (layer != nullptr) s.held_value[i] = layer->value;
  }
  snapshots.store(s);
}

// RT-safe: lock-free loads and pops, fixed-size render and merge,
// non-blocking sends, relaxed atomic stats. The RealtimeScope lets tests
// catch any allocation made here.
void DmxThread::Impl::tick(std::int64_t now_ns, std::int64_t lateness_ns) noexcept {
  const RealtimeScope realtime;
  // A failed load leaves `frame` as it was: zeros before the first frame,
  // otherwise the previous one (better than a dark flash when the writer races).
  (void)frames.load(frame);
  const TickEvents tick_events = events.update(frame, now_ns, lead_ns);
  LightingCommand command;
  while (commands.try_pop(command)) {
    apply(command, now_ns);
    applied_seq = command.seq;
  }

  const float dt_s = std::clamp(static_cast<float>(now_ns - last_tick_ns) / 1e9F, 0.0F, 0.5F);
  last_tick_ns = now_ns;
  const std::uint32_t scene = selector.update(tick_events, frame.rms_db, frame.bpm, now_ns);
  show->render(scene, frame, tick_events, dt_s, now_ns);

  const std::size_t slot = tick_index % history_length;
  compose(slot);
  // Before the sends: whoever sees this tick's packets on the wire then
  // finds the snapshot at least as new (the UI and tests rely on that).
  publish_snapshot(slot);

  // Each output sends the frame its delay asks for; until that much history
  // exists (the first ticks after start) it sends the oldest frame there is.
  const auto delayed_slot = [&](std::uint64_t delay) {
    const std::uint64_t back = std::min(delay, tick_index);
    return static_cast<std::size_t>((tick_index - back) % history_length);
  };
  const std::size_t artnet_slot = delayed_slot(artnet_delay);
  const std::size_t sacn_slot = delayed_slot(sacn_delay);
  std::size_t n = gather(artnet_slot);
  output.send_artnet({send_list.data(), n});
  const std::int64_t artnet_sent_ns = monotonic_ns();
  n = gather(sacn_slot);
  output.send_sacn({send_list.data(), n});
  const std::int64_t sacn_sent_ns = monotonic_ns();
  output.service(now_ns);

  ticks.fetch_add(1, std::memory_order_relaxed);
  last_lateness_ns.store(lateness_ns, std::memory_order_relaxed);
  if (lateness_ns > max_lateness_ns.load(std::memory_order_relaxed)) {
    max_lateness_ns.store(lateness_ns, std::memory_order_relaxed);  // single writer: no CAS needed
  }
  lateness_window.add(static_cast<float>(lateness_ns) / 1e6F);
  const auto latency_of = [](std::int64_t sent, std::int64_t captured) {
    return captured > 0 ? static_cast<double>(sent - captured) / 1e6 : -1.0;
  };
  const double artnet_latency = latency_of(artnet_sent_ns, history_captured_ns[artnet_slot]);
  latency_ms.store(artnet_latency, std::memory_order_relaxed);
  sacn_latency_ms.store(latency_of(sacn_sent_ns, history_captured_ns[sacn_slot]), std::memory_order_relaxed);
  if (artnet_latency >= 0.0) latency_window.add(static_cast<float>(artnet_latency));
  // Onset → wire: from the moment the onset's audio was captured to the
  // Art-Net send carrying the first frame rendered after it (plus the delay).
  if (tick_events.onset && frame.captured_ns > 0 && frame.sample_rate > 0 && frame.last_onset_time <= frame.sample_time) {
    const double back_s = static_cast<double>(frame.sample_time - frame.last_onset_time) / frame.sample_rate;
    const double onset_captured_ns = static_cast<double>(frame.captured_ns) - back_s * 1e9;
    const double delay_ns = static_cast<double>(artnet_delay) * 1e9 / fps;
    onset_window.add(static_cast<float>((static_cast<double>(artnet_sent_ns) + delay_ns - onset_captured_ns) / 1e6));
  }
  ++tick_index;
}

// Runs on the stopping thread after join. Not RT-safe, and need not be.
void DmxThread::Impl::send_blackout() noexcept {
  const std::size_t slot = tick_index % history_length;
  const std::uint32_t count = history_count[slot];
  for (std::uint32_t i = 0; i < count; ++i) history_data[slot * capacity + i].fill(0);
  const std::size_t n = gather(slot);
  output.send_artnet({send_list.data(), n});
  output.send_sacn({send_list.data(), n});
  output.terminate_sacn({send_list.data(), n});
}

DmxThread::DmxThread(Options options, const LatestValue<AnalysisFrame>& frames, std::unique_ptr<ShowRenderer> show)
    : impl_(nullptr), options_(std::move(options)) {
  if (options_.dmx.fps < 1 || options_.dmx.fps > kMaxFps) {
    throw std::invalid_argument("DMX fps must be 1.." + std::to_string(kMaxFps) + ", got " +
                                std::to_string(options_.dmx.fps));
  }
  if (options_.max_universes < 1) throw std::invalid_argument("DMX max universes must be at least 1");
  if (!show) throw std::invalid_argument("DMX thread needs a show");
  impl_ = std::make_unique<Impl>(options_, frames, std::move(show));

  std::string targets;
  for (const std::string& name : impl_->output.describe()) targets += targets.empty() ? name : ", " + name;
  spdlog::info("DMX: {} fps, up to {} universes, outputs [{}], Art-Net delay {} ticks, sACN delay {} ticks, "
               "beat lead {} ms, blackout on exit {}",
               options_.dmx.fps, options_.max_universes, targets, impl_->artnet_delay, impl_->sacn_delay,
               impl_->lead_ns / 1'000'000, options_.dmx.blackout_on_exit ? "on" : "off");
}

DmxThread::~DmxThread() {
  stop();
  if (impl_) {
    // The tick has stopped, so this is the commands ring's only consumer now:
    // a show handed over by swap_show but never adopted (stop came first) is
    // still owned by its command and would leak (found by LeakSanitizer).
    LightingCommand pending;
    while (impl_->commands.try_pop(pending)) {
      if (pending.kind == LightingCommand::Kind::kShow) delete pending.show;  // NOLINT(cppcoreguidelines-owning-memory)
    }
    reclaim();
  }
}

void DmxThread::start() {
  const std::lock_guard<std::mutex> lock(impl_->lifecycle);
  // One run per object: restarting would reset the deadline grid and reuse a
  // thread whose blackout has already been sent.
  if (impl_->started) {
    spdlog::warn("DMX: start() called again; the thread runs once per DmxThread");
    return;
  }
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
  // Best effort; the name only helps top/gdb.
  pthread_setname_np(impl_->thread.native_handle(), "lumina-dmx");
  impl_->started = true;
  spdlog::info("DMX: thread started");
}

void DmxThread::stop() {
  if (!impl_) return;
  const std::lock_guard<std::mutex> lock(impl_->lifecycle);
  // Never started: nothing has been sent, so there is nothing to black out.
  if (!impl_->started || impl_->stopped) return;
  impl_->stop_requested.store(true, std::memory_order_release);
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->stopped = true;
  if (impl_->blackout_on_exit) {
    impl_->send_blackout();
    spdlog::info("DMX: blackout frame sent");
  }
  const DmxStats s = stats();
  spdlog::info("DMX: stopped after {} ticks ({} missed), {} packets sent, {} send errors, max lateness {:.2f} ms",
               s.ticks, s.missed_ticks, s.packets_sent, s.send_errors, static_cast<double>(s.max_lateness_ns) / 1e6);
  const DmxOutputStats o = impl_->output.stats();
  if (o.send_errors != 0) spdlog::warn("DMX: last send error: {}", std::strerror(o.last_send_errno));
}

std::uint64_t DmxThread::submit(const LightingCommand& command) noexcept {
  // Control threads (io thread, classifier) take turns here; the tick only
  // pops, so numbering under the lock numbers in queue order.
  const std::lock_guard<std::mutex> lock(impl_->producers);
  LightingCommand numbered = command;
  numbered.seq = impl_->submitted + 1;
  if (impl_->commands.try_push(numbered)) return ++impl_->submitted;
  impl_->commands_dropped.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

bool DmxThread::submit_override(const DmxOverride& write) noexcept {
  LightingCommand c;
  c.kind = LightingCommand::Kind::kOverride;
  c.universe = write.universe;
  c.channel = write.channel;
  c.value = write.value;
  return submit(c) != 0;
}

std::uint64_t DmxThread::swap_show(std::unique_ptr<ShowRenderer> show, std::uint32_t selected_scene) {
  reclaim();
  if (impl_->in_flight.load(std::memory_order_acquire) >= kRetiredCapacity - 1) return 0;
  LightingCommand c;
  c.kind = LightingCommand::Kind::kShow;
  c.show = show.get();
  c.scene = static_cast<std::int32_t>(selected_scene);
  const std::uint64_t seq = submit(c);
  if (seq == 0) return 0;
  (void)show.release();  // the tick owns it now
  impl_->in_flight.fetch_add(1, std::memory_order_acq_rel);
  return seq;
}

void DmxThread::reclaim() {
  // Single consumer: serialised with the producers' mutex (never the tick's).
  const std::lock_guard<std::mutex> lock(impl_->producers);
  ShowRenderer* old = nullptr;
  while (impl_->retired.try_pop(old)) {
    delete old;  // NOLINT(cppcoreguidelines-owning-memory): ownership came back through the ring
    impl_->in_flight.fetch_sub(1, std::memory_order_acq_rel);
  }
}

bool DmxThread::snapshot(LightingSnapshot& out) const noexcept {
  // Control threads only. The seqlock gives up after a few immediate retries
  // when the tick is mid-write (a 4 KiB copy); a preempted writer can hold
  // that for a scheduler slice, so yield and try again rather than report
  // nothing.
  for (int attempt = 0; attempt < 200; ++attempt) {
    if (impl_->snapshots.load(out)) return true;
    std::this_thread::yield();
  }
  return false;
}

DmxStats DmxThread::stats() const noexcept {
  DmxStats s;
  const Impl& i = *impl_;
  s.ticks = i.ticks.load(std::memory_order_relaxed);
  s.missed_ticks = i.missed_ticks.load(std::memory_order_relaxed);
  const DmxOutputStats o = i.output.stats();
  s.packets_sent = o.artnet_packets + o.sacn_packets;
  s.send_errors = o.send_errors;
  s.last_send_errno = o.last_send_errno;
  s.overrides_dropped = i.commands_dropped.load(std::memory_order_relaxed);
  s.universes_dropped = i.universes_dropped.load(std::memory_order_relaxed);
  s.shows_swapped = i.shows_swapped.load(std::memory_order_relaxed);
  s.last_lateness_ns = i.last_lateness_ns.load(std::memory_order_relaxed);
  s.max_lateness_ns = i.max_lateness_ns.load(std::memory_order_relaxed);
  try {
    s.lateness_p50_ms = std::max(0.0, i.lateness_window.percentile(0.50));
    s.lateness_p99_ms = std::max(0.0, i.lateness_window.percentile(0.99));
    s.lateness_window_max_ms = std::max(0.0, i.lateness_window.max());
    s.latency_p50_ms = i.latency_window.percentile(0.50);
    s.latency_p99_ms = i.latency_window.percentile(0.99);
    s.onsets_measured = i.onset_window.count();
    s.onset_to_wire_p50_ms = i.onset_window.percentile(0.50);
    s.onset_to_wire_p99_ms = i.onset_window.percentile(0.99);
  } catch (...) {
    // Percentiles need a small allocation; without memory they stay unknown.
  }
  s.latency_ms = i.latency_ms.load(std::memory_order_relaxed);
  s.sacn_latency_ms = i.sacn_latency_ms.load(std::memory_order_relaxed);
  s.realtime = i.is_realtime.load(std::memory_order_relaxed);
  return s;
}

DmxOutputStats DmxThread::output_stats() const noexcept { return impl_->output.stats(); }

std::vector<ArtNetNodeInfo> DmxThread::nodes() const { return impl_->output.nodes(); }

std::uint16_t DmxThread::artnet_listen_port() const noexcept { return impl_->output.artnet_listen_port(); }

}  // namespace lumina
