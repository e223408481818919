#include "lumina/store/data_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include "store/temp_dir.hpp"

namespace lumina {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(DataDir, CreatesTheTreeAndLocksIt) {
  TempDir tmp;
  const fs::path root = tmp.path() / "nested" / "data";
  DataDir dir(root);
  EXPECT_TRUE(fs::is_directory(root / "media"));
  EXPECT_EQ(slurp(root / "luminad.lock"), std::to_string(getpid()));
}

TEST(DataDir, SecondDaemonOnTheSameDirIsRefusedWithThePid) {
  TempDir tmp;
  DataDir first(tmp.path());
  // flock locks belong to the open file description, so a second open in the
  // same process conflicts exactly like a second daemon would.
  try {
    DataDir second(tmp.path());
    FAIL() << "expected DataDirError";
  } catch (const DataDirError& e) {
    EXPECT_NE(std::string(e.what()).find("in use by another luminad (pid " + std::to_string(getpid())), std::string::npos)
        << e.what();
  }
}

TEST(DataDir, LockIsReleasedOnDestruction) {
  TempDir tmp;
  { DataDir first(tmp.path()); }
  EXPECT_NO_THROW(DataDir again(tmp.path()));
}

TEST(DataDir, UncreatablePathGivesAReadableError) {
  // /proc refuses new directories even to root, unlike permission bits.
  try {
    DataDir dir("/proc/lumina-test/data");
    FAIL() << "expected DataDirError";
  } catch (const DataDirError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create data dir /proc/lumina-test/data/media"), std::string::npos)
        << e.what();
  }
}

TEST(DataDir, PathThatIsAFileIsRejected) {
  TempDir tmp;
  std::ofstream(tmp.path() / "file") << "x";
  try {
    DataDir dir(tmp.path() / "file");
    FAIL() << "expected DataDirError";
  } catch (const DataDirError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create data dir"), std::string::npos) << e.what();
  }
}

TEST(AtomicWrite, ReplacesContentAndLeavesNoTemporaries) {
  TempDir tmp;
  const fs::path target = tmp.path() / "show.json";
  write_file_atomically(target, "first");
  EXPECT_EQ(slurp(target), "first");
  write_file_atomically(target, "second, longer content");
  EXPECT_EQ(slurp(target), "second, longer content");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(tmp.path())) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST(AtomicWrite, FailureKeepsTheOldFile) {
  TempDir tmp;
  const fs::path target = tmp.path() / "show.json";
  write_file_atomically(target, "keep me");
  EXPECT_THROW(write_file_atomically(tmp.path() / "missing-dir" / "show.json", "x"), DataDirError);
  EXPECT_EQ(slurp(target), "keep me");
}

}  // namespace
}  // namespace lumina
