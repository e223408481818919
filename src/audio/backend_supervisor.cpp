#include "lumina/audio/backend_supervisor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "lumina/core/scope_exit.hpp"

namespace lumina {
namespace {
constexpr auto kFirstBackoff = std::chrono::milliseconds(1000);
constexpr auto kMaxBackoff = std::chrono::milliseconds(10000);
// A running stream whose callback has not run for this long is lost even if
// PortAudio has not noticed (a JACK server killed with SIGKILL, a stalled card).
constexpr auto kStallTimeout = std::chrono::milliseconds(1500);
constexpr std::string_view kJackHostApiPrefix = "JACK Audio Connection Kit: ";
// How long the io thread's calls wait for the lock before answering without it.
constexpr auto kIoWait = std::chrono::milliseconds(200);
}  // namespace

BackendSupervisor::BackendSupervisor(AudioEngine& engine, Config::Audio settings)
    : engine_(engine), settings_(std::move(settings)) {
  published_.sample_rate = settings_.sample_rate;  // until a backend is open
}

BackendSupervisor::~BackendSupervisor() { stop(); }

void BackendSupervisor::open() {
  std::lock_guard lock(mutex_);
  wanted_device_ = settings_.backend == "portaudio" ? settings_.device : "";
  backend_ = open_audio_backend(settings_, engine_, fallback_reason_);
  publish();
}

void BackendSupervisor::start() {
  std::lock_guard lock(mutex_);
  try {
    backend_->start();
  } catch (const std::exception& err) {
    fallback_reason_ = err.what();
    spdlog::warn("audio stream failed to start ({}); falling back to the null clock", err.what());
    const std::uint32_t rate = backend_->sample_rate();
    backend_ = make_null_clock_backend(engine_, rate, settings_.block, settings_.realtime_priority);
    backend_->start();
  }
  started_ = true;
  last_blocks_ = engine_.stats().blocks;
  last_progress_ = std::chrono::steady_clock::now();
  publish();
}

void BackendSupervisor::stop() {
  std::lock_guard lock(mutex_);
  if (backend_) backend_->stop();
  started_ = false;
  publish();
}

// Caller holds mutex_. Stops the current backend before the next one starts:
// the engine is driven by exactly one clock at a time.
void BackendSupervisor::replace(std::unique_ptr<AudioBackend> next) {
  if (backend_) backend_->stop();
  backend_.reset();  // closes the stream (and releases PortAudio when it was the last user)
  backend_ = std::move(next);
  if (started_) backend_->start();
  last_blocks_ = engine_.stats().blocks;
  last_progress_ = std::chrono::steady_clock::now();
}

bool BackendSupervisor::switch_device(const std::string& device, std::string& error) {
  // Called on the io thread: never wait behind an open that may hang.
  std::unique_lock lock(mutex_, kIoWait);
  if (!lock.owns_lock()) {
    error = "the audio system is busy reopening a device (is its server stalled?); try again shortly";
    return false;
  }
  const ScopeExit publish_on_exit{[this] { publish(); }};
  if (reapers_->load() > 0) {
    error = "the audio system is still recovering from a lost device; try again shortly";
    return false;
  }
  const std::uint32_t rate = backend_->sample_rate();
  std::unique_ptr<AudioBackend> next;
  try {
    next = open_portaudio_backend(engine_, device, rate, settings_.block, /*exact_rate=*/true);
  } catch (const std::exception& err) {
    error = err.what();
    engine_.prepare(rate);  // a failed open may have touched it; the running backend's rate stays
    return false;
  }
  try {
    replace(std::move(next));
  } catch (const std::exception& err) {
    error = std::string("the device opened but its stream did not start: ") + err.what();
    backend_ = make_null_clock_backend(engine_, rate, settings_.block, settings_.realtime_priority);
    if (started_) backend_->start();
    fallback_reason_ = error;
    wanted_device_ = device;
    return false;
  }
  wanted_device_ = device;
  fallback_reason_.clear();
  recovering_ = false;
  return true;
}

// Caller holds mutex_.
bool BackendSupervisor::stream_lost() {
  if (!started_ || std::string_view(backend_->kind()) == "null") return false;
  if (!backend_->running()) return true;
  const std::uint64_t blocks = engine_.stats().blocks;
  const auto now = std::chrono::steady_clock::now();
  if (blocks != last_blocks_) {
    last_blocks_ = blocks;
    last_progress_ = now;
    return false;
  }
  return now - last_progress_ > kStallTimeout;
}

void BackendSupervisor::reap(std::unique_ptr<AudioBackend> dead) {
  auto reapers = reapers_;
  reapers->fetch_add(1);
  std::thread([dead = std::move(dead), reapers]() mutable {
    dead.reset();  // may block for a long time inside PortAudio
    reapers->fetch_sub(1);
  }).detach();
}

// Caller holds mutex_. PortAudio while it is usable; a native JACK client while
// a dead PortAudio stream is still being closed.
std::unique_ptr<AudioBackend> BackendSupervisor::reopen(std::uint32_t rate) {
  if (reapers_->load() == 0) return open_portaudio_backend(engine_, wanted_device_, rate, settings_.block, /*exact_rate=*/true);
  if (!lost_jack_client_.empty()) return open_jack_backend(engine_, lost_jack_client_, rate, settings_.block);
  throw std::runtime_error("PortAudio is still closing the lost stream");
}

void BackendSupervisor::supervise() {
  std::lock_guard lock(mutex_);
  if (!started_) return;
  const ScopeExit publish_on_exit{[this] { publish(); }};
  const auto now = std::chrono::steady_clock::now();
  if (stream_lost()) {
    ++streams_lost_;
    const std::string lost = backend_->device_name();
    fallback_reason_ = "the audio stream on '" + lost + "' stopped";
    spdlog::error("audio: {}; running on the null clock (DMX and analysis continue) and reopening it", fallback_reason_);
    if (lost.rfind(kJackHostApiPrefix, 0) == 0) lost_jack_client_ = lost.substr(kJackHostApiPrefix.size());
    else if (lost.rfind("JACK: ", 0) == 0) lost_jack_client_ = lost.substr(6);
    const std::uint32_t rate = backend_->sample_rate();
    // Never stop a dead stream here: that can block (see the class comment).
    // The engine's entry guard keeps a late callback from overlapping the null clock.
    std::unique_ptr<AudioBackend> dead = std::move(backend_);
    backend_ = make_null_clock_backend(engine_, rate, settings_.block, settings_.realtime_priority);
    backend_->start();
    last_blocks_ = engine_.stats().blocks;
    last_progress_ = now;
    reap(std::move(dead));
    recovering_ = true;
    backoff_ = kFirstBackoff;
    next_attempt_ = now + backoff_;
    return;
  }
  if (!recovering_ || now < next_attempt_) return;
  ++reopen_attempts_;
  const std::uint32_t rate = backend_->sample_rate();
  try {
    replace(reopen(rate));
    recovering_ = false;
    fallback_reason_.clear();
    spdlog::info("audio: reopened '{}' after {} attempt(s)", backend_->device_name(), reopen_attempts_);
  } catch (const std::exception& err) {
    engine_.prepare(rate);
    if (std::string_view(backend_->kind()) != "null") {
      // The device opened but would not start: back to the null clock.
      replace(make_null_clock_backend(engine_, rate, settings_.block, settings_.realtime_priority));
    }
    backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, kMaxBackoff);
    next_attempt_ = now + backoff_;
    spdlog::debug("audio: reopen attempt {} failed ({}); next in {} ms", reopen_attempts_, err.what(), backoff_.count());
  }
}

// Caller holds mutex_.
void BackendSupervisor::publish() {
  BackendStatus s;
  s.kind = backend_ ? backend_->kind() : "none";
  s.device = backend_ ? backend_->device_name() : "";
  s.wanted = wanted_device_;
  s.fallback_reason = fallback_reason_;
  s.running = backend_ && backend_->running();
  s.recovering = recovering_;
  s.streams_lost = streams_lost_;
  s.reopen_attempts = reopen_attempts_;
  s.sample_rate = backend_ ? backend_->sample_rate() : settings_.sample_rate;
  s.block = backend_ ? backend_->block() : 0;
  std::lock_guard lock(published_mutex_);
  published_ = std::move(s);
}

BackendStatus BackendSupervisor::status() const {
  std::lock_guard lock(published_mutex_);
  return published_;
}

std::vector<AudioDeviceInfo> BackendSupervisor::list_devices() const {
  // Called on the io thread: while an open holds the lock (past kIoWait), or
  // a reaper is inside PortAudio, the last list is the answer.
  std::unique_lock lock(mutex_, kIoWait);
  if (!lock.owns_lock() || reapers_->load() > 0) {
    std::lock_guard cache_lock(published_mutex_);
    return device_cache_;
  }
  try {
    auto devices = list_audio_devices();
    std::lock_guard cache_lock(published_mutex_);
    device_cache_ = devices;
    return devices;
  } catch (const std::exception& err) {
    spdlog::warn("audio: cannot list devices: {}", err.what());
    return {};
  }
}

std::uint32_t BackendSupervisor::sample_rate() const {
  std::lock_guard lock(published_mutex_);
  return published_.sample_rate;
}

}  // namespace lumina
