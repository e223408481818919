#include "lumina/lighting/dmx_thread.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "lumina/core/clock.hpp"
#include "lumina/core/realtime.hpp"
#include "lumina/lighting/artdmx.hpp"
#include "lumina/lighting/band_show.hpp"
#include "lumina/lighting/udp_sender.hpp"

namespace lumina {
namespace {

// Enough for a burst of fader moves from several browsers between two ticks.
constexpr std::size_t kOverrideQueueCapacity = 4096;
// The config caps fps at 44 (Art-Net's refresh ceiling); the thread itself
// accepts more so tests can run many ticks quickly.
constexpr std::uint32_t kMaxFps = 1000;
constexpr std::int64_t kNsPerSecond = 1'000'000'000;

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

}  // namespace

struct DmxThread::Impl {
  Impl(const Options& options, const LatestValue<AnalysisFrame>& latest_frames)
      : fps(options.fps),
        universe(options.universe),
        blackout_on_exit(options.blackout_on_exit),
        frames(latest_frames),
        sender(options.targets),
        encoder(options.universe),
        overrides(kOverrideQueueCapacity) {}

  void run() noexcept;
  void tick(std::int64_t lateness_ns) noexcept;
  void drain_overrides() noexcept;
  void send_blackout() noexcept;
  void count_send(const UdpSendResult& result) noexcept;

  const std::uint32_t fps;
  const std::uint16_t universe;
  const bool blackout_on_exit;
  const LatestValue<AnalysisFrame>& frames;

  // Tick-thread state, allocated here so the tick never allocates. After
  // join() the stopping thread may use it (join orders the accesses).
  UdpSender sender;
  ArtDmxEncoder encoder;
  AnalysisFrame frame{};  // last frame loaded; kept when a load races the writer
  DmxUniverseData output{};
  // The override layer: once a channel is written it holds that value over
  // the show output for the life of the thread (there is no "release" yet).
  DmxUniverseData override_value{};
  std::array<bool, kDmxChannels> override_set{};
  std::array<std::uint8_t, kArtDmxMaxPacketSize> packet{};

  // Control plane → tick. Single producer (submit_override), single consumer (tick).
  SpscRing<DmxOverride> overrides;

  std::atomic<bool> stop_requested{false};
  std::thread thread;
  std::mutex lifecycle;  // start/stop only; the tick never touches it
  bool started = false;
  bool stopped = false;

  std::atomic<std::uint64_t> ticks{0};
  std::atomic<std::uint64_t> missed_ticks{0};
  std::atomic<std::uint64_t> packets_sent{0};
  std::atomic<std::uint64_t> send_errors{0};
  std::atomic<std::uint64_t> overrides_dropped{0};
  std::atomic<std::int64_t> last_lateness_ns{0};
  std::atomic<std::int64_t> max_lateness_ns{0};
  std::atomic<double> latency_ms{-1.0};
  std::atomic<int> last_send_errno{0};
};

// Not RT-safe as a whole (it sleeps), but everything between two sleeps is
// the tick, which is: no allocation, no locks, no logging.
void DmxThread::Impl::run() noexcept {
  const std::int64_t start_ns = monotonic_ns();
  std::uint64_t n = 0;
  while (!stop_requested.load(std::memory_order_acquire)) {
    const std::int64_t deadline = deadline_of(start_ns, n, fps);
    sleep_until_ns(deadline);
    if (stop_requested.load(std::memory_order_acquire)) break;
    const std::int64_t wake = monotonic_ns();
    tick(wake - deadline);
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

// RT-safe: wait-free pops from the SPSC ring, writes fixed arrays.
void DmxThread::Impl::drain_overrides() noexcept {
  DmxOverride write;
  while (overrides.try_pop(write)) {
    // Only one universe exists so far; writes for others are ignored, as are
    // channels outside 1..512.
    if (write.universe != universe || write.channel < 1 || write.channel > kDmxChannels) continue;
    override_value[write.channel - 1] = write.value;
    override_set[write.channel - 1] = true;
  }
}

// RT-safe: relaxed atomic counters only.
void DmxThread::Impl::count_send(const UdpSendResult& result) noexcept {
  packets_sent.fetch_add(result.sent, std::memory_order_relaxed);
  if (result.failed != 0) {
    send_errors.fetch_add(result.failed, std::memory_order_relaxed);
    last_send_errno.store(result.last_errno, std::memory_order_relaxed);
  }
}

// RT-safe: lock-free frame load, fixed-size render and encode, non-blocking
// sendto, relaxed atomic stats. The RealtimeScope lets tests catch any
// allocation made here.
void DmxThread::Impl::tick(std::int64_t lateness_ns) noexcept {
  const RealtimeScope realtime;
  // A failed load leaves `frame` as it was: zeros before the first frame,
  // otherwise the previous one (better than a dark flash when the writer races).
  (void)frames.load(frame);
  render_band_show(frame, output);
  drain_overrides();
  for (std::size_t i = 0; i < kDmxChannels; ++i) {
    if (override_set[i]) output[i] = override_value[i];
  }
  const std::size_t size = encoder.encode(output.data(), output.size(), packet.data(), packet.size());

  const std::int64_t sent_at = monotonic_ns();
  count_send(sender.send_to_all(packet.data(), size));

  ticks.fetch_add(1, std::memory_order_relaxed);
  last_lateness_ns.store(lateness_ns, std::memory_order_relaxed);
  if (lateness_ns > max_lateness_ns.load(std::memory_order_relaxed)) {
    max_lateness_ns.store(lateness_ns, std::memory_order_relaxed);  // single writer: no CAS needed
  }
  const double latency =
      frame.captured_ns > 0 ? static_cast<double>(sent_at - frame.captured_ns) / 1e6 : -1.0;
  latency_ms.store(latency, std::memory_order_relaxed);
}

// Runs on the stopping thread after join. Not RT-safe, and need not be.
void DmxThread::Impl::send_blackout() noexcept {
  output.fill(0);
  const std::size_t size = encoder.encode(output.data(), output.size(), packet.data(), packet.size());
  count_send(sender.send_to_all(packet.data(), size));
}

DmxThread::DmxThread(Options options, const LatestValue<AnalysisFrame>& frames)
    : impl_(nullptr), options_(std::move(options)) {
  if (options_.fps < 1 || options_.fps > kMaxFps) {
    throw std::invalid_argument("DMX fps must be 1.." + std::to_string(kMaxFps) + ", got " +
                                std::to_string(options_.fps));
  }
  if (options_.universe > kArtNetMaxPortAddress) {
    throw std::invalid_argument("DMX universe must be a 15-bit Art-Net port-address (0..32767), got " +
                                std::to_string(options_.universe));
  }
  impl_ = std::make_unique<Impl>(options_, frames);

  std::string targets;
  for (const std::string& name : impl_->sender.describe_targets()) {
    targets += targets.empty() ? name : ", " + name;
  }
  spdlog::info("DMX: universe {} at {} fps to [{}], blackout on exit {}", options_.universe, options_.fps,
               targets, options_.blackout_on_exit ? "on" : "off");
}

DmxThread::~DmxThread() { stop(); }

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
    spdlog::info("DMX: blackout frame sent (sequence {})", impl_->encoder.last_sequence());
  }
  const DmxStats s = stats();
  spdlog::info("DMX: stopped after {} ticks ({} missed), {} packets sent, {} send errors, max lateness {:.2f} ms",
               s.ticks, s.missed_ticks, s.packets_sent, s.send_errors, static_cast<double>(s.max_lateness_ns) / 1e6);
  if (s.send_errors != 0) {
    spdlog::warn("DMX: last send error: {}", std::strerror(impl_->last_send_errno.load(std::memory_order_relaxed)));
  }
}

// Lock-free (wait-free SPSC push); single producer only. The tick applies the
// write at its next boundary and then holds it (see override_set); writes for
// another universe or a channel outside 1..512 are accepted here and ignored there.
bool DmxThread::submit_override(const DmxOverride& write) noexcept {
  if (impl_->overrides.try_push(write)) return true;
  impl_->overrides_dropped.fetch_add(1, std::memory_order_relaxed);
  return false;
}

// Any thread. Each field is read atomically; the set is not one consistent instant.
DmxStats DmxThread::stats() const noexcept {
  DmxStats s;
  s.ticks = impl_->ticks.load(std::memory_order_relaxed);
  s.missed_ticks = impl_->missed_ticks.load(std::memory_order_relaxed);
  s.packets_sent = impl_->packets_sent.load(std::memory_order_relaxed);
  s.send_errors = impl_->send_errors.load(std::memory_order_relaxed);
  s.overrides_dropped = impl_->overrides_dropped.load(std::memory_order_relaxed);
  s.last_lateness_ns = impl_->last_lateness_ns.load(std::memory_order_relaxed);
  s.max_lateness_ns = impl_->max_lateness_ns.load(std::memory_order_relaxed);
  s.latency_ms = impl_->latency_ms.load(std::memory_order_relaxed);
  return s;
}

}  // namespace lumina
