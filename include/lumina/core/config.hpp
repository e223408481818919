#pragma once
// luminad configuration: one JSON file, every key optional with a safe
// default, unknown keys and wrong types rejected with the key, the expected
// type and the file named. LUMINA_* environment variables override the file.
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lumina {

struct ArtNetTarget {
  std::string host;          // numeric IPv4 or a resolvable name
  std::uint16_t port = 6454; // Art-Net's UDP port
  bool operator==(const ArtNetTarget&) const = default;
};

struct Config {
  struct Server {
    std::string listen = "127.0.0.1";
    std::uint16_t port = 8000;
    std::string token;  // empty: no auth on loopback; generated for other addresses (resolve_access_token)
    std::vector<std::string> allowed_origins;  // browser origins besides same-origin; "*" = any
    std::string tls_cert;  // PEM certificate chain; with tls_key: HTTPS/WSS only
    std::string tls_key;   // PEM private key
    double rate_limit_per_sec = 200.0;  // inbound WebSocket messages per client; 0 = unlimited
    std::uint32_t rate_limit_burst = 400;
  } server;

  std::string data_dir = "data";

  struct Log {
    std::string level = "info";  // trace, debug, info, warn, error, critical, off
  } log;

  struct Audio {
    std::string backend = "portaudio";  // portaudio | null
    std::string device = "default";     // "default", a PortAudio index, or a device name
    std::string source = "device:default";
    std::uint32_t sample_rate = 48000;
    std::uint32_t block = 256;          // frames per callback
    bool realtime_priority = true;      // ask for SCHED_FIFO for the clock thread
    bool monitor = false;               // play the source on the output device
  } audio;

  struct Dsp {
    std::uint32_t fft_size = 2048;  // power of two, 256..8192
    std::uint32_t hop = 512;        // analysis hop in frames, 64..fft_size
    std::uint32_t bands = 8;        // 1..64
    double analysis_gain = 1.0;     // >= 0.1; applies to analysis only
    double gate_rms = 0.0;          // linear RMS below which analysis reads silence
    double meter_floor_db = -60.0;  // dBFS mapped to 0; 0 dBFS maps to 1
    bool auto_gain = false;            // steer the meters toward auto_gain_target_db
    double auto_gain_target_db = -20.0;
    double auto_gain_max_db = 24.0;    // largest boost or cut
  } dsp;

  struct Telemetry {
    std::uint32_t fps = 30;  // audio_meter push rate, 1..60
  } telemetry;

  struct Dmx {
    std::uint32_t fps = 40;  // 1..44 (Art-Net's practical refresh ceiling)
    bool blackout_on_exit = true;
    std::uint16_t universe = 0;  // 15-bit Art-Net port-address of the band-follow universe
    std::vector<ArtNetTarget> targets{{"127.0.0.1", 6454}};
  } dmx;
};

// Thrown for any configuration problem; what() names the file, key and expectation.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using EnvLookup = std::function<const char*(const char*)>;

// Not RT-safe. Parses `text` (the content of `origin`, used in messages).
Config parse_config(const std::string& text, const std::string& origin);
// Not RT-safe. Reads and parses a file; a missing file is an error.
Config load_config_file(const std::string& path);
// Not RT-safe. Applies LUMINA_* overrides (see docs/configuration.md).
void apply_env_overrides(Config& config, const EnvLookup& getenv_fn);
// Not RT-safe. Cross-field checks that need the whole effective config.
void validate_config(const Config& config, const std::string& origin);
// Not RT-safe. The effective configuration as JSON (same shape as the file).
nlohmann::json config_to_json(const Config& config);

// "host[:port]" → target; throws ConfigError naming `what`.
ArtNetTarget parse_artnet_target(const std::string& text, const std::string& what);

}  // namespace lumina
