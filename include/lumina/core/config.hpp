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

// An Art-Net unicast destination for a set of universes (empty = all).
struct ArtNetUnicast {
  ArtNetTarget target;
  std::vector<std::uint16_t> universes;  // 15-bit port-addresses
  bool operator==(const ArtNetUnicast&) const = default;
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
    // Browser UI directory served at "/". Empty: "web" in the working
    // directory, else <executable dir>/../share/luminad/web (installed).
    // A relative path is taken from the working directory, like dataDir.
    std::string web_root;
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
    bool lock_memory = true;            // mlockall on fault: no page of the realtime threads is paged out
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

  struct Media {
    std::uint64_t max_upload_bytes = 4ULL << 30;  // POST /upload limit (413 beyond)
    std::string ffmpeg = "ffmpeg";                // program (PATH lookup) for video and resampling
    std::uint32_t ffmpeg_timeout_sec = 600;       // wall clock per ffmpeg run
    std::uint32_t upload_stall_timeout_sec = 60;  // an upload sending nothing this long is dropped
  } media;

  struct Telemetry {
    // audio_meter / dsp_event push rate; also settable at run time (dsp_set_params, audio_start)
    static constexpr std::uint32_t kMinFps = 1;
    static constexpr std::uint32_t kMaxFps = 60;  // A.6: never above 60 Hz
    std::uint32_t fps = 30;
  } telemetry;

  // The side-chain content classifier (classifier.*). See docs/classifier.md.
  struct Classifier {
    bool enabled = true;
    // Model file. A relative path is tried from the working directory first
    // (./scripts/run from the repository), then in the installed model
    // directory (<prefix>/share/luminad/models, by file name).
    std::string model = "config/models/lumina-content.json";
    std::uint32_t queue_size = 64;         // side-chain blocks (2048 samples ≈ 43 ms each), 4..4096
    std::uint32_t hysteresis_windows = 2;  // windows a new label must lead before it is reported, 1..20
    double min_confidence = 0.5;           // smoothed probability a new label needs, 0..1
  } classifier;

  struct Dmx {
    std::uint32_t fps = 40;  // 1..44 (Art-Net's practical refresh ceiling)
    bool blackout_on_exit = true;
    std::uint16_t universe = 0;  // 15-bit Art-Net port-address legacy {ch,val} writes without `u` go to
    std::uint32_t max_universes = 64;  // universes one DMX frame can hold (patch + manual writes)
    std::string show_file;             // show loaded when the data dir has none; empty = the built-in default
    std::uint32_t frame_push_fps = 15;  // dmx_frame pushes to the UI, 1..20 Hz
    std::vector<ArtNetTarget> targets{{"127.0.0.1", 6454}};  // unicast, every universe

    // Art-Net 4 controller (dmx.artnet.*). See docs/configuration.md.
    struct ArtNet {
      bool enabled = true;
      std::string bind = "0.0.0.0";  // IPv4 address of the listening socket
      std::uint16_t port = 6454;     // UDP port for ArtPoll/ArtPollReply; 0 = do not listen
      std::string broadcast;         // "host[:port]" for ArtDmx/ArtSync broadcast; empty = none
      bool discovery = true;         // ArtPoll every 2.5-3 s, unicast to subscribed nodes
      std::string poll_address;      // "host[:port]" for ArtPoll; empty = broadcast or 255.255.255.255
      bool sync = false;             // ArtSync after each tick's batch
      std::string short_name = "luminad";                        // ArtPollReply ShortName, <= 17 bytes
      std::string long_name = "luminad audio-reactive lighting";  // ArtPollReply LongName, <= 63 bytes
      std::vector<ArtNetUnicast> unicast;  // per-universe unicast targets
      std::int32_t latency_offset_ms = 0;  // -500..1000: >0 sends later, <0 earlier
    } artnet;

    // sACN / E1.31 (dmx.sacn.*).
    struct Sacn {
      bool enabled = false;
      bool multicast = true;              // 239.255.hi.lo:5568 per universe
      std::vector<ArtNetTarget> unicast;  // "host[:port]", port 5568 by default; every universe
      std::uint8_t priority = 100;        // 0..200
      std::string source_name = "luminad";  // <= 63 bytes UTF-8
      std::string cid;                    // "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"; empty = persisted one
      std::uint16_t sync_universe = 0;    // 1..63999; 0 = no synchronization
      std::uint16_t universe_offset = 1;  // sACN universe = Art-Net port-address + offset
      std::string interface_address;      // IPv4 address of the multicast interface; empty = kernel's choice
      std::uint8_t multicast_ttl = 1;     // 1..255; 1 keeps the streams on the local subnet
      std::int32_t latency_offset_ms = 0;  // -500..1000
    } sacn;
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
