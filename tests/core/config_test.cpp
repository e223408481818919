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
              "realtimePriority": false, "monitor": true},
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

TEST(Config, PrintedConfigHidesTheToken) {
  Config c;
  c.server.token = "very-secret";
  EXPECT_EQ(config_to_json(c).dump().find("very-secret"), std::string::npos);
}

}  // namespace
}  // namespace lumina
