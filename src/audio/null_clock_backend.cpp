// The null clock: with no sound card, a thread calls the same callback body
// at the configured rate on absolute CLOCK_MONOTONIC deadlines, so analysis,
// DMX and the sample clock behave exactly as with a device.
#include <pthread.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "lumina/audio/backend.hpp"
#include "lumina/core/clock.hpp"
#include "lumina/core/realtime.hpp"

namespace lumina {
namespace {

constexpr std::uint32_t kOutputChannels = 2;
// After a stall longer than this many blocks the clock resynchronises instead
// of bursting through the backlog (and counts an xrun, as a device would).
constexpr std::int64_t kMaxCatchUpBlocks = 8;

class NullClockBackend final : public AudioBackend {
 public:
  NullClockBackend(AudioEngine& engine, std::uint32_t sample_rate, std::uint32_t block, bool realtime_priority)
      : engine_(engine),
        sample_rate_(sample_rate),
        block_(block),
        realtime_priority_(realtime_priority),
        output_(static_cast<std::size_t>(block) * kOutputChannels) {
    engine_.prepare(sample_rate_);
  }
  ~NullClockBackend() override { stop(); }

  void start() override {
    if (running_.exchange(true)) return;
    thread_ = std::thread([this] { run(); });
  }
  void stop() override {
    running_.store(false);
    if (thread_.joinable()) thread_.join();
  }
  bool running() const override { return running_.load(); }
  const char* kind() const noexcept override { return "null"; }
  std::string device_name() const override { return "null clock"; }
  std::uint32_t sample_rate() const noexcept override { return sample_rate_; }
  std::uint32_t block() const noexcept override { return block_; }
  std::uint32_t input_channels() const noexcept override { return 0; }

 private:
  void run() {
    pthread_setname_np(pthread_self(), "lumina-audio");
    if (realtime_priority_) try_set_realtime_priority(70);
    enable_flush_denormals();
    // Block n is due at start + n * period, computed exactly in integer ns.
    const std::int64_t start = monotonic_ns();
    std::int64_t n = 0;
    std::uint32_t status = 0;
    auto due = [&](std::int64_t k) {
      return start + k * static_cast<std::int64_t>(block_) * 1'000'000'000 / sample_rate_;
    };
    while (running_.load(std::memory_order_relaxed)) {
      sleep_until_ns(due(n + 1));
      const std::int64_t now = monotonic_ns();
      std::int64_t pending = 0;
      while (due(n + 1 + pending) <= now) ++pending;
      if (pending > kMaxCatchUpBlocks) {
        n += pending - 1;  // skip the backlog: a stall is an xrun, not a burst
        status = kStatusOutputUnderflow;
      }
      engine_.process(nullptr, 0, output_.data(), kOutputChannels, block_, status);
      status = 0;
      ++n;
    }
  }

  AudioEngine& engine_;
  std::uint32_t sample_rate_;
  std::uint32_t block_;
  bool realtime_priority_;
  std::vector<float> output_;
  std::thread thread_;
  std::atomic<bool> running_{false};
};

}  // namespace

std::unique_ptr<AudioBackend> make_null_clock_backend(AudioEngine& engine, std::uint32_t sample_rate,
                                                      std::uint32_t block, bool realtime_priority) {
  return std::make_unique<NullClockBackend>(engine, sample_rate, block, realtime_priority);
}

}  // namespace lumina
