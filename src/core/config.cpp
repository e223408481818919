#include "lumina/core/config.hpp"

#include <arpa/inet.h>

#include <bit>
#include <cctype>
#include <charconv>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace lumina {
namespace {

using json = nlohmann::json;

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    default: return "value";
  }
}

// Walks one JSON object, reading known keys and rejecting everything else.
class ObjectReader {
 public:
  ObjectReader(const json& obj, std::string path, const std::string& origin)
      : obj_(obj), path_(std::move(path)), origin_(origin) {
    if (!obj_.is_object()) fail(path_.empty() ? "(top level)" : path_, "an object", obj_);
  }

  [[noreturn]] void fail(const std::string& key, const std::string& expected, const json& got) const {
    throw ConfigError(origin_ + ": key '" + key + "' must be " + expected + ", got " + type_name(got) +
                      (got.is_primitive() ? " " + got.dump() : std::string{}));
  }
  [[noreturn]] void fail_range(const std::string& key, const std::string& expected, const json& got) const {
    throw ConfigError(origin_ + ": key '" + key + "' must be " + expected + ", got " + got.dump());
  }

  std::string key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  const json* find(const std::string& key) {
    seen_.insert(key);
    auto it = obj_.find(key);
    return it == obj_.end() ? nullptr : &*it;
  }

  void read(const std::string& key, std::string& out) {
    if (const json* v = find(key)) {
      if (!v->is_string()) fail(key_path(key), "a string", *v);
      out = v->get<std::string>();
    }
  }
  void read(const std::string& key, bool& out) {
    if (const json* v = find(key)) {
      if (!v->is_boolean()) fail(key_path(key), "a boolean (true or false)", *v);
      out = v->get<bool>();
    }
  }
  void read(const std::string& key, double& out, double lo, double hi) {
    if (const json* v = find(key)) {
      if (!v->is_number()) fail(key_path(key), "a number", *v);
      const double d = v->get<double>();
      if (!(d >= lo && d <= hi)) fail_range(key_path(key), range_text(lo, hi), *v);
      out = d;
    }
  }
  template <typename Int>
  void read(const std::string& key, Int& out, std::int64_t lo, std::int64_t hi) {
    if (const json* v = find(key)) {
      if (!v->is_number_integer()) fail(key_path(key), "an integer", *v);
      const std::int64_t n = v->get<std::int64_t>();
      if (n < lo || n > hi) fail_range(key_path(key), range_text(lo, hi), *v);
      out = static_cast<Int>(n);
    }
  }

  // Call last: every key not read above is unknown.
  void reject_unknown() const {
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      if (!seen_.count(it.key())) {
        std::string known;
        for (const auto& k : seen_) known += (known.empty() ? "" : ", ") + k;
        throw ConfigError(origin_ + ": unknown key '" + key_path(it.key()) + "' (known keys" +
                          (path_.empty() ? "" : " in '" + path_ + "'") + ": " + known + ")");
      }
    }
  }

 private:
  template <typename N>
  static std::string range_text(N lo, N hi) {
    std::ostringstream s;
    s << "in " << lo << ".." << hi;
    return s.str();
  }

  const json& obj_;
  std::string path_;
  const std::string& origin_;
  std::set<std::string> seen_;
};

void check_level(const std::string& level, const std::string& what) {
  static const std::set<std::string> kLevels{"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (!kLevels.count(level))
    throw ConfigError(what + " must be one of trace, debug, info, warn, error, critical, off; got \"" + level + "\"");
}

void check_backend(const std::string& backend, const std::string& what) {
  if (backend != "portaudio" && backend != "null")
    throw ConfigError(what + " must be \"portaudio\" or \"null\", got \"" + backend + "\"");
}

bool parse_u16(const std::string& text, std::uint16_t& out) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || value > 65535) return false;
  out = static_cast<std::uint16_t>(value);
  return true;
}

// "host[:port]" with `default_port` when the port is omitted; throws ConfigError naming `key`.
ArtNetTarget parse_udp_target(const std::string& text, std::uint16_t default_port, const std::string& key,
                              const std::string& origin) {
  ArtNetTarget target = parse_artnet_target(text, origin + ": key '" + key + "'");
  if (text.rfind(':') == std::string::npos) target.port = default_port;
  return target;
}

void check_ipv4(const std::string& text, const std::string& key, const std::string& origin) {
  in_addr address{};
  if (::inet_pton(AF_INET, text.c_str(), &address) != 1)
    throw ConfigError(origin + ": key '" + key + "' must be a dotted IPv4 address (e.g. \"0.0.0.0\"), got \"" + text +
                      "\"");
}

void check_max_bytes(const std::string& text, std::size_t max, const std::string& key, const std::string& origin) {
  if (text.size() > max)
    throw ConfigError(origin + ": key '" + key + "' must be at most " + std::to_string(max) + " bytes, got " +
                      std::to_string(text.size()) + " (\"" + text + "\")");
}

bool is_uuid_text(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool hyphen = i == 8 || i == 13 || i == 18 || i == 23;
    if (hyphen ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

void parse_dmx_artnet(const json& v, Config::Dmx::ArtNet& a, const std::string& origin) {
  ObjectReader r(v, "dmx.artnet", origin);
  r.read("enabled", a.enabled);
  r.read("bind", a.bind);
  check_ipv4(a.bind, "dmx.artnet.bind", origin);
  r.read("port", a.port, 0, 65535);
  r.read("broadcast", a.broadcast);
  if (!a.broadcast.empty()) (void)parse_udp_target(a.broadcast, 6454, "dmx.artnet.broadcast", origin);
  r.read("discovery", a.discovery);
  r.read("pollAddress", a.poll_address);
  if (!a.poll_address.empty()) (void)parse_udp_target(a.poll_address, 6454, "dmx.artnet.pollAddress", origin);
  r.read("sync", a.sync);
  r.read("shortName", a.short_name);
  check_max_bytes(a.short_name, 17, "dmx.artnet.shortName", origin);
  r.read("longName", a.long_name);
  check_max_bytes(a.long_name, 63, "dmx.artnet.longName", origin);
  if (const json* u = r.find("unicast")) {
    if (!u->is_array()) r.fail("dmx.artnet.unicast", "an array of {\"target\": \"host[:port]\", \"universes\": [...]}", *u);
    a.unicast.clear();
    for (std::size_t i = 0; i < u->size(); ++i) {
      const std::string path = "dmx.artnet.unicast[" + std::to_string(i) + "]";
      ObjectReader e((*u)[i], path, origin);
      ArtNetUnicast entry;
      const json* t = e.find("target");
      if (t == nullptr) throw ConfigError(origin + ": key '" + path + ".target' is required (\"host[:port]\")");
      if (!t->is_string()) e.fail(path + ".target", "a string \"host[:port]\"", *t);
      entry.target = parse_udp_target(t->get<std::string>(), 6454, path + ".target", origin);
      if (const json* list = e.find("universes")) {
        if (!list->is_array()) e.fail(path + ".universes", "an array of port-addresses 0..32767", *list);
        for (std::size_t k = 0; k < list->size(); ++k) {
          const json& n = (*list)[k];
          const std::string key = path + ".universes[" + std::to_string(k) + "]";
          if (!n.is_number_integer()) e.fail(key, "an integer", n);
          if (n.get<std::int64_t>() < 0 || n.get<std::int64_t>() > 32767) e.fail_range(key, "in 0..32767", n);
          entry.universes.push_back(static_cast<std::uint16_t>(n.get<std::int64_t>()));
        }
      }
      e.reject_unknown();
      a.unicast.push_back(std::move(entry));
    }
  }
  r.read("latencyOffsetMs", a.latency_offset_ms, -500, 1000);
  r.reject_unknown();
}

void parse_dmx_sacn(const json& v, Config::Dmx::Sacn& s, const std::string& origin) {
  ObjectReader r(v, "dmx.sacn", origin);
  r.read("enabled", s.enabled);
  r.read("multicast", s.multicast);
  if (const json* u = r.find("unicast")) {
    if (!u->is_array()) r.fail("dmx.sacn.unicast", "an array of \"host[:port]\" strings", *u);
    s.unicast.clear();
    for (std::size_t i = 0; i < u->size(); ++i) {
      const std::string key = "dmx.sacn.unicast[" + std::to_string(i) + "]";
      if (!(*u)[i].is_string()) r.fail(key, "a string \"host[:port]\"", (*u)[i]);
      s.unicast.push_back(parse_udp_target((*u)[i].get<std::string>(), 5568, key, origin));
    }
  }
  r.read("priority", s.priority, 0, 200);
  r.read("sourceName", s.source_name);
  check_max_bytes(s.source_name, 63, "dmx.sacn.sourceName", origin);
  r.read("cid", s.cid);
  if (!s.cid.empty() && !is_uuid_text(s.cid))
    throw ConfigError(origin + ": key 'dmx.sacn.cid' must be empty or a UUID \"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\", got \"" +
                      s.cid + "\"");
  r.read("syncUniverse", s.sync_universe, 0, 63999);
  r.read("universeOffset", s.universe_offset, 0, 63999);
  r.read("interface", s.interface_address);
  if (!s.interface_address.empty()) check_ipv4(s.interface_address, "dmx.sacn.interface", origin);
  r.read("multicastTtl", s.multicast_ttl, 1, 255);
  r.read("latencyOffsetMs", s.latency_offset_ms, -500, 1000);
  r.reject_unknown();
}

}  // namespace

ArtNetTarget parse_artnet_target(const std::string& text, const std::string& what) {
  ArtNetTarget target;
  const auto colon = text.rfind(':');
  target.host = text.substr(0, colon);
  if (colon != std::string::npos) {
    if (!parse_u16(text.substr(colon + 1), target.port) || target.port == 0)
      throw ConfigError(what + ": \"" + text + "\" has an invalid port (expected host[:port], port 1..65535)");
  }
  if (target.host.empty() || target.host.find_first_of(" \t,") != std::string::npos)
    throw ConfigError(what + ": \"" + text + "\" is not a valid host[:port]");
  return target;
}

Config parse_config(const std::string& text, const std::string& origin) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number such as 1e400
    throw ConfigError(origin + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  Config c;
  ObjectReader top(doc, "", origin);

  if (const json* v = top.find("server")) {
    ObjectReader r(*v, "server", origin);
    r.read("listen", c.server.listen);
    r.read("port", c.server.port, 1, 65535);
    r.read("token", c.server.token);
    r.read("webRoot", c.server.web_root);
    if (const json* o = r.find("allowedOrigins")) {
      if (!o->is_array()) r.fail("server.allowedOrigins", "an array of origin strings (\"http://host:port\" or \"*\")", *o);
      c.server.allowed_origins.clear();
      for (std::size_t i = 0; i < o->size(); ++i) {
        const std::string key = "server.allowedOrigins[" + std::to_string(i) + "]";
        if (!(*o)[i].is_string()) r.fail(key, "a string (\"http://host:port\" or \"*\")", (*o)[i]);
        const std::string entry = (*o)[i].get<std::string>();
        if (entry != "*" && entry != "null" && entry.find("://") == std::string::npos)
          throw ConfigError(origin + ": key '" + key + "' must be \"*\", \"null\" or scheme://host[:port], got \"" +
                            entry + "\"");
        c.server.allowed_origins.push_back(entry);
      }
    }
    if (const json* t = r.find("tls")) {
      ObjectReader tr(*t, "server.tls", origin);
      tr.read("cert", c.server.tls_cert);
      tr.read("key", c.server.tls_key);
      tr.reject_unknown();
    }
    if (const json* l = r.find("rateLimit")) {
      ObjectReader lr(*l, "server.rateLimit", origin);
      lr.read("perSecond", c.server.rate_limit_per_sec, 0.0, 100000.0);
      lr.read("burst", c.server.rate_limit_burst, 1, 100000);
      lr.reject_unknown();
    }
    r.reject_unknown();
  }
  top.read("dataDir", c.data_dir);
  if (const json* v = top.find("log")) {
    ObjectReader r(*v, "log", origin);
    r.read("level", c.log.level);
    check_level(c.log.level, origin + ": key 'log.level'");
    r.reject_unknown();
  }
  if (const json* v = top.find("audio")) {
    ObjectReader r(*v, "audio", origin);
    r.read("backend", c.audio.backend);
    check_backend(c.audio.backend, origin + ": key 'audio.backend'");
    r.read("device", c.audio.device);
    r.read("source", c.audio.source);
    r.read("sampleRate", c.audio.sample_rate, 8000, 192000);
    r.read("block", c.audio.block, 16, 4096);
    r.read("realtimePriority", c.audio.realtime_priority);
    r.read("lockMemory", c.audio.lock_memory);
    r.read("monitor", c.audio.monitor);
    r.reject_unknown();
  }
  if (const json* v = top.find("dsp")) {
    ObjectReader r(*v, "dsp", origin);
    r.read("fftSize", c.dsp.fft_size, 256, 8192);
    r.read("hop", c.dsp.hop, 64, 8192);
    r.read("bands", c.dsp.bands, 1, 64);
    r.read("analysisGain", c.dsp.analysis_gain, 0.1, 1000.0);
    r.read("gateRms", c.dsp.gate_rms, 0.0, 1.0);
    r.read("meterFloorDb", c.dsp.meter_floor_db, -120.0, -6.0);
    r.read("autoGain", c.dsp.auto_gain);
    r.read("autoGainTargetDb", c.dsp.auto_gain_target_db, -60.0, 0.0);
    r.read("autoGainMaxDb", c.dsp.auto_gain_max_db, 0.0, 60.0);
    r.reject_unknown();
  }
  if (const json* v = top.find("media")) {
    ObjectReader r(*v, "media", origin);
    r.read("maxUploadBytes", c.media.max_upload_bytes, 1024, std::int64_t{1} << 40);
    r.read("ffmpeg", c.media.ffmpeg);
    if (c.media.ffmpeg.empty()) throw ConfigError(origin + ": key 'media.ffmpeg' must name a program, got \"\"");
    r.read("ffmpegTimeoutSec", c.media.ffmpeg_timeout_sec, 1, 86400);
    r.read("uploadStallTimeoutSec", c.media.upload_stall_timeout_sec, 1, 3600);
    r.reject_unknown();
  }
  if (const json* v = top.find("telemetry")) {
    ObjectReader r(*v, "telemetry", origin);
    r.read("fps", c.telemetry.fps, Config::Telemetry::kMinFps, Config::Telemetry::kMaxFps);
    r.reject_unknown();
  }
  if (const json* v = top.find("classifier")) {
    ObjectReader r(*v, "classifier", origin);
    r.read("enabled", c.classifier.enabled);
    r.read("model", c.classifier.model);
    if (c.classifier.model.empty()) throw ConfigError(origin + ": key 'classifier.model' must name a model file, got \"\"");
    r.read("queueSize", c.classifier.queue_size, 4, 4096);
    r.read("hysteresisWindows", c.classifier.hysteresis_windows, 1, 20);
    r.read("minConfidence", c.classifier.min_confidence, 0.0, 1.0);
    r.reject_unknown();
  }
  if (const json* v = top.find("dmx")) {
    ObjectReader r(*v, "dmx", origin);
    r.read("fps", c.dmx.fps, 1, 44);
    r.read("blackoutOnExit", c.dmx.blackout_on_exit);
    r.read("universe", c.dmx.universe, 0, 32767);
    r.read("maxUniverses", c.dmx.max_universes, 1, 4096);
    r.read("showFile", c.dmx.show_file);
    r.read("framePushFps", c.dmx.frame_push_fps, 1, 20);
    if (const json* t = r.find("targets")) {
      if (!t->is_array()) r.fail("dmx.targets", "an array of \"host[:port]\" strings", *t);
      c.dmx.targets.clear();
      for (std::size_t i = 0; i < t->size(); ++i) {
        const std::string key = "dmx.targets[" + std::to_string(i) + "]";
        if (!(*t)[i].is_string()) r.fail(key, "a string \"host[:port]\"", (*t)[i]);
        c.dmx.targets.push_back(parse_artnet_target((*t)[i].get<std::string>(), origin + ": key '" + key + "'"));
      }
    }
    if (const json* a = r.find("artnet")) parse_dmx_artnet(*a, c.dmx.artnet, origin);
    if (const json* s = r.find("sacn")) parse_dmx_sacn(*s, c.dmx.sacn, origin);
    r.reject_unknown();
  }
  top.reject_unknown();
  validate_config(c, origin);
  return c;
}

Config load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open configuration file");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw ConfigError(path + ": read error");
  return parse_config(buf.str(), path);
}

void apply_env_overrides(Config& c, const EnvLookup& getenv_fn) {
  auto env = [&](const char* name) -> const char* {
    const char* v = getenv_fn(name);
    return (v && *v) ? v : nullptr;
  };
  if (const char* v = env("LUMINA_LISTEN")) c.server.listen = v;
  if (const char* v = env("LUMINA_PORT")) {
    if (!parse_u16(v, c.server.port) || c.server.port == 0)
      throw ConfigError(std::string("environment LUMINA_PORT must be an integer in 1..65535, got \"") + v + "\"");
  }
  if (const char* v = env("LUMINA_DATA_DIR")) c.data_dir = v;
  if (const char* v = env("LUMINA_WEB_ROOT")) c.server.web_root = v;
  if (const char* v = env("LUMINA_AUDIO_BACKEND")) {
    check_backend(v, "environment LUMINA_AUDIO_BACKEND");
    c.audio.backend = v;
  }
  if (const char* v = env("LUMINA_AUDIO_DEVICE")) c.audio.device = v;
  if (const char* v = env("LUMINA_AUDIO_SOURCE")) c.audio.source = v;
  if (const char* v = env("LUMINA_ARTNET_TARGETS")) {
    std::vector<ArtNetTarget> targets;
    std::string list = v;
    std::size_t start = 0;
    while (start <= list.size()) {
      const std::size_t comma = list.find(',', start);
      std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      // Trim spaces around items ("a:1, b:2").
      item.erase(0, item.find_first_not_of(' '));
      item.erase(item.find_last_not_of(' ') + 1);
      if (!item.empty()) targets.push_back(parse_artnet_target(item, "environment LUMINA_ARTNET_TARGETS"));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    c.dmx.targets = std::move(targets);
  }
  // Present-but-empty LUMINA_TOKEN is ignored like every other variable.
  if (const char* v = env("LUMINA_TOKEN")) c.server.token = v;
  if (const char* v = env("LUMINA_LOG_LEVEL")) {
    check_level(v, "environment LUMINA_LOG_LEVEL");
    c.log.level = v;
  }
  validate_config(c, "environment");
}

void validate_config(const Config& c, const std::string& origin) {
  if (c.dmx.sacn.enabled && (c.dmx.universe + c.dmx.sacn.universe_offset < 1 ||
                             c.dmx.universe + c.dmx.sacn.universe_offset > 63999))
    throw ConfigError(origin + ": keys 'dmx.universe' + 'dmx.sacn.universeOffset' must give an sACN universe in "
                      "1..63999, got " + std::to_string(c.dmx.universe + c.dmx.sacn.universe_offset));
  if (!std::has_single_bit(c.dsp.fft_size))
    throw ConfigError(origin + ": key 'dsp.fftSize' must be a power of two in 256..8192, got " +
                      std::to_string(c.dsp.fft_size));
  if (c.dsp.hop > c.dsp.fft_size)
    throw ConfigError(origin + ": key 'dsp.hop' must not exceed dsp.fftSize (" + std::to_string(c.dsp.fft_size) +
                      "), got " + std::to_string(c.dsp.hop));
  if (c.server.listen.empty()) throw ConfigError(origin + ": key 'server.listen' must not be empty");
  if (c.server.tls_cert.empty() != c.server.tls_key.empty())
    throw ConfigError(origin + ": keys 'server.tls.cert' and 'server.tls.key' must be set together (got only '" +
                      (c.server.tls_cert.empty() ? "server.tls.key" : "server.tls.cert") + "')");
  // The form of the source id; whether it exists (a file, a device) is only
  // known at start, where a missing one is logged and device input is used.
  const auto& s = c.audio.source;
  const bool source_ok = s == "synth:demo" || s == "loopback:default" || (s.rfind("device:", 0) == 0 && s.size() > 7) ||
                         (s.rfind("file:", 0) == 0 && s.size() > 5);
  if (!source_ok)
    throw ConfigError(origin + ": key 'audio.source' must be \"synth:demo\", \"device:default\", "
                      "\"device:<index or name>\", \"loopback:default\" or \"file:<fileId>\", got \"" + s + "\"");
}

nlohmann::json config_to_json(const Config& c) {
  json targets = json::array();
  for (const auto& t : c.dmx.targets) targets.push_back(t.host + ":" + std::to_string(t.port));
  json artnet_unicast = json::array();
  for (const auto& u : c.dmx.artnet.unicast)
    artnet_unicast.push_back({{"target", u.target.host + ":" + std::to_string(u.target.port)}, {"universes", u.universes}});
  const auto& a = c.dmx.artnet;
  const json artnet = {{"enabled", a.enabled},       {"bind", a.bind},
                       {"port", a.port},             {"broadcast", a.broadcast},
                       {"discovery", a.discovery},   {"pollAddress", a.poll_address},
                       {"sync", a.sync},             {"shortName", a.short_name},
                       {"longName", a.long_name},    {"unicast", artnet_unicast},
                       {"latencyOffsetMs", a.latency_offset_ms}};
  json sacn_unicast = json::array();
  for (const auto& t : c.dmx.sacn.unicast) sacn_unicast.push_back(t.host + ":" + std::to_string(t.port));
  const auto& sa = c.dmx.sacn;
  const json sacn = {{"enabled", sa.enabled},
                     {"multicast", sa.multicast},
                     {"unicast", sacn_unicast},
                     {"priority", sa.priority},
                     {"sourceName", sa.source_name},
                     {"cid", sa.cid},
                     {"syncUniverse", sa.sync_universe},
                     {"universeOffset", sa.universe_offset},
                     {"interface", sa.interface_address},
                     {"multicastTtl", sa.multicast_ttl},
                     {"latencyOffsetMs", sa.latency_offset_ms}};
  return json{
      {"server",
       {{"listen", c.server.listen},
        {"port", c.server.port},
        {"token", c.server.token.empty() ? "" : "(set)"},
        {"allowedOrigins", c.server.allowed_origins},
        {"tls", {{"cert", c.server.tls_cert}, {"key", c.server.tls_key}}},
        {"rateLimit", {{"perSecond", c.server.rate_limit_per_sec}, {"burst", c.server.rate_limit_burst}}},
        {"webRoot", c.server.web_root}}},
      {"dataDir", c.data_dir},
      {"log", {{"level", c.log.level}}},
      {"audio",
       {{"backend", c.audio.backend},
        {"device", c.audio.device},
        {"source", c.audio.source},
        {"sampleRate", c.audio.sample_rate},
        {"block", c.audio.block},
        {"realtimePriority", c.audio.realtime_priority},
        {"lockMemory", c.audio.lock_memory},
        {"monitor", c.audio.monitor}}},
      {"dsp",
       {{"fftSize", c.dsp.fft_size},
        {"hop", c.dsp.hop},
        {"bands", c.dsp.bands},
        {"analysisGain", c.dsp.analysis_gain},
        {"gateRms", c.dsp.gate_rms},
        {"meterFloorDb", c.dsp.meter_floor_db},
        {"autoGain", c.dsp.auto_gain},
        {"autoGainTargetDb", c.dsp.auto_gain_target_db},
        {"autoGainMaxDb", c.dsp.auto_gain_max_db}}},
      {"media",
       {{"maxUploadBytes", c.media.max_upload_bytes},
        {"ffmpeg", c.media.ffmpeg},
        {"ffmpegTimeoutSec", c.media.ffmpeg_timeout_sec},
        {"uploadStallTimeoutSec", c.media.upload_stall_timeout_sec}}},
      {"telemetry", {{"fps", c.telemetry.fps}}},
      {"classifier",
       {{"enabled", c.classifier.enabled},
        {"model", c.classifier.model},
        {"queueSize", c.classifier.queue_size},
        {"hysteresisWindows", c.classifier.hysteresis_windows},
        {"minConfidence", c.classifier.min_confidence}}},
      {"dmx",
       {{"fps", c.dmx.fps}, {"blackoutOnExit", c.dmx.blackout_on_exit}, {"universe", c.dmx.universe},
        {"maxUniverses", c.dmx.max_universes}, {"showFile", c.dmx.show_file}, {"framePushFps", c.dmx.frame_push_fps},
        {"targets", targets}, {"artnet", artnet}, {"sacn", sacn}}},
  };
}

}  // namespace lumina
