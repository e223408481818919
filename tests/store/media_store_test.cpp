// The media store without the daemon: the SQLite registry (schema, WAL,
// constraints, reopen), the library's import pipeline on real files (WAV
// kept as is, FLAC decoded, dedup, empty and random bytes refused, crash
// leftovers reconciled), display-name sanitising, and the multipart parser
// fed in every possible split.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sndfile.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lumina/store/ffmpeg_runner.hpp"
#include "lumina/store/media_library.hpp"
#include "lumina/store/media_registry.hpp"
#include "net/multipart.hpp"
#include "store/temp_dir.hpp"

namespace lumina {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

fs::path write_tone(const fs::path& path, int rate, int channels, double seconds, int format) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  EXPECT_NE(f, nullptr) << sf_strerror(nullptr);
  const auto frames = static_cast<std::size_t>(seconds * rate);
  std::vector<float> data(frames * static_cast<std::size_t>(channels));
  for (std::size_t i = 0; i < frames; ++i) {
    for (int c = 0; c < channels; ++c)
      data[i * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] =
          static_cast<float>(0.4 * std::sin(2 * std::numbers::pi * 440.0 * static_cast<double>(i) / rate));
  }
  sf_writef_float(f, data.data(), static_cast<sf_count_t>(frames));
  sf_close(f);
  return path;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

IngestResult upload_bytes(MediaLibrary& library, const std::string& bytes, const std::string& name) {
  auto upload = library.begin(name);
  // Odd-sized pieces, as a network would deliver them.
  for (std::size_t i = 0; i < bytes.size(); i += 7777) upload->append(bytes.data() + i, std::min<std::size_t>(7777, bytes.size() - i));
  return library.commit(*upload);
}

MediaRecord sample_record(const std::string& id, const std::string& sha) {
  MediaRecord r;
  r.id = id;
  r.sha256 = sha;
  r.name = "a.wav";
  r.original_path = "library/" + sha + ".orig";
  r.playable_path = r.original_path;
  r.sample_rate = 48000;
  r.channels = 2;
  r.frames = 48000;
  r.duration = 1.0;
  r.size = 192044;
  r.created = 1700000000;
  return r;
}

// ---- registry ---------------------------------------------------------------

TEST(MediaRegistry, CreatesSchemaInWalModeAndRoundTripsRows) {
  TempDir dir;
  {
    MediaRegistry registry(dir.path() / "lumina.db");
    EXPECT_EQ(registry.schema_version(), MediaRegistry::kSchemaVersion);
    EXPECT_TRUE(registry.insert(sample_record("aaaaaaaaaaaaaaaaaaaaaaaa", std::string(64, 'a'))));
    EXPECT_FALSE(registry.insert(sample_record("bbbbbbbbbbbbbbbbbbbbbbbb", std::string(64, 'a'))))
        << "the same sha256 twice must be refused";
    EXPECT_FALSE(registry.insert(sample_record("aaaaaaaaaaaaaaaaaaaaaaaa", std::string(64, 'c'))))
        << "the same id twice must be refused";
  }
  MediaRegistry reopened(dir.path() / "lumina.db");
  const auto rows = reopened.list();
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].id, "aaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(rows[0].frames, 48000U);
  EXPECT_EQ(rows[0].channels, 2U);
  EXPECT_DOUBLE_EQ(rows[0].duration, 1.0);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / "lumina.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

TEST(MediaRegistry, HiddenRowsAreListedOnlyWhenAsked) {
  TempDir dir;
  MediaRegistry registry(dir.path() / "lumina.db");
  ASSERT_TRUE(registry.insert(sample_record("aaaaaaaaaaaaaaaaaaaaaaaa", std::string(64, 'a'))));
  registry.set_missing("aaaaaaaaaaaaaaaaaaaaaaaa", true);
  EXPECT_TRUE(registry.list().empty());
  EXPECT_EQ(registry.list(true).size(), 1U);
  EXPECT_TRUE(registry.remove("aaaaaaaaaaaaaaaaaaaaaaaa"));
  EXPECT_FALSE(registry.remove("aaaaaaaaaaaaaaaaaaaaaaaa"));
}

TEST(MediaRegistry, RefusesADatabaseFromANewerVersion) {
  TempDir dir;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / "lumina.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  try {
    MediaRegistry registry(dir.path() / "lumina.db");
    FAIL() << "a newer schema must be refused";
  } catch (const RegistryError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

// ---- library ----------------------------------------------------------------

MediaLibraryOptions options_for(const fs::path& root) {
  MediaLibraryOptions o;
  o.root = root;
  o.sample_rate = 48000;
  o.max_upload_bytes = 8 * 1024 * 1024;
  return o;
}

TEST(MediaLibrary, KeepsAPlayableWavAsIsAndDeduplicates) {
  TempDir data, src;
  const std::string bytes = read_all(write_tone(src.path() / "t.wav", 48000, 2, 0.5, SF_FORMAT_WAV | SF_FORMAT_PCM_16));
  MediaLibrary library(options_for(data.path()));
  const IngestResult first = upload_bytes(library, bytes, "t.wav");
  EXPECT_FALSE(first.dedup);
  EXPECT_EQ(first.record.id.size(), 24U);
  EXPECT_EQ(first.record.id, first.record.sha256.substr(0, 24));
  EXPECT_EQ(first.record.playable_path, first.record.original_path);
  EXPECT_EQ(first.record.frames, 24000U);
  EXPECT_EQ(read_all(library.absolute(first.record.original_path)), bytes);
  const IngestResult second = upload_bytes(library, bytes, "other-name.wav");
  EXPECT_TRUE(second.dedup);
  EXPECT_EQ(second.record.id, first.record.id);
  EXPECT_EQ(library.list().size(), 1U);
  EXPECT_TRUE(fs::is_empty(library.temp_dir())) << "no temporary may remain";
}

TEST(MediaLibrary, DecodesFlacToAWavTheEnginePlays) {
  TempDir data, src;
  const std::string bytes = read_all(write_tone(src.path() / "t.flac", 48000, 1, 0.5, SF_FORMAT_FLAC | SF_FORMAT_PCM_16));
  MediaLibrary library(options_for(data.path()));
  const IngestResult r = upload_bytes(library, bytes, "t.flac");
  EXPECT_NE(r.record.playable_path, r.record.original_path);
  EXPECT_EQ(r.record.sample_rate, 48000U);
  EXPECT_EQ(r.record.channels, 1U);
  EXPECT_EQ(r.record.frames, 24000U);
  EXPECT_FALSE(r.record.from_video);
  SF_INFO info{};
  SNDFILE* f = sf_open(library.absolute(r.record.playable_path).c_str(), SFM_READ, &info);
  ASSERT_NE(f, nullptr);
  sf_close(f);
  EXPECT_EQ(info.format & SF_FORMAT_TYPEMASK, SF_FORMAT_WAV);
}

TEST(MediaLibrary, RefusesEmptyAndRandomBytesLeavingNothing) {
  TempDir data;
  auto options = options_for(data.path());
  options.ffmpeg.program = "/nonexistent/ffmpeg";
  MediaLibrary library(options);
  try {
    upload_bytes(library, "", "empty.wav");
    FAIL() << "an empty file must be refused";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 415U);
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos);
  }
  std::string noise(100000, '\0');
  std::mt19937 rng(7);
  for (auto& c : noise) c = static_cast<char>(rng());
  try {
    upload_bytes(library, noise, "noise.bin");
    FAIL() << "random bytes must be refused";
  } catch (const ApiError& e) {
    // libsndfile cannot read it; without ffmpeg the store cannot tell video from noise: 503 says why.
    EXPECT_EQ(e.status(), 503U) << e.what();
  }
  EXPECT_TRUE(library.list().empty());
  EXPECT_TRUE(fs::is_empty(library.temp_dir()));
  EXPECT_TRUE(fs::is_empty(library.library_dir()));
}

TEST(MediaLibrary, EnforcesTheSizeLimitWhileStreaming) {
  TempDir data;
  auto options = options_for(data.path());
  options.max_upload_bytes = 10000;
  MediaLibrary library(options);
  auto upload = library.begin("big.bin");
  const std::string chunk(6000, 'x');
  upload->append(chunk.data(), chunk.size());
  try {
    upload->append(chunk.data(), chunk.size());
    FAIL() << "the limit must be enforced";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 413U);
  }
  upload.reset();
  EXPECT_TRUE(fs::is_empty(library.temp_dir()));
}

TEST(MediaLibrary, ReconcileRemovesTemporariesAndHidesRowsWithoutFiles) {
  TempDir data, src;
  const std::string bytes = read_all(write_tone(src.path() / "t.wav", 48000, 1, 0.2, SF_FORMAT_WAV | SF_FORMAT_FLOAT));
  std::string id;
  fs::path original;
  {
    MediaLibrary library(options_for(data.path()));
    const IngestResult r = upload_bytes(library, bytes, "t.wav");
    id = r.record.id;
    original = library.absolute(r.record.original_path);
  }
  std::ofstream(data.path() / "tmp" / "upload-left-by-a-crash") << "partial";
  fs::rename(original, data.path() / "moved-away");
  {
    MediaLibrary library(options_for(data.path()));
    EXPECT_EQ(library.last_reconcile().temporaries_removed, 1U);
    ASSERT_EQ(library.last_reconcile().hidden.size(), 1U);
    EXPECT_EQ(library.last_reconcile().hidden[0], id);
    EXPECT_FALSE(library.find(id));
  }
  fs::rename(data.path() / "moved-away", original);
  MediaLibrary library(options_for(data.path()));
  EXPECT_EQ(library.last_reconcile().restored.size(), 1U);
  EXPECT_TRUE(library.find(id));
  EXPECT_TRUE(library.remove(id));
  EXPECT_FALSE(fs::exists(original));
  EXPECT_FALSE(library.remove(id));
}

TEST(MediaLibrary, ImportKeepsALegacyId) {
  TempDir data, src;
  const fs::path wav = write_tone(src.path() / "t.wav", 48000, 2, 0.2, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  MediaLibrary library(options_for(data.path()));
  const IngestResult r = library.import_file(wav, "Legacy Song.wav", std::string("legacy0000000000000000ab"));
  EXPECT_EQ(r.record.id, "legacy0000000000000000ab");
  EXPECT_EQ(r.record.name, "Legacy Song.wav");
  EXPECT_TRUE(fs::exists(wav)) << "import copies, never moves";
  EXPECT_TRUE(library.find("legacy0000000000000000ab"));
}

// ---- child processes ---------------------------------------------------------

TEST(FfmpegRunner, ReportsMissingProgramsExitCodesStderrAndTimeouts) {
  FfmpegLimits limits;
  limits.program = "/nonexistent/ffmpeg";
  EXPECT_TRUE(run_ffmpeg(limits, {"-version"}).not_found);
  limits.program = "no-such-program-lumina";
  EXPECT_TRUE(run_ffmpeg(limits, {}).not_found);

  // Any program runs the same way; sh stands in for ffmpeg to script the child.
  limits.program = "sh";
  const FfmpegResult failed = run_ffmpeg(limits, {"-c", "echo 'Invalid data found' >&2; exit 3"});
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.exit_code, 3);
  EXPECT_NE(failed.stderr_text.find("Invalid data found"), std::string::npos);
  // stdin is /dev/null: a child that reads it gets end-of-file at once.
  EXPECT_TRUE(run_ffmpeg(limits, {"-c", "cat"}).ok());
  // The file-size limit applies in the child.
  limits.max_output_bytes = 4096;
  TempDir dir;
  const FfmpegResult big = run_ffmpeg(limits, {"-c", "head -c 100000 /dev/zero > " + (dir.path() / "out").string()});
  EXPECT_FALSE(big.ok());
  EXPECT_LE(fs::file_size(dir.path() / "out"), 4096U);

  limits.max_output_bytes = 1ULL << 30;
  limits.timeout = std::chrono::seconds(1);
  const FfmpegResult slow = run_ffmpeg(limits, {"-c", "sleep 30"});
  EXPECT_TRUE(slow.timed_out);
  EXPECT_EQ(slow.signal, SIGKILL);

  // A stopping daemon cancels a running conversion.
  std::atomic<bool> stopping{true};
  limits.timeout = std::chrono::seconds(60);
  limits.cancel = &stopping;
  const FfmpegResult cancelled = run_ffmpeg(limits, {"-c", "sleep 30"});
  EXPECT_TRUE(cancelled.cancelled);
  EXPECT_FALSE(cancelled.timed_out);
}

TEST(FfmpegRunner, TheChildStartsWithItsLimitsItsOwnGroupAndNoneOfTheDaemonsDescriptors) {
  // A descriptor the daemon opened without close-on-exec must not reach ffmpeg.
  const int opened = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(opened, 0);
  const int leaky = ::fcntl(opened, F_DUPFD, 100);  // 100: a number sh does not use itself
  ::close(opened);
  ASSERT_EQ(leaky, 100);
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigset_t old;
  ::pthread_sigmask(SIG_BLOCK, &blocked, &old);  // as in every daemon thread
  FfmpegLimits limits;
  limits.program = "sh";
  limits.timeout = std::chrono::seconds(41);
  limits.max_memory_bytes = 3ULL << 30;
  limits.max_output_bytes = 5ULL << 20;
  const FfmpegResult r = run_ffmpeg(
      limits, {"-c",
               "echo cpu=$(ulimit -t) as=$(ulimit -v) fsize=$(ulimit -f) core=$(ulimit -c) >&2; "
               "echo fds: >&2; ls /proc/$$/fd >&2; "
               // Read by sh itself: while it waits for a child (grep), dash blocks every signal.
               "while read -r line; do case $line in SigBlk*) echo \"$line\" >&2;; esac; done < /proc/$$/status; "
               "echo pgrp=$(cut -d' ' -f5 /proc/$$/stat) pid=$$ >&2"});
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(leaky);
  ASSERT_TRUE(r.ok()) << r.stderr_text;
  const std::string& out = r.stderr_text;
  EXPECT_NE(out.find("cpu=42 "), std::string::npos) << out;       // the timeout plus a second
  EXPECT_NE(out.find("as=3145728 "), std::string::npos) << out;   // KiB
  EXPECT_NE(out.find("fsize=10240 "), std::string::npos) << out;  // 512-byte blocks
  EXPECT_NE(out.find("core=0\n"), std::string::npos) << out;
  EXPECT_NE(out.find("fds:\n0\n1\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("\n100\n"), std::string::npos) << out;
  EXPECT_NE(out.find("SigBlk:\t0000000000000000"), std::string::npos) << out;
  const auto pgrp = out.find("pgrp=");
  const auto pid = out.find(" pid=");
  ASSERT_NE(pgrp, std::string::npos);
  ASSERT_NE(pid, std::string::npos);
  EXPECT_EQ(out.substr(pgrp + 5, pid - pgrp - 5), out.substr(pid + 5, out.find('\n', pid) - pid - 5)) << out;
}

TEST(FfmpegRunner, StartingTheChildMakesNoOtherThreadFaultOnItsOwnMemory) {
  // The audio and DMX threads write their buffers every block. A child made
  // with fork() would write-protect those pages, and each first write after
  // it would be a page fault in a realtime thread (measured: 59 in the audio
  // thread per conversion). This thread stands in for them.
  constexpr std::size_t kPages = 64;
  std::atomic<bool> ready{false};
  std::atomic<bool> stop{false};
  std::atomic<long> faults{-1};
  std::thread writer([&] {
    const long page = ::sysconf(_SC_PAGESIZE);
    std::vector<char> buffer(kPages * static_cast<std::size_t>(page));
    auto touch = [&] {
      for (std::size_t i = 0; i < buffer.size(); i += static_cast<std::size_t>(page))
        buffer[i] = static_cast<char>(buffer[i] + 1);
    };
    touch();
    rusage before{};
    ::getrusage(RUSAGE_THREAD, &before);
    ready = true;
    while (!stop) {
      touch();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    touch();
    rusage after{};
    ::getrusage(RUSAGE_THREAD, &after);
    faults = after.ru_minflt + after.ru_majflt - before.ru_minflt - before.ru_majflt;
  });
  while (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  FfmpegLimits limits;
  limits.program = "sh";
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(run_ffmpeg(limits, {"-c", "sleep 0.05"}).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop = true;
  writer.join();
  EXPECT_EQ(faults.load(), 0) << "page faults in a thread that only wrote its own, already present, memory";
}

// ---- display names ----------------------------------------------------------

TEST(DisplayName, StripsPathsControlCharactersAndLength) {
  EXPECT_EQ(sanitize_display_name("../../etc/passwd"), "passwd");
  EXPECT_EQ(sanitize_display_name("C:\\Users\\x\\song.mp3"), "song.mp3");
  EXPECT_EQ(sanitize_display_name("a\x01" "b\x7f\nc.wav"), "abc.wav");
  EXPECT_EQ(sanitize_display_name(".."), "upload.bin");
  EXPECT_EQ(sanitize_display_name("dir/"), "upload.bin");
  EXPECT_EQ(sanitize_display_name(""), "upload.bin");
  EXPECT_EQ(sanitize_display_name("caf\xc3\xa9.wav"), "caf\xc3\xa9.wav");
  EXPECT_EQ(sanitize_display_name("bad\xff\xfe.wav"), "bad.wav");
  const std::string long_name(500, 'x');
  EXPECT_EQ(sanitize_display_name(long_name).size(), 200U);
  // Never cut inside a UTF-8 character.
  std::string accents;
  for (int i = 0; i < 150; ++i) accents += "\xc3\xa9";
  const std::string cut = sanitize_display_name(accents);
  EXPECT_EQ(cut.size(), 200U);
  EXPECT_EQ(sanitize_display_name(cut), cut);
}

// ---- multipart --------------------------------------------------------------

struct Collected final : net::MultipartHandler {
  struct Part {
    net::MultipartPart meta;
    std::string data;
    bool ended = false;
  };
  std::vector<Part> parts;
  void part_begin(const net::MultipartPart& p) override { parts.push_back({p, {}, false}); }
  void part_data(const char* d, std::size_t n) override { parts.back().data.append(d, n); }
  void part_end() override { parts.back().ended = true; }
};

std::string form(const std::string& boundary, const std::string& file_bytes) {
  return "preamble\r\n--" + boundary +
         "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--" + boundary +
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".wav\"\r\n"
         "Content-Type: audio/wav\r\n\r\n" +
         file_bytes + "\r\n--" + boundary + "--\r\nepilogue";
}

TEST(Multipart, ParsesEveryPartWhateverTheChunkSplit) {
  const std::string boundary = "----lumina7MA4YWxkTrZu0gW";
  // File bytes full of near-delimiters (a delimiter itself cannot occur in a part, RFC 2046).
  const std::string file = "\r\n--" + boundary.substr(0, 10) + "x\r\n-\r\n--" + boundary.substr(0, boundary.size() - 1) +
                           "X" + std::string(300, 'z') + "\r\n--" + "\r";
  const std::string body = form(boundary, file);
  for (std::size_t split = 1; split <= body.size(); ++split) {
    Collected c;
    net::MultipartParser parser(boundary, c);
    for (std::size_t i = 0; i < body.size(); i += split) parser.feed(body.data() + i, std::min(split, body.size() - i));
    ASSERT_TRUE(parser.done()) << "split " << split;
    ASSERT_EQ(c.parts.size(), 2U) << "split " << split;
    EXPECT_EQ(c.parts[0].meta.name, "note");
    EXPECT_EQ(c.parts[0].data, "hello");
    EXPECT_EQ(c.parts[1].meta.name, "file");
    ASSERT_TRUE(c.parts[1].meta.filename);
    EXPECT_EQ(*c.parts[1].meta.filename, "a \"b\".wav");
    EXPECT_EQ(c.parts[1].meta.content_type, "audio/wav");
    ASSERT_EQ(c.parts[1].data, file) << "split " << split;
    EXPECT_TRUE(c.parts[1].ended);
  }
}

TEST(Multipart, BoundaryFromContentTypeAndBadInput) {
  EXPECT_EQ(net::multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(net::multipart_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\""), "a b");
  EXPECT_FALSE(net::multipart_boundary("application/json"));
  EXPECT_FALSE(net::multipart_boundary("multipart/form-data"));
  EXPECT_FALSE(net::multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')));
  const auto ext = net::parse_content_disposition("form-data; name=file; filename*=UTF-8''caf%C3%A9.wav");
  EXPECT_EQ(ext.name, "file");
  EXPECT_EQ(ext.filename, "caf\xc3\xa9.wav");

  Collected c;
  net::MultipartParser parser("b", c);
  const std::string bad = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\ndata\r\n--bGARBAGE";
  EXPECT_THROW(parser.feed(bad.data(), bad.size()), net::MultipartError);
  Collected c2;
  net::MultipartParser unterminated("b", c2);
  const std::string cut = "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ndata";
  unterminated.feed(cut.data(), cut.size());
  EXPECT_FALSE(unterminated.done());
}

}  // namespace
}  // namespace lumina
