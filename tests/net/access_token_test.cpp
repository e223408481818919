#include "lumina/net/access_token.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace lumina {
namespace {

namespace fs = std::filesystem;

class AccessTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lumina-token-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file_content() const {
    std::ifstream in(access_token_path(dir_));
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }
  unsigned file_mode() const {
    struct stat info {};
    EXPECT_EQ(::stat(access_token_path(dir_).c_str(), &info), 0);
    return info.st_mode & 0777;
  }

  fs::path dir_;
};

TEST(LoopbackAddress, RecognisesLoopbackOnly) {
  for (const char* address : {"127.0.0.1", "127.1.2.3", "::1", "localhost", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(is_loopback_listen_address(address)) << address;
  }
  for (const char* address : {"0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "::ffff:10.0.0.1", "example.com", ""}) {
    EXPECT_FALSE(is_loopback_listen_address(address)) << address;
  }
}

TEST_F(AccessTokenTest, ConfiguredTokenWinsEverywhere) {
  EXPECT_EQ(resolve_access_token("s3cret", "0.0.0.0", dir_), "s3cret");
  EXPECT_EQ(resolve_access_token("s3cret", "127.0.0.1", dir_), "s3cret");
  EXPECT_FALSE(fs::exists(access_token_path(dir_)));
}

TEST_F(AccessTokenTest, ConfiguredTokenMustBePrintableWithoutSpaces) {
  EXPECT_THROW(resolve_access_token("two words", "127.0.0.1", dir_), std::runtime_error);
  EXPECT_THROW(resolve_access_token("tab\there", "127.0.0.1", dir_), std::runtime_error);
}

TEST_F(AccessTokenTest, LoopbackWithoutConfiguredTokenNeedsNone) {
  EXPECT_EQ(resolve_access_token("", "127.0.0.1", dir_), "");
  EXPECT_EQ(resolve_access_token("", "::1", dir_), "");
  EXPECT_FALSE(fs::exists(access_token_path(dir_)));
}

TEST_F(AccessTokenTest, NonLoopbackGeneratesStoresAndReuses) {
  const std::string token = resolve_access_token("", "0.0.0.0", dir_);
  ASSERT_EQ(token.size(), 64U);
  EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(file_content(), token + "\n");
  EXPECT_EQ(file_mode(), 0600U);
  // Later starts reuse it.
  EXPECT_EQ(resolve_access_token("", "192.168.1.5", dir_), token);
  // No temporary files are left behind.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1U);
}

TEST_F(AccessTokenTest, TwoDataDirsGetDifferentTokens) {
  const std::string first = resolve_access_token("", "0.0.0.0", dir_);
  fs::remove(access_token_path(dir_));
  const std::string second = resolve_access_token("", "0.0.0.0", dir_);
  EXPECT_NE(first, second);
}

TEST_F(AccessTokenTest, StoredTokenIsTrimmedAndPermissionsAreTightened) {
  {
    std::ofstream out(access_token_path(dir_));
    out << "hand-made-token\r\n";
  }
  ASSERT_EQ(::chmod(access_token_path(dir_).c_str(), 0644), 0);
  EXPECT_EQ(resolve_access_token("", "0.0.0.0", dir_), "hand-made-token");
  EXPECT_EQ(file_mode(), 0600U);
}

TEST_F(AccessTokenTest, EmptyOrBadStoredTokenIsAnErrorNamingTheFile) {
  { std::ofstream out(access_token_path(dir_)); }
  try {
    resolve_access_token("", "0.0.0.0", dir_);
    FAIL() << "an empty token file was accepted";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(access_token_path(dir_).string()), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("no usable token"), std::string::npos) << error.what();
  }
  {
    std::ofstream out(access_token_path(dir_));
    out << "has space\n";
  }
  EXPECT_THROW(resolve_access_token("", "0.0.0.0", dir_), std::runtime_error);
}

TEST_F(AccessTokenTest, UnwritableDataDirIsAnErrorNamingTheFile) {
  // A regular file where the directory should be: not even root can create
  // the token there (a read-only directory would not stop root).
  const fs::path not_a_dir = dir_ / "plain-file";
  { std::ofstream out(not_a_dir); }
  try {
    resolve_access_token("", "0.0.0.0", not_a_dir);
    FAIL() << "a token was stored under a regular file";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(access_token_path(not_a_dir).string()), std::string::npos) << error.what();
  }
}

TEST_F(AccessTokenTest, MissingDataDirIsAnError) {
  EXPECT_THROW(resolve_access_token("", "0.0.0.0", dir_ / "missing"), std::runtime_error);
}

}  // namespace
}  // namespace lumina
