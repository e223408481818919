// PortAudio backend: an input stream on a sound card or a running JACK
// server. The PortAudio callback only forwards to AudioEngine::process().
#include <alsa/asoundlib.h>
#include <portaudio.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "lumina/audio/backend.hpp"
#include "lumina/core/realtime.hpp"

namespace lumina {
namespace {

// ALSA prints every failed probe of a missing card to stderr; on a rig without
// one that is pages of noise on each start. Our own errors say what matters.
void quiet_alsa_errors(const char*, int, const char*, int, const char*, ...) {}

// Holds a PortAudio initialisation (reference counted by PortAudio itself).
class PortAudioSession {
 public:
  PortAudioSession() {
    // Never let libjack spawn a JACK server behind the operator's back.
    setenv("JACK_NO_START_SERVER", "1", 0);
    snd_lib_error_set_handler(&quiet_alsa_errors);
    const PaError err = Pa_Initialize();
    if (err != paNoError) throw std::runtime_error(std::string("PortAudio initialisation failed: ") + Pa_GetErrorText(err));
  }
  ~PortAudioSession() { Pa_Terminate(); }
  PortAudioSession(const PortAudioSession&) = delete;
  PortAudioSession& operator=(const PortAudioSession&) = delete;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string full_name(PaDeviceIndex index) {
  const PaDeviceInfo* info = Pa_GetDeviceInfo(index);
  const PaHostApiInfo* api = info ? Pa_GetHostApiInfo(info->hostApi) : nullptr;
  return std::string(api ? api->name : "?") + ": " + (info ? info->name : "?");
}

// Candidate devices for a spec, best first. "default" tries the default input
// device, then every host API's default input (so a running JACK server is
// found on a machine whose ALSA default has no card).
std::vector<PaDeviceIndex> candidates(const std::string& spec) {
  std::vector<PaDeviceIndex> out;
  const PaDeviceIndex count = Pa_GetDeviceCount();
  auto has_input = [](PaDeviceIndex i) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
    return info && info->maxInputChannels > 0;
  };
  auto add = [&](PaDeviceIndex i) {
    if (i >= 0 && i < count && has_input(i) && std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
  };
  if (spec.empty() || spec == "default") {
    add(Pa_GetDefaultInputDevice());
    for (PaHostApiIndex a = Pa_GetHostApiCount() - 1; a >= 0; --a) {
      const PaHostApiInfo* api = Pa_GetHostApiInfo(a);
      if (api) add(api->defaultInputDevice);
    }
    return out;
  }
  int index = -1;
  if (auto [p, ec] = std::from_chars(spec.data(), spec.data() + spec.size(), index);
      ec == std::errc{} && p == spec.data() + spec.size()) {
    add(index);
    return out;
  }
  const std::string want = lower(spec);
  for (PaDeviceIndex i = 0; i < count; ++i) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
    if (info && lower(info->name) == want) add(i);
  }
  for (PaDeviceIndex i = 0; i < count; ++i) {
    if (lower(full_name(i)).find(want) != std::string::npos) add(i);
  }
  return out;
}

class PortAudioBackend final : public AudioBackend {
 public:
  PortAudioBackend(AudioEngine& engine, const std::string& device, std::uint32_t sample_rate, std::uint32_t block,
                   bool exact_rate)
      : engine_(engine), block_(block), exact_rate_(exact_rate) {
    const auto devices = candidates(device);
    if (devices.empty()) {
      throw std::runtime_error("no PortAudio input device matches \"" + device + "\" (" +
                               std::to_string(Pa_GetDeviceCount()) + " devices; see luminad --list-devices)");
    }
    std::string errors;
    for (PaDeviceIndex index : devices) {
      if (try_open(index, sample_rate, errors)) return;
    }
    throw std::runtime_error("could not open an input stream for \"" + device + "\": " + errors);
  }

  ~PortAudioBackend() override {
    stop();
    if (stream_) Pa_CloseStream(stream_);
  }

  void start() override {
    if (running()) return;
    finished_.store(false);
    const PaError err = Pa_StartStream(stream_);
    if (err != paNoError) throw std::runtime_error(std::string("cannot start audio stream: ") + Pa_GetErrorText(err));
  }
  void stop() override {
    if (stream_ && Pa_IsStreamStopped(stream_) == 0) Pa_StopStream(stream_);
  }
  bool running() const override {
    return stream_ && Pa_IsStreamActive(stream_) == 1 && !finished_.load(std::memory_order_relaxed);
  }
  const char* kind() const noexcept override { return "portaudio"; }
  std::string device_name() const override { return name_; }
  std::uint32_t sample_rate() const noexcept override { return sample_rate_; }
  std::uint32_t block() const noexcept override { return block_; }
  std::uint32_t input_channels() const noexcept override { return channels_; }

 private:
  bool try_open(PaDeviceIndex index, std::uint32_t wanted_rate, std::string& errors) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(index);
    PaStreamParameters in{};
    in.device = index;
    in.channelCount = std::min(info->maxInputChannels, 2);
    in.sampleFormat = paFloat32;
    in.suggestedLatency = info->defaultLowInputLatency;
    // Duplex when the device also plays, so the monitor output can reach it;
    // input-only when duplex is refused.
    PaStreamParameters out{};
    out.device = index;
    out.channelCount = std::min(info->maxOutputChannels, 2);
    out.sampleFormat = paFloat32;
    out.suggestedLatency = info->defaultLowOutputLatency;
    // JACK and some cards only run at their own rate: fall back to it unless exact.
    for (double rate : {static_cast<double>(wanted_rate), info->defaultSampleRate}) {
      for (bool duplex : {out.channelCount > 0, false}) {
        const PaError err = Pa_OpenStream(&stream_, &in, duplex ? &out : nullptr, rate, block_, paNoFlag,
                                          &PortAudioBackend::callback, this);
        if (err == paNoError) {
          sample_rate_ = static_cast<std::uint32_t>(rate);
          channels_ = static_cast<std::uint32_t>(in.channelCount);
          out_channels_ = duplex ? static_cast<std::uint32_t>(out.channelCount) : 0;
          name_ = full_name(index);
          engine_.prepare(sample_rate_);
          Pa_SetStreamFinishedCallback(stream_, &PortAudioBackend::finished);
          return true;
        }
        stream_ = nullptr;
        if (!duplex) {
          errors += (errors.empty() ? "" : "; ") + full_name(index) + " @" + std::to_string(static_cast<int>(rate)) +
                    " Hz: " + Pa_GetErrorText(err);
        }
      }
      if (rate == info->defaultSampleRate || exact_rate_) break;
    }
    return false;
  }

  // RT-safe: forwards to AudioEngine::process (RT-safe) and translates flags.
  static int callback(const void* input, void* output, unsigned long frames, const PaStreamCallbackTimeInfo*,
                      PaStreamCallbackFlags flags, void* user) {
    auto* self = static_cast<PortAudioBackend*>(user);
    if (!self->denormals_set_) {
      enable_flush_denormals();  // MXCSR is per thread; set once on the audio thread
      self->denormals_set_ = true;
    }
    std::uint32_t status = 0;
    if (flags & (paInputOverflow | paInputUnderflow)) status |= kStatusInputOverflow;
    if (flags & (paOutputOverflow | paOutputUnderflow)) status |= kStatusOutputUnderflow;
    self->engine_.process(static_cast<const float*>(input), self->channels_, static_cast<float*>(output),
                          self->out_channels_, static_cast<std::uint32_t>(frames), status);
    return paContinue;
  }

  // RT-safe: sets an atomic. PortAudio calls this when the stream ends, also on failure.
  static void finished(void* user) { static_cast<PortAudioBackend*>(user)->finished_.store(true); }

  PortAudioSession session_;
  AudioEngine& engine_;
  PaStream* stream_ = nullptr;
  std::string name_;
  std::uint32_t sample_rate_ = 0;
  std::uint32_t block_;
  std::uint32_t channels_ = 0;
  std::uint32_t out_channels_ = 0;
  bool exact_rate_ = false;
  bool denormals_set_ = false;
  std::atomic<bool> finished_{false};
};

}  // namespace

std::unique_ptr<AudioBackend> open_portaudio_backend(AudioEngine& engine, const std::string& device,
                                                     std::uint32_t sample_rate, std::uint32_t block,
                                                     bool exact_rate) {
  return std::make_unique<PortAudioBackend>(engine, device, sample_rate, block, exact_rate);
}

std::vector<AudioDeviceInfo> list_audio_devices() {
  PortAudioSession session;
  std::vector<AudioDeviceInfo> out;
  const PaDeviceIndex default_input = Pa_GetDefaultInputDevice();
  for (PaDeviceIndex i = 0; i < Pa_GetDeviceCount(); ++i) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
    if (!info) continue;
    const PaHostApiInfo* api = Pa_GetHostApiInfo(info->hostApi);
    out.push_back({i, info->name, api ? api->name : "?", info->maxInputChannels, info->maxOutputChannels,
                   info->defaultSampleRate, i == default_input});
  }
  return out;
}

}  // namespace lumina
