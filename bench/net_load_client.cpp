// WebSocket load client for scripts/bench-load: N clients subscribe to the
// given streams and count what arrives during a measurement window; S more
// clients subscribe and then never read (a stalled browser tab). Prints one
// JSON object with per-type delivery rates, push latency (client receive time
// minus the message's `ts`) and what became of the stalled clients.
// Loopback only; every operation is bounded in time.
//
// net_load_client --port P [--clients 200] [--stalled 1] [--warmup 3] [--seconds 45]
//                 [--streams audio_meter,dsp_event,engine_status] [--token T]
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Options {
  std::uint16_t port = 0;
  int clients = 200;
  int stalled = 1;
  int warmup_seconds = 3;
  int seconds = 45;
  std::vector<std::string> streams{"audio_meter", "dsp_event", "engine_status"};
  std::string token;
};

// Push latency in 0.1 ms buckets up to 2 s; the last bucket holds the rest.
class LatencyHistogram {
 public:
  void add(double ms) {
    const auto index = static_cast<std::size_t>(std::clamp(ms * 10.0, 0.0, static_cast<double>(kBuckets - 1)));
    ++buckets_[index];
    ++count_;
  }
  double percentile(double p) const {
    if (count_ == 0) return 0.0;
    const auto target = static_cast<std::uint64_t>(p * static_cast<double>(count_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += buckets_[i];
      if (seen >= target) return static_cast<double>(i + 1) / 10.0;
    }
    return static_cast<double>(kBuckets) / 10.0;
  }
  std::uint64_t count() const { return count_; }

 private:
  static constexpr std::size_t kBuckets = 20000;
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
};

struct Shared {
  Options options;
  bool measuring = false;
  bool finished = false;
  LatencyHistogram latency;
  int connected = 0;
  int failed = 0;
  std::map<std::string, int> failures;
};

double unix_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

// {"type":"<t>",...,"ts":<float>} as the server encodes it; cheap enough that
// the client's own CPU stays small next to the daemon's.
std::string_view type_of(std::string_view text) {
  constexpr std::string_view kPrefix = R"({"type":")";
  if (text.substr(0, kPrefix.size()) != kPrefix) return {};
  const auto end = text.find('"', kPrefix.size());
  return end == std::string_view::npos ? std::string_view{} : text.substr(kPrefix.size(), end - kPrefix.size());
}

double ts_of(std::string_view text) {
  const auto at = text.rfind(R"("ts":)");
  if (at == std::string_view::npos) return 0.0;
  return std::strtod(std::string(text.substr(at + 5, 32)).c_str(), nullptr);
}

class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(asio::io_context& io, Shared& shared, bool reader) : ws_(io), shared_(shared), reader_(reader) {}

  void start() {
    auto& stream = beast::get_lowest_layer(ws_);
    if (!reader_) {
      // Small receive buffer: the server's writes to this client stall quickly.
      beast::error_code ignored;
      stream.socket().open(tcp::v4(), ignored);
      stream.socket().set_option(asio::socket_base::receive_buffer_size(4096), ignored);
    }
    stream.expires_after(std::chrono::seconds(10));
    stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), shared_.options.port),
                         beast::bind_front_handler(&Client::on_connect, shared_from_this()));
  }

  // Stalled clients: is the server still holding the connection? Drains what
  // the kernel buffered; the socket ending means the server dropped it, and
  // messages still flowing after 2 s (or a read timing out) mean it did not.
  void probe(std::function<void(std::string)> done) {
    if (probe_deadline_ == Clock::time_point{}) probe_deadline_ = Clock::now() + std::chrono::seconds(2);
    if (Clock::now() >= probe_deadline_) {
      done("still connected after " + std::to_string(probe_reads_) + " buffered messages (not dropped)");
      return;
    }
    beast::get_lowest_layer(ws_).expires_at(probe_deadline_);
    ws_.async_read(buffer_, [self = shared_from_this(), done](beast::error_code ec, std::size_t) {
      self->buffer_.consume(self->buffer_.size());
      if (!ec) {
        ++self->probe_reads_;
        self->probe(done);
        return;
      }
      if (ec == beast::error::timeout) {
        done("still connected after " + std::to_string(self->probe_reads_) + " buffered messages (not dropped)");
      } else if (ec == websocket::error::closed) {
        done("closed by server after " + std::to_string(self->probe_reads_) + " buffered messages: " +
             std::to_string(self->ws_.reason().code) + " " + std::string(self->ws_.reason().reason.c_str()));
      } else {
        done("dropped by server after " + std::to_string(self->probe_reads_) + " buffered messages (" + ec.message() +
             ")");
      }
    });
  }

  const std::map<std::string, std::uint64_t, std::less<>>& counts() const { return counts_; }
  bool reader() const { return reader_; }
  bool ok() const { return ok_; }

 private:
  void fail(const char* what, const beast::error_code& ec) {
    if (shared_.finished) return;
    ++shared_.failed;
    ++shared_.failures[std::string(what) + ": " + ec.message()];
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail("connect", ec);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    if (!shared_.options.token.empty()) {
      ws_.set_option(websocket::stream_base::decorator([token = shared_.options.token](websocket::request_type& r) {
        r.set(beast::http::field::authorization, "Bearer " + token);
      }));
    }
    ws_.async_handshake("127.0.0.1:" + std::to_string(shared_.options.port), "/ws",
                        beast::bind_front_handler(&Client::on_handshake, shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return fail("handshake", ec);
    subscribe_ =
        json{{"type", "subscribe"}, {"payload", {{"streams", shared_.options.streams}}}, {"reqId", "load"}}.dump();
    ws_.text(true);
    ws_.async_write(asio::buffer(subscribe_), beast::bind_front_handler(&Client::on_subscribed, shared_from_this()));
  }

  void on_subscribed(beast::error_code ec, std::size_t) {
    if (ec) return fail("subscribe", ec);
    ok_ = true;
    ++shared_.connected;
    if (reader_) read_next();
  }

  void read_next() { ws_.async_read(buffer_, beast::bind_front_handler(&Client::on_read, shared_from_this())); }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return fail("read", ec);
    if (shared_.measuring) {
      const auto data = buffer_.cdata();
      const std::string_view text(static_cast<const char*>(data.data()), data.size());
      const std::string_view type = type_of(text);
      auto it = counts_.find(type);
      if (it == counts_.end()) it = counts_.emplace(std::string(type), 0).first;
      ++it->second;
      if (const double ts = ts_of(text); ts > 0.0 && type != "ack" && type != "hello_ack") {
        shared_.latency.add((unix_now() - ts) * 1000.0);
      }
    }
    buffer_.consume(buffer_.size());
    read_next();
  }

  websocket::stream<beast::tcp_stream> ws_;
  Shared& shared_;
  bool reader_;
  bool ok_ = false;
  beast::flat_buffer buffer_;
  std::string subscribe_;
  std::map<std::string, std::uint64_t, std::less<>> counts_;
  int probe_reads_ = 0;
  Clock::time_point probe_deadline_{};
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--port") {
      options.port = static_cast<std::uint16_t>(std::stoi(value));
    } else if (key == "--clients") {
      options.clients = std::stoi(value);
    } else if (key == "--stalled") {
      options.stalled = std::stoi(value);
    } else if (key == "--warmup") {
      options.warmup_seconds = std::stoi(value);
    } else if (key == "--seconds") {
      options.seconds = std::stoi(value);
    } else if (key == "--token") {
      options.token = value;
    } else if (key == "--streams") {
      options.streams.clear();
      std::size_t start = 0;
      while (start <= value.size()) {
        const auto comma = value.find(',', start);
        options.streams.push_back(value.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else {
      throw std::invalid_argument("unknown option " + key);
    }
  }
  if (options.port == 0) throw std::invalid_argument("--port is required");
  return options;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  Shared shared;
  try {
    shared.options = parse(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "net_load_client: " << error.what() << "\n";
    return 2;
  }
  const Options& options = shared.options;
  asio::io_context io(1);
  std::vector<std::shared_ptr<Client>> clients;
  for (int i = 0; i < options.clients; ++i) clients.push_back(std::make_shared<Client>(io, shared, true));
  for (int i = 0; i < options.stalled; ++i) clients.push_back(std::make_shared<Client>(io, shared, false));
  for (auto& client : clients) client->start();

  double window_start_cpu = 0.0;
  Clock::time_point window_start;
  std::map<std::string, std::string> stalled_outcome;
  asio::steady_timer timer(io);
  timer.expires_after(std::chrono::seconds(options.warmup_seconds));
  timer.async_wait([&](const beast::error_code&) {
    shared.measuring = true;
    window_start = Clock::now();
    window_start_cpu = cpu_seconds();
    timer.expires_after(std::chrono::seconds(options.seconds));
    timer.async_wait([&](const beast::error_code&) {
      shared.measuring = false;
      const double window = std::chrono::duration<double>(Clock::now() - window_start).count();
      const double cpu = cpu_seconds() - window_start_cpu;

      // Per stream: messages per second per reading client.
      std::map<std::string, std::vector<double>> rates;
      int readers = 0;
      for (const auto& client : clients) {
        if (!client->reader() || !client->ok()) continue;
        ++readers;
        for (const auto& stream : options.streams) {
          const auto it = client->counts().find(stream);
          rates[stream].push_back(it == client->counts().end() ? 0.0 : static_cast<double>(it->second) / window);
        }
      }
      json streams = json::object();
      for (auto& [stream, values] : rates) {
        std::sort(values.begin(), values.end());
        double sum = 0.0;
        for (const double v : values) sum += v;
        streams[stream] = {{"minPerSec", values.empty() ? 0.0 : values.front()},
                           {"medianPerSec", values.empty() ? 0.0 : values[values.size() / 2]},
                           {"meanPerSec", values.empty() ? 0.0 : sum / static_cast<double>(values.size())}};
      }
      json report = {{"clients", options.clients},
                     {"stalledClients", options.stalled},
                     {"connected", shared.connected},
                     {"failed", shared.failed},
                     {"failures", shared.failures},
                     {"readers", readers},
                     {"windowSec", window},
                     {"streams", streams},
                     {"latencyMs",
                      {{"samples", shared.latency.count()},
                       {"p50", shared.latency.percentile(0.50)},
                       {"p99", shared.latency.percentile(0.99)},
                       {"max", shared.latency.percentile(1.0)}}},
                     {"clientCpuPercent", 100.0 * cpu / window}};

      // Then ask the stalled clients' sockets what the server did with them.
      auto pending = std::make_shared<int>(0);
      auto outcomes = std::make_shared<json>(json::array());
      auto result = std::make_shared<json>(std::move(report));
      const auto finish = [&io, &shared, result, outcomes] {
        (*result)["stalledOutcome"] = *outcomes;
        shared.finished = true;
        std::cout << result->dump(2) << std::endl;
        io.stop();
      };
      for (auto& client : clients) {
        if (client->reader() || !client->ok()) continue;
        ++*pending;
        client->probe([pending, outcomes, finish](std::string outcome) {
          outcomes->push_back(std::move(outcome));
          if (--*pending == 0) finish();
        });
      }
      if (*pending == 0) finish();
    });
  });
  io.run();
  return 0;
}
