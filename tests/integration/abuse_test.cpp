// WebSocket abuse against the real luminad (issue 10, fault injection):
// fragmented frames, invalid UTF-8, a message over 1 MiB, a ping flood,
// 1000 connect/disconnect cycles and half-open connections. After each, the
// daemon must still answer, serve new clients and keep ticking DMX.
//
// These need byte-level control of frames, so they use a raw client over a
// plain TCP socket instead of the Beast-based WsClient.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon_process.hpp"
#include "loopback.hpp"
#include "ws_client.hpp"

namespace lumina::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::uint8_t kText = 0x1;
constexpr std::uint8_t kContinuation = 0x0;
constexpr std::uint8_t kClose = 0x8;
constexpr std::uint8_t kPing = 0x9;
constexpr std::uint8_t kPong = 0xA;

struct Frame {
  std::uint8_t opcode = 0;
  bool fin = true;
  std::string payload;
};

// A WebSocket client speaking raw frames (RFC 6455) over a blocking socket
// with poll() deadlines, so a test can send what a browser never would.
class RawWs {
 public:
  RawWs(std::uint16_t port, bool handshake = true) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return;
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    tcp_connected_ = true;
    if (handshake) upgraded_ = do_handshake(port);
  }
  ~RawWs() { close_socket(); }
  RawWs(const RawWs&) = delete;
  RawWs& operator=(const RawWs&) = delete;

  bool tcp_connected() const { return tcp_connected_; }
  bool upgraded() const { return upgraded_; }

  // Sends raw bytes; false once the peer has gone.
  bool send_raw(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, 5000) != 1) return false;
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  // A masked client frame; `declared` overrides the payload length in the header.
  static std::string frame(std::uint8_t opcode, const std::string& payload, bool fin = true,
                           std::optional<std::uint64_t> declared = std::nullopt) {
    std::string out;
    out.push_back(static_cast<char>((fin ? 0x80 : 0x00) | opcode));
    const std::uint64_t length = declared.value_or(payload.size());
    if (length < 126) {
      out.push_back(static_cast<char>(0x80 | length));
    } else if (length < 65536) {
      out.push_back(static_cast<char>(0x80 | 126));
      for (int shift = 8; shift >= 0; shift -= 8) out.push_back(static_cast<char>((length >> shift) & 0xFF));
    } else {
      out.push_back(static_cast<char>(0x80 | 127));
      for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((length >> shift) & 0xFF));
    }
    const std::array<char, 4> mask{'\x12', '\x34', '\x56', '\x78'};
    out.append(mask.data(), mask.size());
    for (std::size_t i = 0; i < payload.size(); ++i) out.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    return out;
  }

  bool send_frame(std::uint8_t opcode, const std::string& payload, bool fin = true) {
    return send_raw(frame(opcode, payload, fin));
  }

  // The next frame from the server, or nullopt on timeout/close/error.
  std::optional<Frame> read_frame(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string header;
    if (!read_exact(2, header, deadline)) return std::nullopt;
    Frame f;
    f.fin = (static_cast<std::uint8_t>(header[0]) & 0x80) != 0;
    f.opcode = static_cast<std::uint8_t>(header[0]) & 0x0F;
    std::uint64_t length = static_cast<std::uint8_t>(header[1]) & 0x7F;
    std::string ext;
    if (length == 126 || length == 127) {
      const std::size_t n = length == 126 ? 2 : 8;
      if (!read_exact(n, ext, deadline)) return std::nullopt;
      length = 0;
      for (char c : ext) length = (length << 8) | static_cast<std::uint8_t>(c);
    }
    if (!read_exact(static_cast<std::size_t>(length), f.payload, deadline)) return std::nullopt;
    return f;
  }

  // Reads until a TEXT message whose reqId is `req_id` (pongs and pushes skipped).
  std::optional<json> read_reply(const std::string& req_id, std::chrono::milliseconds timeout = 10s,
                                 int* pongs = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto f = read_frame(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
      if (!f) return std::nullopt;
      if (f->opcode == kPong && pongs) ++*pongs;
      if (f->opcode == kClose) return std::nullopt;
      if (f->opcode != kText) continue;
      const json message = json::parse(f->payload, nullptr, false);
      if (message.is_object() && message.value("reqId", json()) == req_id) return message;
    }
    return std::nullopt;
  }

  // The close code of the server's close frame (frames before it skipped); 0 if none arrived.
  int read_close_code(std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto f = read_frame(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
      if (!f) return 0;
      if (f->opcode == kClose) {
        if (f->payload.size() < 2) return 1005;
        return (static_cast<std::uint8_t>(f->payload[0]) << 8) | static_cast<std::uint8_t>(f->payload[1]);
      }
    }
    return 0;
  }

  void close_socket() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  bool do_handshake(std::uint16_t port) {
    const std::string request = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                                "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    if (!send_raw(request)) return false;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    std::string head;
    while (head.find("\r\n\r\n") == std::string::npos) {
      std::string byte;
      if (!read_exact(1, byte, deadline)) return false;
      head += byte;
    }
    return head.rfind("HTTP/1.1 101", 0) == 0;
  }

  bool read_exact(std::size_t n, std::string& out, std::chrono::steady_clock::time_point deadline) {
    out.clear();
    while (out.size() < n) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) != 1) return false;
      std::array<char, 65536> buf{};
      const std::size_t want = std::min(buf.size(), n - out.size());
      const ssize_t got = ::recv(fd_, buf.data(), want, 0);
      if (got <= 0) return false;
      out.append(buf.data(), static_cast<std::size_t>(got));
    }
    return true;
  }

  int fd_ = -1;
  bool tcp_connected_ = false;
  bool upgraded_ = false;
};

json api_status(std::uint16_t port) {
  const HttpResponse r = http_request(port, "GET", "/api/status");
  if (r.status != 200) return json();
  return json::parse(r.body, nullptr, false);
}

std::size_t open_fds(pid_t pid) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

class WsAbuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon = std::make_unique<DaemonProcess>(Env{{"LUMINA_AUDIO_BACKEND", "null"}, {"LUMINA_AUDIO_SOURCE", "synth:demo"}});
    ASSERT_TRUE(daemon->wait_healthy()) << daemon->log();
  }
  void TearDown() override {
    // A clean stop after the abuse: exit 0 (under ASan that also means no leak report).
    if (daemon && daemon->running()) {
      EXPECT_EQ(daemon->stop(SIGTERM, std::chrono::seconds(20)), 0);
    }
    if (HasFailure() && daemon) std::cerr << "---- luminad log ----\n" << daemon->log() << "\n";
  }

  // The daemon still answers, serves a new client a reply, and DMX keeps
  // ticking (at least 40 more ticks, 1 s at the default 40 fps; generous wait).
  void expect_healthy_and_ticking() {
    ASSERT_TRUE(daemon->running()) << "luminad exited";
    const json before = api_status(daemon->port());
    ASSERT_TRUE(before.is_object());
    const auto ticks0 = before["dmx"]["ticks"].get<std::uint64_t>();
    WsClient fresh(daemon->port());
    ASSERT_TRUE(fresh.connected()) << fresh.error();
    ASSERT_TRUE(fresh.receive_type("hello_ack"));
    ASSERT_TRUE(fresh.send_json({{"type", "subscribe"}, {"payload", {{"streams", json::array()}}}, {"reqId", "after"}}));
    const auto ack = fresh.receive_type("ack", 10s);
    ASSERT_TRUE(ack) << "a new client got no ack";
    EXPECT_EQ((*ack)["reqId"], "after");
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    std::uint64_t ticks = ticks0;
    while (std::chrono::steady_clock::now() < deadline && ticks < ticks0 + 40) {
      std::this_thread::sleep_for(100ms);
      const json now = api_status(daemon->port());
      if (now.is_object()) ticks = now["dmx"]["ticks"].get<std::uint64_t>();
    }
    EXPECT_GE(ticks, ticks0 + 40) << "DMX stopped ticking";
  }

  std::unique_ptr<DaemonProcess> daemon;
};

TEST_F(WsAbuseTest, FragmentedRequestIsReassembledAndAnswered) {
  RawWs ws(daemon->port());
  ASSERT_TRUE(ws.upgraded());
  const std::string text = R"({"type":"subscribe","payload":{"streams":["engine_status"]},"reqId":"frag"})";
  // Three frames, with a ping between the fragments (control frames may interleave).
  ASSERT_TRUE(ws.send_frame(kText, text.substr(0, 10), false));
  ASSERT_TRUE(ws.send_frame(kPing, "mid"));
  ASSERT_TRUE(ws.send_frame(kContinuation, text.substr(10, 20), false));
  ASSERT_TRUE(ws.send_frame(kContinuation, text.substr(30), true));
  const auto reply = ws.read_reply("frag");
  ASSERT_TRUE(reply) << "no reply to a fragmented request";
  EXPECT_EQ((*reply)["type"], "ack");
  expect_healthy_and_ticking();
}

TEST_F(WsAbuseTest, NumberBeyondDoubleRangeIsAnsweredAsBadJson) {
  // json::parse throws out_of_range (not parse_error) for 1e400; it used to
  // escape the decoder, so the client got no reply (found by fuzz_ws_message).
  RawWs ws(daemon->port());
  ASSERT_TRUE(ws.upgraded());
  ASSERT_TRUE(ws.send_frame(kText, R"({"type":"subscribe","payload":{"streams":[],"x":1e400},"reqId":"big"})"));
  ASSERT_TRUE(ws.send_frame(kText, R"({"type":"subscribe","payload":{"streams":[]},"reqId":"next"})"));
  // A reply to an undecodable message cannot echo its reqId (null), so look for the error by type.
  bool bad_json = false;
  bool next_acked = false;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!next_acked && std::chrono::steady_clock::now() < deadline) {
    const auto f = ws.read_frame(2s);
    if (!f) break;
    if (f->opcode != kText) continue;
    const json m = json::parse(f->payload, nullptr, false);
    if (m.value("type", "") == "error" && m["payload"].value("code", "") == "BAD_JSON") bad_json = true;
    if (m.value("type", "") == "ack" && m.value("reqId", json()) == "next") next_acked = true;
  }
  EXPECT_TRUE(bad_json) << "no BAD_JSON error for 1e400";
  EXPECT_TRUE(next_acked) << "the connection did not carry on";
  expect_healthy_and_ticking();
}

TEST_F(WsAbuseTest, InvalidUtf8ClosesTheConnectionOnly) {
  RawWs ws(daemon->port());
  ASSERT_TRUE(ws.upgraded());
  // "\xC3\x28" is an invalid two-byte sequence; RFC 6455 8.1 requires failing the connection (1007).
  ASSERT_TRUE(ws.send_frame(kText, std::string(R"({"type":"subscribe","reqId":")") + "\xC3\x28" + "\"}"));
  EXPECT_EQ(ws.read_close_code(), 1007);
  expect_healthy_and_ticking();
}

TEST_F(WsAbuseTest, MessageOfOneMiBPlusOneClosesWith1009) {
  RawWs ws(daemon->port());
  ASSERT_TRUE(ws.upgraded());
  // The header announces 1 MiB + 1 bytes; the server may refuse from the header alone,
  // so only the first 64 KiB are sent (a send error after that is expected).
  const std::size_t size = (1U << 20) + 1;
  const std::string first(65536, 'a');
  std::string bytes = RawWs::frame(kText, first, true, size);
  ws.send_raw(bytes);
  EXPECT_EQ(ws.read_close_code(), 1009);
  expect_healthy_and_ticking();
}

TEST_F(WsAbuseTest, FragmentsAddingUpToOverOneMiBCloseWith1009) {
  RawWs ws(daemon->port());
  ASSERT_TRUE(ws.upgraded());
  const std::string half(1U << 19, 'b');  // 512 KiB
  ws.send_frame(kText, half, false);
  ws.send_frame(kContinuation, half, false);
  ws.send_frame(kContinuation, "c", true);  // 1 MiB + 1
  EXPECT_EQ(ws.read_close_code(), 1009);
  expect_healthy_and_ticking();
}

TEST_F(WsAbuseTest, PingFloodIsSurvivedAndRequestsStillAnswered) {
  RawWs ws(daemon->port());
  ASSERT_TRUE(ws.upgraded());
  std::string flood;
  for (int i = 0; i < 5000; ++i) flood += RawWs::frame(kPing, "p" + std::to_string(i));
  ASSERT_TRUE(ws.send_raw(flood));
  ASSERT_TRUE(ws.send_frame(kText, R"({"type":"subscribe","payload":{"streams":[]},"reqId":"after-flood"})"));
  int pongs = 0;
  const auto reply = ws.read_reply("after-flood", 30s, &pongs);
  // Rate limiting may answer the request with an error instead of an ack; either way it is answered.
  ASSERT_TRUE(reply) << "no reply after a ping flood (" << pongs << " pongs seen)";
  EXPECT_GT(pongs, 0);
  expect_healthy_and_ticking();
}

TEST_F(WsAbuseTest, ThousandConnectDisconnectCyclesLeakNoSessionsOrSockets) {
  // Warm up once so lazily opened descriptors (logs, the registry) are counted in the baseline.
  {
    RawWs warm(daemon->port());
    ASSERT_TRUE(warm.upgraded());
  }
  std::this_thread::sleep_for(200ms);
  const std::size_t fds_before = open_fds(daemon->pid());
  int upgraded = 0;
  for (int i = 0; i < 1000; ++i) {
    RawWs ws(daemon->port());
    if (!ws.upgraded()) continue;
    ++upgraded;
    switch (i % 3) {
      case 0: ws.send_frame(kClose, std::string("\x03\xE8", 2)); break;  // polite close 1000
      case 1: ws.read_frame(1s); break;                                   // read hello_ack, then vanish
      default: break;                                                     // vanish at once
    }
  }
  EXPECT_EQ(upgraded, 1000);
  // Every session must be gone again: wsClients back to 0 and no descriptors left behind.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  std::int64_t clients = -1;
  std::size_t fds = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const json s = api_status(daemon->port());
    if (s.is_object() && s.contains("net")) clients = s["net"].value("wsClients", std::int64_t{-1});
    fds = open_fds(daemon->pid());
    if (clients == 0 && fds <= fds_before + 2) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(clients, 0) << "sessions left after 1000 cycles";
  EXPECT_LE(fds, fds_before + 2) << "descriptors before " << fds_before << ", after " << fds;
  expect_healthy_and_ticking();
}

TEST_F(WsAbuseTest, HalfOpenConnectionsDoNotBlockOthers) {
  // 40 sockets that never finish the HTTP request, and 40 upgraded sessions
  // that never read or write: none may hold up a new client or the DMX tick.
  std::vector<std::unique_ptr<RawWs>> silent;
  for (int i = 0; i < 40; ++i) {
    auto half = std::make_unique<RawWs>(daemon->port(), false);
    ASSERT_TRUE(half->tcp_connected());
    half->send_raw("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n");  // no blank line: the request never ends
    silent.push_back(std::move(half));
    auto idle = std::make_unique<RawWs>(daemon->port());
    ASSERT_TRUE(idle->upgraded());
    silent.push_back(std::move(idle));
  }
  expect_healthy_and_ticking();
  EXPECT_EQ(http_request(daemon->port(), "GET", "/health").status, 200);
}

}  // namespace
}  // namespace lumina::testing
