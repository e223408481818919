// POST /upload, GET/DELETE /api/sources and import-legacy against the real
// luminad binary over real HTTP on 127.0.0.1 (protocol A.7, B.9, C.2, C.6):
// formats made with sox/ffmpeg in the test, refusals with their statuses,
// dedup (sequential and concurrent), a full and a read-only data dir (tmpfs
// mounts), SIGKILL in the middle of an upload, delete while playing, and the
// faults of the media path (issue 10): an ffmpeg that hangs or crashes, a
// registry database another program keeps locked.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <future>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <openssl/evp.h>
#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include "daemon_process.hpp"
#include "host_watch.hpp"
#include "loopback.hpp"
#include "ws_client.hpp"

namespace lumina::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kBoundary = "luminaTestBoundary7f3a";

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

// Runs a media tool (sox/ffmpeg) to make a test file; paths are test-owned temporaries.
void make_media(const std::string& command) {
  ASSERT_EQ(std::system((command + " >/dev/null 2>&1").c_str()), 0) << command;
}

std::string multipart(const std::string& filename, const std::string& bytes, const std::string& field = "file") {
  return std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"" +
         filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + bytes + "\r\n--" + kBoundary + "--\r\n";
}

HttpResponse upload(std::uint16_t port, const std::string& filename, const std::string& bytes,
                    const std::string& field = "file") {
  return http_request(port, "POST", "/upload", multipart(filename, bytes, field),
                      {{"Content-Type", std::string("multipart/form-data; boundary=") + kBoundary}}, 120s);
}

json body_of(const HttpResponse& r) {
  try {
    return json::parse(r.body);
  } catch (const std::exception&) {
    ADD_FAILURE() << "not JSON (status " << r.status << "): " << r.body;
    return json::object();
  }
}

// A refusal as the API sends it: `status`, {"ok":false,"error":code}, and a
// message that says each of `says`.
void expect_refusal(const HttpResponse& r, unsigned status, const std::string& code,
                    std::initializer_list<std::string> says = {}) {
  EXPECT_EQ(r.status, status) << r.body;
  const json body = body_of(r);
  EXPECT_EQ(body["ok"], false) << r.body;
  EXPECT_EQ(body["error"], code) << r.body;
  const std::string message = body.value("message", "");
  for (const auto& phrase : says) EXPECT_NE(message.find(phrase), std::string::npos) << "should say '" << phrase << "': " << message;
}

bool has_tool(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

json sources(std::uint16_t port) { return body_of(http_request(port, "GET", "/api/sources")); }

std::vector<std::string> file_ids(const json& sources_payload) {
  std::vector<std::string> ids;
  for (const auto& item : sources_payload["items"]) {
    if (item["kind"] == "file") ids.push_back(item["id"].get<std::string>().substr(5));
  }
  return ids;
}

std::size_t count_files(const fs::path& dir) {
  std::error_code ec;
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    (void)e;
    ++n;
  }
  return n;
}

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  return fd;
}

// Sends raw request bytes (for framings the test client does not make, such
// as chunked bodies) and returns everything the server answers until it closes.
std::string raw_exchange(std::uint16_t port, const std::string& request) {
  const int fd = connect_loopback(port);
  if (fd < 0) return {};
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and stop reading early
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string reply;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) reply.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return reply;
}

class UploadTest : public ::testing::Test {
 protected:
  void start(Env env = {}, std::vector<std::string> args = {}) {
    env.emplace("LUMINA_AUDIO_BACKEND", "null");
    env.emplace("LUMINA_AUDIO_SOURCE", "synth:demo");
    daemon = std::make_unique<DaemonProcess>(env, args);
    ASSERT_TRUE(daemon->wait_healthy()) << daemon->log();
  }
  void TearDown() override {
    if (HasFailure() && daemon) std::cerr << "---- luminad log ----\n" << daemon->log() << "\n";
  }
  fs::path config_file(const json& config) {
    const fs::path path = work.path() / "config.json";
    std::ofstream(path) << config.dump();
    return path;
  }

  TempDir work;
  std::unique_ptr<DaemonProcess> daemon;
};

TEST_F(UploadTest, WavFlacAndMp3AreRegisteredConvertedAndDeduplicated) {
  ASSERT_TRUE(has_tool("sox") && has_tool("ffmpeg")) << "the tests need sox and ffmpeg (scripts/setup)";
  start();
  const fs::path wav = work.path() / "tone.wav", flac = work.path() / "tone.flac", mp3 = work.path() / "tone.mp3";
  make_media("sox -n -r 48000 -c 2 -b 16 " + wav.string() + " synth 1.5 sine 440");
  make_media("sox -n -r 44100 -c 1 " + flac.string() + " synth 2 sine 660");
  make_media("ffmpeg -nostdin -f lavfi -i sine=frequency=330:duration=3 -ar 44100 " + mp3.string());

  const HttpResponse w = upload(daemon->port(), "tone.wav", read_all(wav));
  ASSERT_EQ(w.status, 200) << w.body;
  const json wj = body_of(w);
  const std::string digest = sha256_hex(read_all(wav));
  EXPECT_EQ(wj["ok"], true);
  EXPECT_EQ(wj["fileId"], digest.substr(0, 24));
  EXPECT_EQ(wj["sourceId"], "file:" + digest.substr(0, 24));
  EXPECT_EQ(wj["name"], "tone.wav");
  EXPECT_EQ(wj["sr"], 48000);
  EXPECT_EQ(wj["channels"], 2);
  EXPECT_NEAR(wj["duration"].get<double>(), 1.5, 1e-3);
  EXPECT_EQ(wj["fromVideo"], false);
  EXPECT_EQ(wj["dedup"], false);

  const json fj = body_of(upload(daemon->port(), "tone.flac", read_all(flac)));
  EXPECT_EQ(fj["ok"], true) << fj.dump();
  EXPECT_EQ(fj["sr"], 48000) << "converted at import to the engine rate";
  EXPECT_EQ(fj["channels"], 1);
  EXPECT_NEAR(fj["duration"].get<double>(), 2.0, 0.01);

  const json mj = body_of(upload(daemon->port(), "tone.mp3", read_all(mp3)));
  EXPECT_EQ(mj["ok"], true) << mj.dump();
  EXPECT_EQ(mj["sr"], 48000);
  EXPECT_NEAR(mj["duration"].get<double>(), 3.0, 0.1);

  // The same bytes again: same ids, every field, dedup:true.
  const json again = body_of(upload(daemon->port(), "renamed.wav", read_all(wav)));
  for (const char* key : {"ok", "fileId", "sourceId", "name", "sr", "channels", "duration", "fromVideo"}) {
    EXPECT_EQ(again[key], wj[key]) << key;
  }
  EXPECT_EQ(again["dedup"], true);

  const auto ids = file_ids(sources(daemon->port()));
  EXPECT_EQ(ids.size(), 3U);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), wj["fileId"].get<std::string>()), 1);
  EXPECT_EQ(count_files(daemon->data_dir() / "tmp"), 0U);
}

TEST_F(UploadTest, VideoAudioIsExtractedAndSilentVideoIsRefused) {
  ASSERT_TRUE(has_tool("ffmpeg"));
  start();
  const fs::path with = work.path() / "with.mp4", without = work.path() / "without.mp4";
  make_media("ffmpeg -nostdin -f lavfi -i testsrc=size=160x120:rate=10:duration=2 -f lavfi -i "
             "sine=frequency=440:duration=2 -c:v mpeg4 -c:a aac -shortest " + with.string());
  make_media("ffmpeg -nostdin -f lavfi -i testsrc=size=160x120:rate=10:duration=2 -c:v mpeg4 " + without.string());
  const HttpResponse ok = upload(daemon->port(), "clip.mp4", read_all(with));
  ASSERT_EQ(ok.status, 200) << ok.body;
  const json j = body_of(ok);
  EXPECT_EQ(j["fromVideo"], true);
  EXPECT_EQ(j["sr"], 48000);
  EXPECT_NEAR(j["duration"].get<double>(), 2.0, 0.1);

  const HttpResponse silent = upload(daemon->port(), "silent.mp4", read_all(without));
  expect_refusal(silent, 422, "no_audio_track");
  EXPECT_EQ(file_ids(sources(daemon->port())).size(), 1U);
  EXPECT_EQ(count_files(daemon->data_dir() / "tmp"), 0U);
}

TEST_F(UploadTest, BadFilesGetPreciseJsonErrorsAndLeaveNothing) {
  start();
  std::string noise(200000, '\0');
  std::mt19937 rng(42);
  for (auto& c : noise) c = static_cast<char>(rng());
  const HttpResponse random = upload(daemon->port(), "noise.bin", noise);
  expect_refusal(random, 415, "unsupported_media");
  // ffmpeg's complaint names the upload, not the server's temporary file.
  EXPECT_EQ(random.body.find(daemon->data_dir().string()), std::string::npos) << random.body;
  EXPECT_EQ(random.body.find("/tmp/"), std::string::npos) << random.body;

  const HttpResponse empty = upload(daemon->port(), "empty.wav", "");
  EXPECT_EQ(empty.status, 415) << empty.body;
  EXPECT_NE(body_of(empty)["message"].get<std::string>().find("empty"), std::string::npos);

  const HttpResponse missing = upload(daemon->port(), "x.wav", "abc", "notfile");
  expect_refusal(missing, 400, "file field missing");

  const HttpResponse not_multipart =
      http_request(daemon->port(), "POST", "/upload", "{}", {{"Content-Type", "application/json"}});
  EXPECT_EQ(not_multipart.status, 400);
  EXPECT_NE(body_of(not_multipart)["message"].get<std::string>().find("multipart/form-data"), std::string::npos);

  EXPECT_TRUE(file_ids(sources(daemon->port())).empty());
  EXPECT_EQ(count_files(daemon->data_dir() / "tmp"), 0U);
  EXPECT_EQ(count_files(daemon->data_dir() / "library"), 0U);
}

// A client that shuts its sending side before its request is complete can
// still read: it gets a JSON 400 saying so (B.9), not a silent close, and
// nothing is stored.
TEST_F(UploadTest, ARequestCutShortByAHalfCloseGetsA400) {
  start();
  const std::string multipart_type =
      std::string("Content-Type: multipart/form-data; boundary=") + kBoundary + "\r\n";
  const std::string part = multipart("cut.wav", std::string(1000, 'x'));
  for (const std::string& request : {
           // Content-Length beyond what comes.
           "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\n" + multipart_type + "Content-Length: " +
               std::to_string(part.size()) + "\r\n\r\n" + part.substr(0, 100),
           // A chunked upload without its last chunk.
           "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\n" + multipart_type +
               "Transfer-Encoding: chunked\r\n\r\n64\r\n" + part.substr(0, 100) + "\r\n",
           // A header without its blank line.
           std::string("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"),
           // A short body on another route.
           std::string("DELETE /api/sources/0123456789abcdef01234567 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Content-Length: 50\r\n\r\n{\"a\":"),
       }) {
    const std::string reply = raw_exchange(daemon->port(), request);
    EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0U) << request.substr(0, 60) << "\n---\n" << reply;
    EXPECT_NE(reply.find("application/json"), std::string::npos) << reply;
    EXPECT_NE(reply.find("incomplete request"), std::string::npos) << reply;
  }
  EXPECT_EQ(count_files(daemon->data_dir() / "tmp"), 0U);
  EXPECT_EQ(http_request(daemon->port(), "GET", "/health").status, 200);
}

TEST_F(UploadTest, TruncatedWavPlaysWhatIsThereAndNamesAreNeverPaths) {
  ASSERT_TRUE(has_tool("sox"));
  start();
  const fs::path wav = work.path() / "long.wav";
  make_media("sox -n -r 48000 -c 1 -b 16 " + wav.string() + " synth 2 sine 440");
  std::string bytes = read_all(wav);
  bytes.resize(44 + 48000 * 2 / 2);  // header + 0.5 s of the 2 s the header announces
  const HttpResponse r = upload(daemon->port(), "../../../etc/evil\x01name.wav", bytes);
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = body_of(r);
  EXPECT_NEAR(j["duration"].get<double>(), 0.5, 0.01) << "the duration is what the file holds";
  EXPECT_EQ(j["name"], "evilname.wav");
  EXPECT_FALSE(fs::exists("/etc/evilname.wav"));
  EXPECT_FALSE(fs::exists(daemon->data_dir() / "etc"));
}

TEST_F(UploadTest, ConcurrentUploadsOfTheSameBytesEndAsOneEntry) {
  ASSERT_TRUE(has_tool("sox"));
  start();
  const fs::path flac = work.path() / "c.flac";  // a FLAC: every upload converts, so they overlap
  make_media("sox -n -r 44100 -c 2 " + flac.string() + " synth 20 sine 440");
  const std::string bytes = read_all(flac);
  std::vector<std::future<HttpResponse>> uploads;
  for (int i = 0; i < 4; ++i) {
    uploads.push_back(std::async(std::launch::async, [&] { return upload(daemon->port(), "c.flac", bytes); }));
  }
  int fresh = 0;
  std::set<std::string> ids;
  for (auto& f : uploads) {
    const HttpResponse r = f.get();
    ASSERT_EQ(r.status, 200) << r.body;
    const json j = body_of(r);
    ids.insert(j["fileId"].get<std::string>());
    if (j["dedup"] == false) ++fresh;
  }
  EXPECT_EQ(ids.size(), 1U);
  EXPECT_EQ(fresh, 1) << "exactly one upload registers, the others are dedups";
  EXPECT_EQ(file_ids(sources(daemon->port())).size(), 1U);
  EXPECT_EQ(count_files(daemon->data_dir() / "tmp"), 0U);
}

TEST_F(UploadTest, SizeLimitAndMissingFfmpegAnswer413And503) {
  start({}, {"--config", config_file({{"media", {{"maxUploadBytes", 100000}, {"ffmpeg", "/nonexistent/ffmpeg"}}}}).string()});
  const HttpResponse big = upload(daemon->port(), "big.bin", std::string(300000, 'x'));
  expect_refusal(big, 413, "payload_too_large", {"media.maxUploadBytes"});
  // Chunked: no Content-Length up front, the running count catches it.
  const std::string chunk = multipart("big.bin", std::string(300000, 'y'));
  std::ostringstream chunked;
  chunked << std::hex << chunk.size() << "\r\n" << chunk << "\r\n0\r\n\r\n";
  const std::string reply = raw_exchange(
      daemon->port(), "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=" +
                          std::string(kBoundary) + "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked.str());
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0U) << reply;
  EXPECT_NE(reply.find("media.maxUploadBytes"), std::string::npos) << reply;

  std::string noise(5000, '\0');
  std::mt19937 rng(1);
  for (auto& c : noise) c = static_cast<char>(rng());
  const HttpResponse no_ffmpeg = upload(daemon->port(), "clip.mp4", noise);
  expect_refusal(no_ffmpeg, 503, "ffmpeg_missing", {"ffmpeg"});
  EXPECT_EQ(count_files(daemon->data_dir() / "tmp"), 0U);
}

TEST_F(UploadTest, MediaRoutesNeedTheTokenAndAnAllowedOrigin) {
  start({{"LUMINA_TOKEN", "upload-test-token"}});
  const std::map<std::string, std::string> form{{"Content-Type", std::string("multipart/form-data; boundary=") + kBoundary}};
  EXPECT_EQ(http_request(daemon->port(), "POST", "/upload", multipart("a.bin", "abc"), form).status, 401);
  EXPECT_EQ(http_request(daemon->port(), "GET", "/api/sources").status, 401);
  EXPECT_EQ(http_request(daemon->port(), "DELETE", "/api/sources/000000000000000000000000").status, 401);
  auto with_token = form;
  with_token["Authorization"] = "Bearer upload-test-token";
  with_token["Origin"] = "http://evil.example";
  EXPECT_EQ(http_request(daemon->port(), "POST", "/upload", multipart("a.bin", "abc"), with_token).status, 403);
  with_token.erase("Origin");
  const HttpResponse ok = http_request(daemon->port(), "POST", "/upload", multipart("a.bin", "abc"), with_token);
  EXPECT_EQ(ok.status, 415) << "authorised: the bytes are judged (and refused as not audio): " << ok.body;
  EXPECT_EQ(http_request(daemon->port(), "GET", "/api/sources", {}, {{"Authorization", "Bearer upload-test-token"}}).status,
            200);
  EXPECT_EQ(count_files(daemon->data_dir() / "tmp"), 0U);
}

// A tmpfs mounted on the data dir: small (full disk) or remounted read-only.
class TmpfsMount {
 public:
  TmpfsMount(const fs::path& where, const std::string& options) : where_(where) {
    fs::create_directories(where);
    mounted_ = ::mount("tmpfs", where.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(where_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  bool remount_read_only() {
    return ::mount("tmpfs", where_.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) == 0;
  }

 private:
  fs::path where_;
  bool mounted_ = false;
};

TEST_F(UploadTest, FullDataDirAnswers507AndLeavesNothing) {
  const fs::path dir = work.path() / "small";
  TmpfsMount tmpfs(dir, "size=2m");
  if (!tmpfs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs CAP_SYS_ADMIN)";
  start({{"LUMINA_DATA_DIR", dir.string()}});
  std::string bytes(3 * 1024 * 1024, 'a');
  const HttpResponse r = upload(daemon->port(), "big.wav", bytes);
  expect_refusal(r, 507, "insufficient_storage", {"full"});
  EXPECT_EQ(count_files(dir / "tmp"), 0U);
  EXPECT_TRUE(file_ids(sources(daemon->port())).empty());
  // Space is back once the temporary is gone: a small upload still works... as a 415 for junk, not a 507.
  EXPECT_EQ(upload(daemon->port(), "small.bin", std::string(1000, 'b')).status, 415);
}

TEST_F(UploadTest, ReadOnlyDataDirAnswersAClearError) {
  start();
  // A read-only filesystem over the directory uploads are written to (the
  // daemon holds the database open, so its own mount cannot be remounted
  // read-only; an unwritable data dir at start is refused by DataDir).
  TmpfsMount tmpfs(daemon->data_dir() / "tmp", "size=1m");
  if (!tmpfs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs CAP_SYS_ADMIN)";
  ASSERT_TRUE(tmpfs.remount_read_only());
  const HttpResponse r = upload(daemon->port(), "a.wav", std::string(1000, 'a'));
  expect_refusal(r, 500, "storage_not_writable", {"not writable"});
  EXPECT_TRUE(file_ids(sources(daemon->port())).empty());
}

// ---- Faults of the media path (issue 10) ----

// An executable script standing in for ffmpeg.
fs::path fake_ffmpeg(const fs::path& dir, const std::string& body) {
  const fs::path path = dir / "fake-ffmpeg";
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

// Processes whose command line mentions `needle` (a leftover child would).
int processes_mentioning(const std::string& needle) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string cmdline = read_all(e.path() / "cmdline");
    if (cmdline.find(needle) != std::string::npos) ++n;
  }
  return n;
}

// True once no process mentions `needle` (a SIGKILLed process group takes a
// moment to die, and a grandchild is reaped by init, not by luminad).
bool gone(const std::string& needle) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (processes_mentioning(needle) != 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

json status_of(std::uint16_t port) { return body_of(http_request(port, "GET", "/api/status")); }

// A hanging ffmpeg: a shell waiting on a child (both must be killed).
// Each test hangs for its own number of seconds, so that tests running at
// the same time cannot see each other's children.
std::string hanging_ffmpeg(int seconds) { return "sleep " + std::to_string(seconds) + "  # hangs"; }
std::string hanging_child(int seconds) { return std::string("sleep") + '\0' + std::to_string(seconds); }  // its /proc cmdline

// Waits (bounded) until the fake ffmpeg runs, or the upload has already ended.
void wait_for_conversion(const fs::path& ffmpeg, std::future<HttpResponse>& reply) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (processes_mentioning(ffmpeg.string()) == 0 && reply.wait_for(10ms) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline) {
  }
}

TEST_F(UploadTest, FfmpegThatHangsIsKilledAtTheTimeoutWhileAudioAndDmxCarryOn) {
  ASSERT_TRUE(has_tool("sox"));
  const fs::path ffmpeg = fake_ffmpeg(work.path(), hanging_ffmpeg(317));
  start({}, {"--config", config_file({{"media", {{"ffmpeg", ffmpeg.string()}, {"ffmpegTimeoutSec", 4}}}}).string()});
  const fs::path wav = work.path() / "cd.wav";  // 44.1 kHz: needs ffmpeg to reach 48 kHz
  make_media("sox -n -r 44100 -c 2 -b 16 " + wav.string() + " synth 1 sine 440");
  HostWatch host;
  const json before = status_of(daemon->port());

  auto reply = std::async(std::launch::async, [&] { return upload(daemon->port(), "cd.wav", read_all(wav)); });
  wait_for_conversion(ffmpeg, reply);
  // While the conversion hangs, the server answers: the io thread never waits for ffmpeg.
  EXPECT_EQ(http_request(daemon->port(), "GET", "/health").status, 200);
  EXPECT_EQ(reply.wait_for(0s), std::future_status::timeout) << "answered while the conversion still hung";

  const HttpResponse r = reply.get();
  expect_refusal(r, 500, "conversion_timeout", {"media.ffmpegTimeoutSec"});
  EXPECT_TRUE(gone(ffmpeg.string())) << "the hung ffmpeg is killed, not left behind";
  EXPECT_TRUE(gone(hanging_child(317))) << "and so is what it started";
  EXPECT_EQ(count_files(daemon->data_dir() / "tmp"), 0U);
  EXPECT_EQ(count_files(daemon->data_dir() / "library"), 0U);
  EXPECT_TRUE(file_ids(sources(daemon->port())).empty());

  // Audio and DMX went on through the hang.
  const json after = status_of(daemon->port());
  expect_xruns_unless_stolen(host, after["audio"]["xruns"].get<std::uint64_t>(),
                             before["audio"]["xruns"].get<std::uint64_t>());
  EXPECT_GT(after["audio"]["blocks"].get<std::uint64_t>(), before["audio"]["blocks"].get<std::uint64_t>());
  EXPECT_GE(after["dmx"]["ticks"].get<std::uint64_t>(), before["dmx"]["ticks"].get<std::uint64_t>() + 80)
      << "four seconds of hang are 160 ticks at 40 fps";
  EXPECT_NE(daemon->log().find("refused (500)"), std::string::npos) << "the refusal is logged";

  // A file that needs no conversion is still accepted.
  const fs::path ok = work.path() / "ok.wav";
  make_media("sox -n -r 48000 -c 2 -b 16 " + ok.string() + " synth 1 sine 440");
  EXPECT_EQ(upload(daemon->port(), "ok.wav", read_all(ok)).status, 200);
}

TEST_F(UploadTest, SigtermDuringAHungConversionStopsPromptly) {
  ASSERT_TRUE(has_tool("sox"));
  const fs::path ffmpeg = fake_ffmpeg(work.path(), hanging_ffmpeg(318));
  start({}, {"--config", config_file({{"media", {{"ffmpeg", ffmpeg.string()}, {"ffmpegTimeoutSec", 600}}}}).string()});
  const fs::path wav = work.path() / "cd.wav";
  make_media("sox -n -r 44100 -c 2 -b 16 " + wav.string() + " synth 1 sine 440");
  auto reply = std::async(std::launch::async, [&] { return upload(daemon->port(), "cd.wav", read_all(wav)); });
  wait_for_conversion(ffmpeg, reply);
  ASSERT_GT(processes_mentioning(ffmpeg.string()), 0);
  EXPECT_EQ(daemon->stop(SIGTERM, 20s), 0) << daemon->log();
  EXPECT_TRUE(gone(ffmpeg.string())) << "the conversion is cancelled with the daemon";
  EXPECT_TRUE(gone(hanging_child(318)));
  reply.wait();
}

TEST_F(UploadTest, FfmpegThatCrashesIsReportedAsACrashAndNothingIsStored) {
  ASSERT_TRUE(has_tool("sox"));
  const fs::path ffmpeg = fake_ffmpeg(work.path(), "kill -SEGV $$");
  start({}, {"--config", config_file({{"media", {{"ffmpeg", ffmpeg.string()}}}}).string()});
  const fs::path wav = work.path() / "cd.wav";
  make_media("sox -n -r 44100 -c 2 -b 16 " + wav.string() + " synth 1 sine 440");
  const HttpResponse r = upload(daemon->port(), "cd.wav", read_all(wav));
  expect_refusal(r, 500, "ffmpeg_crashed", {"SIGSEGV", "media.ffmpeg"});
  EXPECT_EQ(count_files(daemon->data_dir() / "tmp"), 0U);
  EXPECT_EQ(count_files(daemon->data_dir() / "library"), 0U);
  EXPECT_TRUE(file_ids(sources(daemon->port())).empty());
  EXPECT_TRUE(daemon->running());
}

// Another program holding the registry's write lock (a backup tool, an
// operator's sqlite3 shell): writes wait out the busy timeout, then answer
// 503 and keep nothing; reads go on (WAL); once released all works again.
class RegistryLock {
 public:
  explicit RegistryLock(const fs::path& db) {
    if (sqlite3_open(db.c_str(), &db_) == SQLITE_OK) {
      locked_ = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
    }
  }
  ~RegistryLock() { release(); }
  RegistryLock(const RegistryLock&) = delete;
  RegistryLock& operator=(const RegistryLock&) = delete;
  bool locked() const { return locked_; }
  void release() {
    if (db_ != nullptr) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_close(db_);
      db_ = nullptr;
    }
  }

 private:
  sqlite3* db_ = nullptr;
  bool locked_ = false;
};

TEST_F(UploadTest, LockedRegistryAnswers503AndStoresNothingUntilReleased) {
  ASSERT_TRUE(has_tool("sox"));
  HostWatch host;
  start();
  const fs::path first = work.path() / "first.wav", second = work.path() / "second.wav";
  make_media("sox -n -r 48000 -c 2 -b 16 " + first.string() + " synth 1 sine 440");
  make_media("sox -n -r 48000 -c 2 -b 16 " + second.string() + " synth 1 sine 550");
  const HttpResponse stored = upload(daemon->port(), "first.wav", read_all(first));
  ASSERT_EQ(stored.status, 200) << stored.body;
  const std::string first_id = body_of(stored)["fileId"];

  RegistryLock lock(daemon->data_dir() / "lumina.db");
  ASSERT_TRUE(lock.locked());
  const HttpResponse refused = upload(daemon->port(), "second.wav", read_all(second));
  expect_refusal(refused, 503, "registry_busy", {"locked", "nothing was stored"});
  EXPECT_EQ(count_files(daemon->data_dir() / "library"), 1U) << "only the first upload's file";
  EXPECT_EQ(count_files(daemon->data_dir() / "tmp"), 0U);
  // Reads go on while the lock is held, and a delete is refused the same way.
  EXPECT_EQ(file_ids(sources(daemon->port())), std::vector<std::string>{first_id});
  const HttpResponse del = http_request(daemon->port(), "DELETE", "/api/sources/" + first_id, "", {}, 60s);
  expect_refusal(del, 503, "registry_busy", {"nothing was deleted"});
  EXPECT_EQ(count_files(daemon->data_dir() / "library"), 1U);

  lock.release();
  const HttpResponse retried = upload(daemon->port(), "second.wav", read_all(second));
  EXPECT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(body_of(retried)["dedup"], false);
  EXPECT_EQ(file_ids(sources(daemon->port())).size(), 2U);
  EXPECT_EQ(count_files(daemon->data_dir() / "library"), 2U);
  expect_xruns_unless_stolen(host, status_of(daemon->port())["audio"]["xruns"].get<std::uint64_t>(), 0);
}

// Sends the header and part of a body, then keeps the socket open.
int start_partial_upload(std::uint16_t port, std::uint64_t announced, const std::string& first_bytes) {
  const int fd = connect_loopback(port);
  if (fd < 0) return -1;
  const std::string head = "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=" +
                           std::string(kBoundary) + "\r\nContent-Length: " + std::to_string(announced) + "\r\n\r\n";
  const std::string data = head + first_bytes;
  if (::send(fd, data.data(), data.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(data.size())) return -1;
  return fd;
}

TEST_F(UploadTest, SigkillMidUploadLeavesNoHalfEntryAfterRestart) {
  start();
  const fs::path data_dir = daemon->data_dir();
  // Keep the data dir: a second daemon reuses it.
  const std::string part = std::string("--") + kBoundary +
                           "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"half.wav\"\r\n\r\n" +
                           std::string(2 * 1024 * 1024, 'h');
  const int fd = start_partial_upload(daemon->port(), 64ULL * 1024 * 1024, part);
  ASSERT_GE(fd, 0);
  // Wait until the upload's temporary holds data.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  std::uintmax_t seen = 0;
  while (std::chrono::steady_clock::now() < deadline && seen == 0) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(data_dir / "tmp", ec)) seen += fs::file_size(e.path(), ec);
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GT(seen, 0U) << "the upload never reached the disk";
  ::kill(daemon->pid(), SIGKILL);
  daemon->stop(0, 10s);
  ::close(fd);
  EXPECT_GT(count_files(data_dir / "tmp"), 0U) << "SIGKILL leaves the temporary behind";

  DaemonProcess second(Env{{"LUMINA_AUDIO_BACKEND", "null"}, {"LUMINA_DATA_DIR", data_dir.string()}});
  ASSERT_TRUE(second.wait_healthy()) << second.log();
  EXPECT_EQ(count_files(data_dir / "tmp"), 0U) << "start-up removes orphan temporaries";
  EXPECT_TRUE(file_ids(sources(second.port())).empty());
  EXPECT_EQ(count_files(data_dir / "library"), 0U);
  EXPECT_NE(second.log().find("unfinished upload"), std::string::npos) << second.log();
}

TEST_F(UploadTest, ExpectContinueIsAnsweredBeforeTheBody) {
  ASSERT_TRUE(has_tool("sox"));
  start();
  const fs::path wav = work.path() / "e.wav";
  make_media("sox -n -r 48000 -c 1 -b 16 " + wav.string() + " synth 0.5 sine 440");
  const std::string body = multipart("e.wav", read_all(wav));
  const int fd = connect_loopback(daemon->port());
  ASSERT_GE(fd, 0);
  const std::string head = "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Type: "
                           "multipart/form-data; boundary=" + std::string(kBoundary) +
                           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  char buf[4096];
  const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);  // SO_RCVTIMEO bounds the wait
  ASSERT_GT(n, 0) << "no interim response";
  EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)).rfind("HTTP/1.1 100 Continue", 0), 0U);
  ASSERT_EQ(::send(fd, body.data(), body.size(), MSG_NOSIGNAL), static_cast<ssize_t>(body.size()));
  std::string reply;
  ssize_t got = 0;
  while ((got = ::recv(fd, buf, sizeof(buf), 0)) > 0) reply.append(buf, static_cast<std::size_t>(got));
  ::close(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0U) << reply;
  EXPECT_NE(reply.find("\"dedup\":false"), std::string::npos) << reply;
}

bool wait_until_empty(const fs::path& dir, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (count_files(dir) == 0) return true;
    std::this_thread::sleep_for(50ms);
  }
  return count_files(dir) == 0;
}

bool wait_until_not_empty(const fs::path& dir, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (count_files(dir) > 0) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

TEST_F(UploadTest, AbandonedAndStalledUploadsLeaveNoTemporary) {
  start({}, {"--config", config_file({{"media", {{"uploadStallTimeoutSec", 1}}}}).string()});
  const std::string part = std::string("--") + kBoundary +
                           "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n" +
                           std::string(300 * 1024, 'a');
  // The client goes away in the middle.
  const int gone = start_partial_upload(daemon->port(), 8ULL * 1024 * 1024, part);
  ASSERT_GE(gone, 0);
  ASSERT_TRUE(wait_until_not_empty(daemon->data_dir() / "tmp", 20s));
  ::close(gone);
  EXPECT_TRUE(wait_until_empty(daemon->data_dir() / "tmp", 20s)) << "the temporary of a vanished client remains";
  // The client stays connected but sends nothing more: dropped after the stall timeout.
  const int stalled = start_partial_upload(daemon->port(), 8ULL * 1024 * 1024, part);
  ASSERT_GE(stalled, 0);
  ASSERT_TRUE(wait_until_not_empty(daemon->data_dir() / "tmp", 20s));
  EXPECT_TRUE(wait_until_empty(daemon->data_dir() / "tmp", 30s)) << "a stalled upload was not dropped";
  ::close(stalled);
  EXPECT_NE(daemon->log().find("stalled"), std::string::npos);
  EXPECT_TRUE(file_ids(sources(daemon->port())).empty());
}

class UploadWsTest : public UploadTest {
 protected:
  json request(WsClient& ws, const std::string& type, const json& payload = json::object()) { return ws.request(type, payload); }
};

TEST_F(UploadWsTest, SourcesArePushedAfterChangesAndAPlayingFileCannotBeDeleted) {
  ASSERT_TRUE(has_tool("sox"));
  start();
  WsClient ws(daemon->port());
  ASSERT_TRUE(ws.connected()) << ws.error();
  ASSERT_TRUE(ws.receive());  // hello_ack
  request(ws, "subscribe", {{"streams", {"audio_sources"}}});
  const fs::path wav = work.path() / "p.wav";
  make_media("sox -n -r 48000 -c 2 -b 16 " + wav.string() + " synth 30 sine 440");
  const json up = body_of(upload(daemon->port(), "p.wav", read_all(wav)));
  const std::string id = up["fileId"];
  const auto pushed = ws.receive_type("audio_sources", 10s);
  ASSERT_TRUE(pushed) << "no audio_sources push after the upload";
  const auto pushed_ids = file_ids((*pushed)["payload"]);
  EXPECT_EQ(std::count(pushed_ids.begin(), pushed_ids.end(), id), 1);
  // GET /api/sources: the same items as audio_list_sources.
  const json listed = request(ws, "audio_list_sources");
  EXPECT_EQ(sources(daemon->port())["items"], listed["payload"]["items"]);

  EXPECT_EQ(request(ws, "audio_set_source", {{"sourceId", "file:" + id}})["type"], "ack");
  request(ws, "audio_start");
  EXPECT_EQ(request(ws, "audio_file_play")["type"], "ack");
  const HttpResponse busy = http_request(daemon->port(), "DELETE", "/api/sources/" + id);
  expect_refusal(busy, 409, "in_use");
  EXPECT_EQ(file_ids(sources(daemon->port())).size(), 1U);

  request(ws, "audio_file_stop");
  const HttpResponse gone = http_request(daemon->port(), "DELETE", "/api/sources/" + id);
  EXPECT_EQ(gone.status, 200) << gone.body;
  EXPECT_EQ(body_of(gone)["ok"], true);
  const auto after = ws.receive_type("audio_sources", 10s);
  ASSERT_TRUE(after) << "no audio_sources push after the delete";
  EXPECT_TRUE(file_ids((*after)["payload"]).empty());
  EXPECT_EQ(count_files(daemon->data_dir() / "library"), 0U);
  EXPECT_EQ(http_request(daemon->port(), "DELETE", "/api/sources/" + id).status, 404);
  EXPECT_EQ(http_request(daemon->port(), "DELETE", "/api/sources/..%2F..%2Fetc").status, 404);
}

// The file pushes a request causes, seen before its reply (push, then ack: A.5).
std::vector<json> file_pushes_before_reply(WsClient& ws, const std::string& type, const json& payload) {
  std::vector<json> pushes;
  // on_other sees only what arrives before the reply.
  ws.request(type, payload, 10s, [&](const json& m) {
    if (m["type"] == "audio_file_status") pushes.push_back(m["payload"]);
  });
  return pushes;
}

TEST_F(UploadWsTest, DeletingTheSelectedStoppedFileLetsGoOfItAndTransportPushesComeBeforeReplies) {
  ASSERT_TRUE(has_tool("sox"));
  start();
  WsClient ws(daemon->port());
  ASSERT_TRUE(ws.connected()) << ws.error();
  ASSERT_TRUE(ws.receive());  // hello_ack
  request(ws, "subscribe", {{"streams", {"audio_file_status"}}});
  const fs::path wav = work.path() / "sel.wav";
  make_media("sox -n -r 48000 -c 2 -b 16 " + wav.string() + " synth 20 sine 440");
  const std::string id = body_of(upload(daemon->port(), "sel.wav", read_all(wav)))["fileId"];

  // Selecting the file, and audio_stop while it plays: each pushes the file's
  // status before its reply.
  auto pushes = file_pushes_before_reply(ws, "audio_set_source", {{"sourceId", "file:" + id}});
  ASSERT_FALSE(pushes.empty()) << "no audio_file_status before the ack of audio_set_source";
  EXPECT_EQ(pushes.back()["fileId"], id);
  request(ws, "audio_start");
  EXPECT_EQ(request(ws, "audio_file_play")["type"], "ack");
  pushes = file_pushes_before_reply(ws, "audio_stop", json::object());
  ASSERT_FALSE(pushes.empty()) << "no audio_file_status before the reply to audio_stop";
  EXPECT_EQ(pushes.back()["state"], "stopped");

  // Deleted while selected and stopped: the file is let go, not kept playable.
  const HttpResponse deleted = http_request(daemon->port(), "DELETE", "/api/sources/" + id);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  const auto released = ws.receive_type("audio_file_status", 10s);
  ASSERT_TRUE(released) << "no audio_file_status after deleting the selected file";
  EXPECT_TRUE((*released)["payload"]["fileId"].is_null()) << released->dump();
  const json play = request(ws, "audio_file_play");
  EXPECT_EQ(play["type"], "error") << play.dump();
  EXPECT_EQ(play["payload"]["code"], "FILE_PLAY_FAILED");
  const json audio = json::parse(http_request(daemon->port(), "GET", "/api/status").body)["audio"];
  EXPECT_TRUE(audio["sourceId"].is_string()) << audio.dump();
  EXPECT_NE(audio["sourceId"], "file:" + id) << audio.dump();
  // A second delete of the same id is 404, not "in use".
  expect_refusal(http_request(daemon->port(), "DELETE", "/api/sources/" + id), 404, "not_found");
}

TEST_F(UploadTest, ImportLegacyKeepsFileIds) {
  ASSERT_TRUE(has_tool("sox") && has_tool("ffmpeg"));
  const fs::path legacy = work.path() / "legacy";
  fs::create_directories(legacy);
  const fs::path song = work.path() / "song.wav", clip = work.path() / "clip.mp4", extracted = work.path() / "x.wav";
  make_media("sox -n -r 44100 -c 2 -b 16 " + song.string() + " synth 1 sine 440");
  make_media("ffmpeg -nostdin -f lavfi -i testsrc=size=160x120:rate=10:duration=1 -f lavfi -i "
             "sine=frequency=440:duration=1 -c:v mpeg4 -c:a aac -shortest " + clip.string());
  make_media("sox -n -r 44100 -c 2 -b 16 " + extracted.string() + " synth 1 sine 220");
  const std::string song_digest = sha256_hex(read_all(song)), clip_digest = sha256_hex(read_all(clip));
  fs::copy_file(song, legacy / (song_digest + "__My Song.wav"));
  fs::copy_file(clip, legacy / (clip_digest + "__clip.mp4"));
  fs::copy_file(extracted, legacy / (clip_digest + "__extracted.wav"));
  std::ofstream(legacy / "index.json") << json{{song_digest, "0123456789abcdef01234567"}, {clip_digest, clip_digest.substr(0, 24)}}.dump();

  TempDir data;
  const RunResult run = run_luminad({"import-legacy", legacy.string()}, {{"LUMINA_DATA_DIR", data.path().string()}}, 120s);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("2 imported"), std::string::npos) << run.output;
  // Idempotent: a second run finds them present.
  const RunResult rerun = run_luminad({"import-legacy", legacy.string()}, {{"LUMINA_DATA_DIR", data.path().string()}}, 120s);
  EXPECT_NE(rerun.output.find("2 already present"), std::string::npos) << rerun.output;

  start({{"LUMINA_DATA_DIR", data.path().string()}});
  // Not while a daemon holds the data dir; and DIR is required.
  const RunResult busy = run_luminad({"import-legacy", legacy.string()}, {{"LUMINA_DATA_DIR", data.path().string()}}, 60s);
  EXPECT_EQ(busy.exit_code, 1) << busy.output;
  EXPECT_NE(busy.output.find("in use"), std::string::npos) << busy.output;
  const RunResult usage = run_luminad({"import-legacy"}, {}, 30s);
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
  EXPECT_NE(usage.output.find("import-legacy needs a DIR"), std::string::npos) << usage.output;

  const json listed = sources(daemon->port());
  bool song_found = false, clip_found = false;
  for (const auto& item : listed["items"]) {
    if (item["id"] == "file:0123456789abcdef01234567") {
      song_found = true;
      EXPECT_EQ(item["name"], "My Song.wav");
      EXPECT_EQ(item["sr"], 48000);
    }
    if (item["id"] == "file:" + clip_digest.substr(0, 24)) clip_found = true;
  }
  EXPECT_TRUE(song_found) << listed.dump();
  EXPECT_TRUE(clip_found) << listed.dump();
  // The same bytes uploaded later keep the legacy id.
  const json again = body_of(upload(daemon->port(), "song.wav", read_all(song)));
  EXPECT_EQ(again["fileId"], "0123456789abcdef01234567");
  EXPECT_EQ(again["dedup"], true);
}

}  // namespace
}  // namespace lumina::testing
