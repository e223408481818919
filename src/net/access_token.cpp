#include "lumina/net/access_token.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <boost/asio/ip/address.hpp>

namespace lumina {
namespace {

constexpr std::size_t kTokenBytes = 32;
// A stored token larger than this is not something we wrote.
constexpr std::size_t kMaxStoredBytes = 4096;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int error = 0) {
  throw std::runtime_error("access token file " + path.string() + ": " + what +
                           (error != 0 ? std::string(": ") + std::strerror(error) : std::string()));
}

// Closes the descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

bool usable_token(const std::string& token) {
  if (token.empty()) return false;
  for (const char c : token) {
    // Printable ASCII without spaces: it travels in headers and query strings.
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

std::string generate_token() {
  std::array<unsigned char, kTokenBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("cannot generate an access token: OpenSSL RAND_bytes failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  token.reserve(bytes.size() * 2);
  for (const unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 0x0f];
  }
  return token;
}

// nullopt-like empty string with `exists` false when there is no file.
std::string read_token_file(const std::filesystem::path& path, bool& exists) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      exists = false;
      return {};
    }
    fail(path, "cannot open", errno);
  }
  exists = true;
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) fail(path, "cannot stat", errno);
  if (!S_ISREG(info.st_mode)) fail(path, "is not a regular file");
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    spdlog::warn("access token file {} was readable by others (mode {:o}); resetting it to 0600", path.string(),
                 info.st_mode & 0777);
    if (::fchmod(fd.get(), S_IRUSR | S_IWUSR) != 0) fail(path, "cannot change its mode to 0600", errno);
  }
  std::string content;
  std::array<char, 512> buffer{};
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "cannot read", errno);
    }
    if (n == 0) break;
    content.append(buffer.data(), static_cast<std::size_t>(n));
    if (content.size() > kMaxStoredBytes) fail(path, "is larger than " + std::to_string(kMaxStoredBytes) + " bytes");
  }
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r' || content.back() == ' ')) {
    content.pop_back();
  }
  if (!usable_token(content)) {
    fail(path,
         "holds no usable token (expected one line of printable ASCII without spaces); delete it to "
         "generate a new one");
  }
  return content;
}

void write_all(int fd, const std::string& text, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "cannot write", errno);
    }
    done += static_cast<std::size_t>(n);
  }
}

// Temporary file (mkstemp creates it 0600) → fsync → rename → fsync the
// directory: the token file appears complete and private, or not at all.
void store_token(const std::filesystem::path& path, const std::string& token) {
  const std::filesystem::path dir = path.parent_path();
  std::string temp = (dir / ".access-token.XXXXXX").string();
  Fd fd(::mkstemp(temp.data()));
  if (fd.get() < 0) fail(path, "cannot create a temporary file in " + dir.string(), errno);
  try {
    if (::fchmod(fd.get(), S_IRUSR | S_IWUSR) != 0) fail(path, "cannot set mode 0600", errno);
    write_all(fd.get(), token + "\n", path);
    if (::fsync(fd.get()) != 0) fail(path, "cannot fsync", errno);
    if (::close(fd.release()) != 0) fail(path, "cannot close", errno);
    if (::rename(temp.c_str(), path.c_str()) != 0) fail(path, "cannot rename the temporary file into place", errno);
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) static_cast<void>(::fsync(dir_fd.get()));
}

}  // namespace

bool is_loopback_listen_address(const std::string& listen) {
  if (listen == "localhost") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(listen, ec);
  if (ec) return false;
  if (address.is_v4()) return address.to_v4().is_loopback();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).is_loopback();
  return v6.is_loopback();
}

std::filesystem::path access_token_path(const std::filesystem::path& data_dir) { return data_dir / "access-token"; }

std::string resolve_access_token(const std::string& configured, const std::string& listen,
                                 const std::filesystem::path& data_dir) {
  if (!configured.empty()) {
    if (!usable_token(configured)) {
      throw std::runtime_error(
          "the configured access token (server.token / LUMINA_TOKEN) must be printable ASCII "
          "without spaces");
    }
    return configured;
  }
  if (is_loopback_listen_address(listen)) return {};

  const std::filesystem::path path = access_token_path(data_dir);
  bool exists = false;
  std::string token = read_token_file(path, exists);
  if (exists) {
    spdlog::info("listening on {}: access token required; using the token stored in {}", listen, path.string());
    return token;
  }
  token = generate_token();
  store_token(path, token);
  // The one time the token is printed: the operator needs it for the UI and scripts.
  spdlog::warn("listening on {}: generated an access token (stored in {}, mode 0600): {}", listen, path.string(),
               token);
  return token;
}

}  // namespace lumina
