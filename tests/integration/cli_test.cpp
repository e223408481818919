// The luminad command line: modes, exit codes and configuration errors as a
// user sees them.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "daemon_process.hpp"

namespace lumina::testing {
namespace {

std::string write_config(const TempDir& dir, const std::string& text) {
  const auto path = dir.path() / "luminad.json";
  std::ofstream(path) << text;
  return path.string();
}

TEST(Cli, VersionAndHelpExitZero) {
  const RunResult version = run_luminad({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.output.rfind("luminad ", 0), 0U) << version.output;
  const RunResult help = run_luminad({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--print-config"), std::string::npos);
  EXPECT_NE(help.output.find("LUMINA_ARTNET_TARGETS"), std::string::npos);
}

TEST(Cli, UnknownArgumentExitsTwo) {
  const RunResult r = run_luminad({"--frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown argument '--frobnicate'"), std::string::npos) << r.output;
}

TEST(Cli, CheckConfigAcceptsTheShippedFile) {
  const RunResult r = run_luminad({"--config", std::string(LUMINA_SOURCE_DIR) + "/config/luminad.json", "--check-config"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("configuration OK"), std::string::npos);
}

TEST(Cli, UnknownKeyExitsTwoNamingKeyAndFile) {
  TempDir dir;
  const std::string path = write_config(dir, R"({"dmx": {"fsp": 40}})");
  const RunResult r = run_luminad({"--config", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(path + ": unknown key 'dmx.fsp'"), std::string::npos) << r.output;
}

TEST(Cli, WrongTypeExitsTwoNamingKeyExpectedTypeAndFile) {
  TempDir dir;
  const std::string path = write_config(dir, R"({"server": {"port": "eight thousand"}})");
  const RunResult r = run_luminad({"--config", path, "--check-config"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(path + ": key 'server.port' must be an integer, got string"), std::string::npos) << r.output;
}

TEST(Cli, MissingConfigFileExitsTwo) {
  const RunResult r = run_luminad({"--config", "/nonexistent/luminad.json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("/nonexistent/luminad.json: cannot open"), std::string::npos) << r.output;
}

TEST(Cli, PrintConfigShowsEnvironmentOverrides) {
  const RunResult r = run_luminad({"--print-config"}, {{"LUMINA_PORT", "8123"},
                                                      {"LUMINA_ARTNET_TARGETS", "127.0.0.1:7000"},
                                                      {"LUMINA_AUDIO_BACKEND", "null"}});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto config = nlohmann::json::parse(r.output);
  EXPECT_EQ(config["server"]["port"], 8123);
  EXPECT_EQ(config["audio"]["backend"], "null");
  EXPECT_EQ(config["dmx"]["targets"], nlohmann::json::array({"127.0.0.1:7000"}));
}

TEST(Cli, BadEnvironmentValueExitsTwo) {
  const RunResult r = run_luminad({"--check-config"}, {{"LUMINA_PORT", "http"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("LUMINA_PORT"), std::string::npos) << r.output;
}

TEST(Cli, ListDevicesRunsWithoutASoundCard) {
  const RunResult r = run_luminad({"--list-devices"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("default input"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace lumina::testing
