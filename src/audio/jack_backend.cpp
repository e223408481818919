// A native JACK client backend. PortAudio is the normal way luminad opens a
// JACK server, but PortAudio 19.6's JACK host API cannot reattach to a server
// that died and came back (its stop path waits up to 10 minutes for the dead
// server, and it reconnects only after a full re-initialisation). The backend
// supervisor therefore reattaches to a restarted server with this client.
#include <jack/jack.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "lumina/audio/backend.hpp"
#include "lumina/core/realtime.hpp"

namespace lumina {
namespace {

constexpr std::uint32_t kChannels = 2;

class JackBackend final : public AudioBackend {
 public:
  JackBackend(AudioEngine& engine, const std::string& device, std::uint32_t sample_rate, std::uint32_t block)
      : engine_(engine), device_(device), block_(block) {
    jack_status_t status{};
    client_ = jack_client_open("luminad", JackNoStartServer, &status);
    if (!client_) throw std::runtime_error("no JACK server is running (jack_client_open status " + std::to_string(status) + ")");
    sample_rate_ = jack_get_sample_rate(client_);
    if (sample_rate_ != sample_rate) {
      jack_client_close(client_);
      throw std::runtime_error("the JACK server runs at " + std::to_string(sample_rate_) + " Hz, luminad at " +
                               std::to_string(sample_rate));
    }
    // Buffers for the largest period JACK may use; the callback only indexes them.
    const std::size_t max_frames = std::max<std::size_t>(jack_get_buffer_size(client_), 8192);
    input_.resize(max_frames * kChannels);
    output_.resize(max_frames * kChannels);
    for (std::uint32_t c = 0; c < kChannels; ++c) {
      in_ports_.push_back(jack_port_register(client_, ("in_" + std::to_string(c + 1)).c_str(), JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0));
      out_ports_.push_back(jack_port_register(client_, ("out_" + std::to_string(c + 1)).c_str(), JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0));
      if (!in_ports_.back() || !out_ports_.back()) {
        jack_client_close(client_);
        throw std::runtime_error("cannot register JACK ports");
      }
    }
    jack_set_process_callback(client_, &JackBackend::process, this);
    jack_on_shutdown(client_, &JackBackend::shutdown, this);
  }

  ~JackBackend() override {
    stop();
    // Safe with a dead server too: libjack notices and returns.
    jack_client_close(client_);
  }

  void start() override {
    if (active_) return;
    if (jack_activate(client_) != 0) throw std::runtime_error("cannot activate the JACK client");
    active_ = true;
    connect();
  }
  void stop() override {
    if (!active_) return;
    if (!server_gone_.load()) jack_deactivate(client_);
    active_ = false;
  }
  bool running() const override { return active_ && !server_gone_.load(std::memory_order_relaxed); }
  const char* kind() const noexcept override { return "jack"; }
  std::string device_name() const override { return "JACK: " + device_; }
  std::uint32_t sample_rate() const noexcept override { return sample_rate_; }
  std::uint32_t block() const noexcept override { return block_; }
  std::uint32_t input_channels() const noexcept override { return kChannels; }

 private:
  // Connects the JACK client named like the PortAudio device ("system") to us.
  void connect() {
    const std::string capture = device_ + ":";
    if (const char** ports = jack_get_ports(client_, (capture + ".*").c_str(), JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput)) {
      for (std::uint32_t c = 0; c < kChannels && ports[c]; ++c) jack_connect(client_, ports[c], jack_port_name(in_ports_[c]));
      jack_free(ports);
    }
    if (const char** ports = jack_get_ports(client_, (capture + ".*").c_str(), JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput)) {
      for (std::uint32_t c = 0; c < kChannels && ports[c]; ++c) jack_connect(client_, jack_port_name(out_ports_[c]), ports[c]);
      jack_free(ports);
    }
  }

  // RT-safe: interleaves into preallocated buffers and calls AudioEngine::process (RT-safe).
  static int process(jack_nframes_t frames, void* arg) {
    auto* self = static_cast<JackBackend*>(arg);
    if (frames * kChannels > self->input_.size()) return 0;  // larger than any period JACK announced
    if (!self->denormals_set_) {
      enable_flush_denormals();
      self->denormals_set_ = true;
    }
    for (std::uint32_t c = 0; c < kChannels; ++c) {
      const auto* in = static_cast<const float*>(jack_port_get_buffer(self->in_ports_[c], frames));
      for (jack_nframes_t i = 0; i < frames; ++i) self->input_[i * kChannels + c] = in[i];
    }
    self->engine_.process(self->input_.data(), kChannels, self->output_.data(), kChannels, frames, 0);
    for (std::uint32_t c = 0; c < kChannels; ++c) {
      auto* out = static_cast<float*>(jack_port_get_buffer(self->out_ports_[c], frames));
      for (jack_nframes_t i = 0; i < frames; ++i) out[i] = self->output_[i * kChannels + c];
    }
    return 0;
  }

  // Called by libjack when the server goes away. Sets a flag only.
  static void shutdown(void* arg) { static_cast<JackBackend*>(arg)->server_gone_.store(true); }

  AudioEngine& engine_;
  std::string device_;
  std::uint32_t block_;
  std::uint32_t sample_rate_ = 0;
  jack_client_t* client_ = nullptr;
  std::vector<jack_port_t*> in_ports_, out_ports_;
  std::vector<float> input_, output_;
  bool active_ = false;
  bool denormals_set_ = false;
  std::atomic<bool> server_gone_{false};
};

}  // namespace

std::unique_ptr<AudioBackend> open_jack_backend(AudioEngine& engine, const std::string& device, std::uint32_t sample_rate,
                                                std::uint32_t block) {
  return std::make_unique<JackBackend>(engine, device, sample_rate, block);
}

}  // namespace lumina
