#include "lumina/core/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace lumina {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::string& text) {
  try {
    parse_config(text, "test.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

EnvLookup env_from(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> const char* {
    auto it = values.find(name);
    return it == values.end() ? nullptr : it->second.c_str();
  };
}

TEST(Config, EmptyObjectGivesSafeDefaults) {
  const Config c = parse_config("{}", "test.json");
  EXPECT_EQ(c.server.listen, "127.0.0.1");
  EXPECT_EQ(c.server.port, 8000);
  EXPECT_EQ(c.audio.backend, "portaudio");
  EXPECT_EQ(c.dsp.bands, 8U);
  EXPECT_EQ(c.dmx.fps, 40U);
  ASSERT_EQ(c.dmx.targets.size(), 1U);
  EXPECT_EQ(c.dmx.targets[0], (ArtNetTarget{"127.0.0.1", 6454}));
}

TEST(Config, ReadsEveryKnownKey) {
  const Config c = parse_config(R"({
    "server": {"listen": "0.0.0.0", "port": 9000, "token": "s3cret"},
    "dataDir": "/var/lib/luminad",
    "log": {"level": "debug"},
    "audio": {"backend": "null", "device": "3", "source": "synth:demo", "sampleRate": 44100, "block": 128,
              "realtimePriority": false, "lockMemory": false, "monitor": true},
    "dsp": {"fftSize": 4096, "hop": 256, "bands": 16, "analysisGain": 2.5, "gateRms": 0.001, "meterFloorDb": -72},
    "telemetry": {"fps": 20},
    "dmx": {"fps": 30, "blackoutOnExit": false, "universe": 5, "targets": ["10.0.0.5", "10.0.0.6:6455"]}
  })", "test.json");
  EXPECT_EQ(c.server.listen, "0.0.0.0");
  EXPECT_EQ(c.server.port, 9000);
  EXPECT_EQ(c.server.token, "s3cret");
  EXPECT_EQ(c.data_dir, "/var/lib/luminad");
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.audio.backend, "null");
  EXPECT_EQ(c.audio.device, "3");
  EXPECT_EQ(c.audio.source, "synth:demo");
  EXPECT_EQ(c.audio.sample_rate, 44100U);
  EXPECT_EQ(c.audio.block, 128U);
  EXPECT_FALSE(c.audio.realtime_priority);
  EXPECT_FALSE(c.audio.lock_memory);
  EXPECT_TRUE(c.audio.monitor);
  EXPECT_EQ(c.dsp.fft_size, 4096U);
  EXPECT_EQ(c.dsp.hop, 256U);
  EXPECT_EQ(c.dsp.bands, 16U);
  EXPECT_DOUBLE_EQ(c.dsp.analysis_gain, 2.5);
  EXPECT_DOUBLE_EQ(c.dsp.gate_rms, 0.001);
  EXPECT_DOUBLE_EQ(c.dsp.meter_floor_db, -72.0);
  EXPECT_EQ(c.telemetry.fps, 20U);
  EXPECT_EQ(c.dmx.fps, 30U);
  EXPECT_FALSE(c.dmx.blackout_on_exit);
  EXPECT_EQ(c.dmx.universe, 5);
  ASSERT_EQ(c.dmx.targets.size(), 2U);
  EXPECT_EQ(c.dmx.targets[0], (ArtNetTarget{"10.0.0.5", 6454}));
  EXPECT_EQ(c.dmx.targets[1], (ArtNetTarget{"10.0.0.6", 6455}));
}

TEST(Config, UnknownKeysAreNamedWithTheirPathAndFile) {
  EXPECT_THAT(error_of(R"({"colour": 1})"), HasSubstr("test.json: unknown key 'colour'"));
  EXPECT_THAT(error_of(R"({"audio": {"sampleRte": 48000}})"), HasSubstr("unknown key 'audio.sampleRte'"));
  EXPECT_THAT(error_of(R"({"audio": {"sampleRte": 48000}})"), HasSubstr("sampleRate")) << "lists the known keys";
}

TEST(Config, WrongTypesNameKeyExpectedAndActual) {
  EXPECT_THAT(error_of(R"({"server": {"port": "8000"}})"),
              HasSubstr("test.json: key 'server.port' must be an integer, got string \"8000\""));
  EXPECT_THAT(error_of(R"({"dmx": {"blackoutOnExit": 1}})"), HasSubstr("key 'dmx.blackoutOnExit' must be a boolean"));
  EXPECT_THAT(error_of(R"({"dsp": {"analysisGain": "high"}})"), HasSubstr("key 'dsp.analysisGain' must be a number"));
  EXPECT_THAT(error_of(R"({"audio": []})"), HasSubstr("key 'audio' must be an object, got array"));
  EXPECT_THAT(error_of(R"({"dmx": {"targets": "1.2.3.4"}})"), HasSubstr("key 'dmx.targets' must be an array"));
  EXPECT_THAT(error_of(R"({"dmx": {"targets": [5]}})"), HasSubstr("key 'dmx.targets[0]' must be a string"));
  EXPECT_THAT(error_of(R"([1,2])"), HasSubstr("must be an object"));
  EXPECT_THAT(error_of(R"({"dsp": {"bands": 8.5}})"), HasSubstr("key 'dsp.bands' must be an integer, got number"));
}

TEST(Config, OutOfRangeValuesNameTheRange) {
  EXPECT_THAT(error_of(R"({"server": {"port": 70000}})"), HasSubstr("key 'server.port' must be in 1..65535, got 70000"));
  EXPECT_THAT(error_of(R"({"dmx": {"fps": 100}})"), HasSubstr("key 'dmx.fps' must be in 1..44"));
  EXPECT_THAT(error_of(R"({"dsp": {"fftSize": 3000}})"), HasSubstr("'dsp.fftSize' must be a power of two"));
  EXPECT_THAT(error_of(R"({"dsp": {"fftSize": 512, "hop": 1024}})"), HasSubstr("'dsp.hop' must not exceed"));
  EXPECT_THAT(error_of(R"({"dsp": {"analysisGain": 0.01}})"), HasSubstr("'dsp.analysisGain' must be in 0.1"));
  EXPECT_THAT(error_of(R"({"log": {"level": "loud"}})"), HasSubstr("'log.level' must be one of"));
  EXPECT_THAT(error_of(R"({"audio": {"backend": "alsa"}})"), HasSubstr("'audio.backend' must be \"portaudio\" or \"null\""));
  EXPECT_THAT(error_of(R"({"audio": {"source": "mp3:x"}})"), HasSubstr("'audio.source' must be"));
  EXPECT_THAT(error_of(R"({"dmx": {"targets": ["host:99999"]}})"), HasSubstr("invalid port"));
  EXPECT_THAT(error_of(R"({"dmx": {"targets": [":6454"]}})"), HasSubstr("not a valid host[:port]"));
}

TEST(Config, MalformedJsonIsReportedWithTheFile) {
  EXPECT_THAT(error_of("{\"server\": "), HasSubstr("test.json: not valid JSON"));
  EXPECT_THAT(error_of(""), HasSubstr("test.json: not valid JSON"));
}

TEST(Config, MissingFileIsAnError) {
  try {
    load_config_file("/nonexistent/luminad.json");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/luminad.json: cannot open"));
  }
}

TEST(Config, EnvironmentOverridesTheFile) {
  Config c = parse_config(R"({"server": {"port": 9000}})", "test.json");
  apply_env_overrides(c, env_from({{"LUMINA_LISTEN", "::1"},
                                   {"LUMINA_PORT", "8123"},
                                   {"LUMINA_DATA_DIR", "/tmp/x"},
                                   {"LUMINA_AUDIO_BACKEND", "null"},
                                   {"LUMINA_AUDIO_DEVICE", "system"},
                                   {"LUMINA_ARTNET_TARGETS", "127.0.0.1:7000, 127.0.0.2"},
                                   {"LUMINA_TOKEN", "t"},
                                   {"LUMINA_LOG_LEVEL", "warn"}}));
  EXPECT_EQ(c.server.listen, "::1");
  EXPECT_EQ(c.server.port, 8123);
  EXPECT_EQ(c.data_dir, "/tmp/x");
  EXPECT_EQ(c.audio.backend, "null");
  EXPECT_EQ(c.audio.device, "system");
  ASSERT_EQ(c.dmx.targets.size(), 2U);
  EXPECT_EQ(c.dmx.targets[0], (ArtNetTarget{"127.0.0.1", 7000}));
  EXPECT_EQ(c.dmx.targets[1], (ArtNetTarget{"127.0.0.2", 6454}));
  EXPECT_EQ(c.server.token, "t");
  EXPECT_EQ(c.log.level, "warn");
}

TEST(Config, BadEnvironmentValuesNameTheVariable) {
  auto error_for = [](const char* name, const char* value) {
    Config c;
    try {
      apply_env_overrides(c, env_from({{name, value}}));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_THAT(error_for("LUMINA_PORT", "80x"), HasSubstr("LUMINA_PORT must be an integer in 1..65535"));
  EXPECT_THAT(error_for("LUMINA_PORT", "0"), HasSubstr("LUMINA_PORT"));
  EXPECT_THAT(error_for("LUMINA_AUDIO_BACKEND", "oss"), HasSubstr("LUMINA_AUDIO_BACKEND must be"));
  EXPECT_THAT(error_for("LUMINA_ARTNET_TARGETS", "a:b"), HasSubstr("LUMINA_ARTNET_TARGETS"));
  EXPECT_THAT(error_for("LUMINA_LOG_LEVEL", "chatty"), HasSubstr("LUMINA_LOG_LEVEL must be one of"));
}

TEST(Config, PrintedConfigParsesBackToTheSameValues) {
  Config c = parse_config(R"({"dsp": {"bands": 12}, "dmx": {"targets": ["10.1.1.1:6455"]}})", "test.json");
  nlohmann::json printed = config_to_json(c);
  const Config again = parse_config(printed.dump(), "printed");
  EXPECT_EQ(again.dsp.bands, 12U);
  EXPECT_EQ(again.dmx.targets, c.dmx.targets);
  EXPECT_EQ(config_to_json(again), printed);
}

TEST(Config, ReadsServerSecurityKeys) {
  const Config c = parse_config(R"({"server": {
    "allowedOrigins": ["http://10.0.0.5:5173", "*"],
    "tls": {"cert": "/etc/luminad/cert.pem", "key": "/etc/luminad/key.pem"},
    "rateLimit": {"perSecond": 50.5, "burst": 100}}})", "test.json");
  EXPECT_EQ(c.server.allowed_origins, (std::vector<std::string>{"http://10.0.0.5:5173", "*"}));
  EXPECT_EQ(c.server.tls_cert, "/etc/luminad/cert.pem");
  EXPECT_EQ(c.server.tls_key, "/etc/luminad/key.pem");
  EXPECT_EQ(c.server.rate_limit_per_sec, 50.5);
  EXPECT_EQ(c.server.rate_limit_burst, 100U);

  const Config d = parse_config("{}", "test.json");
  EXPECT_TRUE(d.server.allowed_origins.empty());
  EXPECT_TRUE(d.server.tls_cert.empty());
  EXPECT_EQ(d.server.rate_limit_per_sec, 200.0);
  EXPECT_EQ(d.server.rate_limit_burst, 400U);
}

TEST(Config, ServerSecurityKeysAreChecked) {
  EXPECT_THAT(error_of(R"({"server": {"allowedOrigins": "http://a"}})"),
              HasSubstr("key 'server.allowedOrigins' must be an array of origin strings"));
  EXPECT_THAT(error_of(R"({"server": {"allowedOrigins": [5]}})"),
              HasSubstr("key 'server.allowedOrigins[0]' must be a string"));
  EXPECT_THAT(error_of(R"({"server": {"allowedOrigins": ["ui.example"]}})"),
              HasSubstr("key 'server.allowedOrigins[0]' must be \"*\", \"null\" or scheme://host[:port], got \"ui.example\""));
  EXPECT_THAT(error_of(R"({"server": {"tls": {"cert": "/c.pem"}}})"),
              HasSubstr("keys 'server.tls.cert' and 'server.tls.key' must be set together"));
  EXPECT_THAT(error_of(R"({"server": {"tls": {"crt": "/c.pem"}}})"), HasSubstr("unknown key 'server.tls.crt'"));
  EXPECT_THAT(error_of(R"({"server": {"rateLimit": {"perSecond": -1}}})"),
              HasSubstr("key 'server.rateLimit.perSecond' must be in 0..100000"));
  EXPECT_THAT(error_of(R"({"server": {"rateLimit": {"burst": 0}}})"),
              HasSubstr("key 'server.rateLimit.burst' must be in 1..100000"));
}

TEST(Config, PrintedServerSecurityKeysParseBack) {
  const Config c = parse_config(
      R"({"server": {"allowedOrigins": ["http://a:1"], "tls": {"cert": "/c", "key": "/k"}, "rateLimit": {"burst": 9}}})",
      "test.json");
  const Config again = parse_config(config_to_json(c).dump(), "printed");
  EXPECT_EQ(again.server.allowed_origins, c.server.allowed_origins);
  EXPECT_EQ(again.server.tls_key, "/k");
  EXPECT_EQ(again.server.rate_limit_burst, 9U);
}

TEST(Config, WebRootIsReadPrintedAndOverridden) {
  EXPECT_TRUE(parse_config("{}", "test.json").server.web_root.empty());
  Config c = parse_config(R"({"server": {"webRoot": "/usr/share/luminad/web"}})", "test.json");
  EXPECT_EQ(c.server.web_root, "/usr/share/luminad/web");
  EXPECT_EQ(parse_config(config_to_json(c).dump(), "printed").server.web_root, "/usr/share/luminad/web");
  EXPECT_THAT(error_of(R"({"server": {"webRoot": 3}})"), HasSubstr("key 'server.webRoot' must be a string"));
  apply_env_overrides(c, env_from({{"LUMINA_WEB_ROOT", "ui"}}));
  EXPECT_EQ(c.server.web_root, "ui");
}

TEST(Config, DmxOutputKeysHaveSafeDefaults) {
  const Config c = parse_config("{}", "test.json");
  EXPECT_TRUE(c.dmx.artnet.enabled);
  EXPECT_EQ(c.dmx.artnet.bind, "0.0.0.0");
  EXPECT_EQ(c.dmx.artnet.port, 6454);
  EXPECT_EQ(c.dmx.artnet.broadcast, "");
  EXPECT_TRUE(c.dmx.artnet.discovery);
  EXPECT_FALSE(c.dmx.artnet.sync);
  EXPECT_EQ(c.dmx.artnet.short_name, "luminad");
  EXPECT_TRUE(c.dmx.artnet.unicast.empty());
  EXPECT_FALSE(c.dmx.sacn.enabled);
  EXPECT_TRUE(c.dmx.sacn.multicast);
  EXPECT_EQ(c.dmx.sacn.priority, 100);
  EXPECT_EQ(c.dmx.sacn.universe_offset, 1);
  EXPECT_EQ(c.dmx.sacn.sync_universe, 0);
  EXPECT_EQ(c.dmx.sacn.multicast_ttl, 1);
}

TEST(Config, ReadsDmxArtNetAndSacnKeys) {
  const Config c = parse_config(R"({"dmx": {"universe": 5,
    "artnet": {"enabled": true, "bind": "10.0.0.2", "port": 0, "broadcast": "2.255.255.255", "discovery": false,
               "pollAddress": "10.255.255.255:6455", "sync": true, "shortName": "FOH", "longName": "Front of house",
               "unicast": [{"target": "10.0.0.7", "universes": [0, 1, 32767]}, {"target": "10.0.0.8:7000"}],
               "latencyOffsetMs": -120},
    "sacn": {"enabled": true, "multicast": false, "unicast": ["10.0.0.9", "10.0.0.10:6000"], "priority": 200,
             "sourceName": "Bühne", "cid": "01234567-89ab-cdef-FEDC-ba9876543210", "syncUniverse": 63999,
             "universeOffset": 0, "interface": "10.0.0.2", "multicastTtl": 8, "latencyOffsetMs": 1000}}})",
                                "test.json");
  const auto& a = c.dmx.artnet;
  EXPECT_EQ(a.bind, "10.0.0.2");
  EXPECT_EQ(a.port, 0);
  EXPECT_EQ(a.broadcast, "2.255.255.255");
  EXPECT_FALSE(a.discovery);
  EXPECT_EQ(a.poll_address, "10.255.255.255:6455");
  EXPECT_TRUE(a.sync);
  EXPECT_EQ(a.short_name, "FOH");
  EXPECT_EQ(a.long_name, "Front of house");
  ASSERT_EQ(a.unicast.size(), 2U);
  EXPECT_EQ(a.unicast[0].target, (ArtNetTarget{"10.0.0.7", 6454}));
  EXPECT_EQ(a.unicast[0].universes, (std::vector<std::uint16_t>{0, 1, 32767}));
  EXPECT_EQ(a.unicast[1].target, (ArtNetTarget{"10.0.0.8", 7000}));
  EXPECT_TRUE(a.unicast[1].universes.empty());
  EXPECT_EQ(a.latency_offset_ms, -120);
  const auto& s = c.dmx.sacn;
  EXPECT_TRUE(s.enabled);
  EXPECT_FALSE(s.multicast);
  ASSERT_EQ(s.unicast.size(), 2U);
  EXPECT_EQ(s.unicast[0], (ArtNetTarget{"10.0.0.9", 5568}));  // sACN's port by default
  EXPECT_EQ(s.unicast[1], (ArtNetTarget{"10.0.0.10", 6000}));
  EXPECT_EQ(s.priority, 200);
  EXPECT_EQ(s.source_name, "Bühne");
  EXPECT_EQ(s.cid, "01234567-89ab-cdef-FEDC-ba9876543210");
  EXPECT_EQ(s.sync_universe, 63999);
  EXPECT_EQ(s.universe_offset, 0);
  EXPECT_EQ(s.interface_address, "10.0.0.2");
  EXPECT_EQ(s.multicast_ttl, 8);
  EXPECT_EQ(s.latency_offset_ms, 1000);

  const nlohmann::json printed = config_to_json(c);
  const Config again = parse_config(printed.dump(), "printed");
  EXPECT_EQ(again.dmx.artnet.unicast, a.unicast);
  EXPECT_EQ(again.dmx.sacn.unicast, s.unicast);
  EXPECT_EQ(config_to_json(again), printed);
}

TEST(Config, DmxOutputKeysAreChecked) {
  EXPECT_THAT(error_of(R"({"dmx": {"artnet": {"bind": "any"}}})"),
              HasSubstr("key 'dmx.artnet.bind' must be a dotted IPv4 address"));
  EXPECT_THAT(error_of(R"({"dmx": {"artnet": {"port": 70000}}})"), HasSubstr("key 'dmx.artnet.port' must be in 0..65535"));
  EXPECT_THAT(error_of(R"({"dmx": {"artnet": {"broadcast": "2.255.255.255:0"}}})"),
              HasSubstr("key 'dmx.artnet.broadcast'"));
  EXPECT_THAT(error_of(R"({"dmx": {"artnet": {"shortName": "a name that is too long"}}})"),
              HasSubstr("key 'dmx.artnet.shortName' must be at most 17 bytes"));
  EXPECT_THAT(error_of(R"({"dmx": {"artnet": {"unicast": "10.0.0.1"}}})"),
              HasSubstr("key 'dmx.artnet.unicast' must be an array"));
  EXPECT_THAT(error_of(R"({"dmx": {"artnet": {"unicast": [{"universes": [1]}]}}})"),
              HasSubstr("key 'dmx.artnet.unicast[0].target' is required"));
  EXPECT_THAT(error_of(R"({"dmx": {"artnet": {"unicast": [{"target": "a", "universes": [32768]}]}}})"),
              HasSubstr("key 'dmx.artnet.unicast[0].universes[0]' must be in 0..32767"));
  EXPECT_THAT(error_of(R"({"dmx": {"artnet": {"unicast": [{"target": "a", "port": 1}]}}})"),
              HasSubstr("unknown key 'dmx.artnet.unicast[0].port'"));
  EXPECT_THAT(error_of(R"({"dmx": {"artnet": {"latencyOffsetMs": -501}}})"),
              HasSubstr("key 'dmx.artnet.latencyOffsetMs' must be in -500..1000"));
  EXPECT_THAT(error_of(R"({"dmx": {"artnet": {"colour": 1}}})"), HasSubstr("unknown key 'dmx.artnet.colour'"));
  EXPECT_THAT(error_of(R"({"dmx": {"sacn": {"priority": 201}}})"), HasSubstr("key 'dmx.sacn.priority' must be in 0..200"));
  EXPECT_THAT(error_of(R"({"dmx": {"sacn": {"cid": "not-a-uuid"}}})"), HasSubstr("key 'dmx.sacn.cid' must be empty or a UUID"));
  EXPECT_THAT(error_of(R"({"dmx": {"sacn": {"syncUniverse": 64000}}})"),
              HasSubstr("key 'dmx.sacn.syncUniverse' must be in 0..63999"));
  EXPECT_THAT(error_of(R"({"dmx": {"sacn": {"interface": "eth0"}}})"),
              HasSubstr("key 'dmx.sacn.interface' must be a dotted IPv4 address"));
  EXPECT_THAT(error_of(R"({"dmx": {"sacn": {"unicast": [1]}}})"), HasSubstr("key 'dmx.sacn.unicast[0]' must be a string"));
  EXPECT_THAT(error_of(R"({"dmx": {"sacn": {"multicastTtl": 0}}})"), HasSubstr("key 'dmx.sacn.multicastTtl' must be in 1..255"));
  EXPECT_THAT(error_of(R"({"dmx": {"sacn": {"sourceName": ")" + std::string(64, 'x') + R"("}}})"),
              HasSubstr("key 'dmx.sacn.sourceName' must be at most 63 bytes"));
  EXPECT_THAT(error_of(R"({"dmx": {"universe": 0, "sacn": {"enabled": true, "universeOffset": 0}}})"),
              HasSubstr("must give an sACN universe in 1..63999, got 0"));
}

TEST(Config, ClassifierKeysHaveDefaultsAreReadCheckedAndPrinted) {
  const Config defaults = parse_config("{}", "test.json");
  EXPECT_TRUE(defaults.classifier.enabled);
  EXPECT_EQ(defaults.classifier.model, "config/models/lumina-content.json");
  EXPECT_EQ(defaults.classifier.queue_size, 64U);
  EXPECT_EQ(defaults.classifier.hysteresis_windows, 2U);
  EXPECT_DOUBLE_EQ(defaults.classifier.min_confidence, 0.5);

  const Config c = parse_config(
      R"({"classifier": {"enabled": false, "model": "/opt/m.json", "queueSize": 16, "hysteresisWindows": 4,
                         "minConfidence": 0.7}})",
      "test.json");
  EXPECT_FALSE(c.classifier.enabled);
  EXPECT_EQ(c.classifier.model, "/opt/m.json");
  EXPECT_EQ(c.classifier.queue_size, 16U);
  EXPECT_EQ(c.classifier.hysteresis_windows, 4U);
  EXPECT_DOUBLE_EQ(c.classifier.min_confidence, 0.7);
  const Config again = parse_config(config_to_json(c).dump(), "printed");
  EXPECT_EQ(again.classifier.model, c.classifier.model);
  EXPECT_EQ(again.classifier.queue_size, c.classifier.queue_size);

  EXPECT_THAT(error_of(R"({"classifier": {"queueSize": 2}})"), HasSubstr("'classifier.queueSize' must be in 4..4096"));
  EXPECT_THAT(error_of(R"({"classifier": {"hysteresisWindows": 0}})"),
              HasSubstr("'classifier.hysteresisWindows' must be in 1..20"));
  EXPECT_THAT(error_of(R"({"classifier": {"minConfidence": 1.5}})"), HasSubstr("'classifier.minConfidence' must be in 0"));
  EXPECT_THAT(error_of(R"({"classifier": {"model": ""}})"), HasSubstr("'classifier.model' must name a model file"));
  EXPECT_THAT(error_of(R"({"classifier": {"labels": 3}})"), HasSubstr("unknown key 'classifier.labels'"));
}

TEST(Config, DmxShowKeysHaveDefaultsAreReadCheckedAndPrinted) {
  const Config defaults = parse_config("{}", "test.json");
  EXPECT_EQ(defaults.dmx.max_universes, 64U);
  EXPECT_EQ(defaults.dmx.show_file, "");
  EXPECT_EQ(defaults.dmx.frame_push_fps, 15U);
  const Config c =
      parse_config(R"({"dmx": {"maxUniverses": 512, "showFile": "/etc/luminad/show.json", "framePushFps": 5}})", "t.json");
  EXPECT_EQ(c.dmx.max_universes, 512U);
  EXPECT_EQ(c.dmx.show_file, "/etc/luminad/show.json");
  EXPECT_EQ(c.dmx.frame_push_fps, 5U);
  const Config again = parse_config(config_to_json(c).dump(), "printed");
  EXPECT_EQ(again.dmx.max_universes, 512U);
  EXPECT_EQ(again.dmx.show_file, c.dmx.show_file);
  EXPECT_EQ(again.dmx.frame_push_fps, 5U);
  EXPECT_THAT(error_of(R"({"dmx": {"maxUniverses": 0}})"), HasSubstr("'dmx.maxUniverses' must be in 1..4096"));
  EXPECT_THAT(error_of(R"({"dmx": {"framePushFps": 30}})"), HasSubstr("'dmx.framePushFps' must be in 1..20"));
  EXPECT_THAT(error_of(R"({"dmx": {"showFile": 3}})"), HasSubstr("dmx.showFile"));
}

TEST(Config, MediaKeysParseRoundTripAndCheckRanges) {
  const Config defaults;
  EXPECT_EQ(defaults.media.max_upload_bytes, 4ULL << 30);
  EXPECT_EQ(defaults.media.ffmpeg, "ffmpeg");
  const Config c = parse_config(
      R"({"media": {"maxUploadBytes": 10000000000, "ffmpeg": "/opt/ffmpeg/bin/ffmpeg", "ffmpegTimeoutSec": 30,
                    "uploadStallTimeoutSec": 5}})",
      "test");
  EXPECT_EQ(c.media.max_upload_bytes, 10000000000ULL);
  EXPECT_EQ(c.media.ffmpeg, "/opt/ffmpeg/bin/ffmpeg");
  EXPECT_EQ(c.media.ffmpeg_timeout_sec, 30U);
  EXPECT_EQ(c.media.upload_stall_timeout_sec, 5U);
  const Config again = parse_config(config_to_json(c).dump(), "printed");
  EXPECT_EQ(again.media.max_upload_bytes, c.media.max_upload_bytes);
  EXPECT_EQ(again.media.ffmpeg, c.media.ffmpeg);
  EXPECT_THAT(error_of(R"({"media": {"maxUploadBytes": 10}})"), HasSubstr("'media.maxUploadBytes' must be in 1024.."));
  EXPECT_THAT(error_of(R"({"media": {"ffmpeg": ""}})"), HasSubstr("media.ffmpeg"));
  EXPECT_THAT(error_of(R"({"media": {"ffmpegTimeoutSec": 0}})"), HasSubstr("media.ffmpegTimeoutSec"));
  EXPECT_THAT(error_of(R"({"media": {"tmpDir": "/x"}})"), HasSubstr("unknown key 'media.tmpDir'"));
}

TEST(Config, PrintedConfigHidesTheToken) {
  Config c;
  c.server.token = "very-secret";
  EXPECT_EQ(config_to_json(c).dump().find("very-secret"), std::string::npos);
}

}  // namespace
}  // namespace lumina
