#include "lumina/lighting/sacn_cid_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace lumina {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int error = 0) {
  throw std::runtime_error("sACN CID file '" + path.string() + "': " + what +
                           (error != 0 ? std::string(": ") + std::strerror(error) : std::string{}));
}

// Temporary file → fsync → rename → fsync the directory: the file appears
// complete or not at all.
void store(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  std::string temp = (dir / ".sacn-cid.XXXXXX").string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) fail(path, "cannot create a temporary file in " + dir.string(), errno);
  const auto abandon = [&](const std::string& what, int error) {
    ::close(fd);
    ::unlink(temp.c_str());
    fail(path, what, error);
  };
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) abandon("cannot write", errno);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) abandon("cannot fsync", errno);
  if (::close(fd) != 0) {
    ::unlink(temp.c_str());
    fail(path, "cannot close", errno);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    fail(path, "cannot rename the temporary file into place", error);
  }
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    static_cast<void>(::fsync(dir_fd));
    ::close(dir_fd);
  }
}

}  // namespace

std::filesystem::path sacn_cid_path(const std::filesystem::path& data_dir) { return data_dir / "sacn-cid"; }

SacnCid load_or_create_sacn_cid(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    std::ifstream in(path);
    if (!in) fail(path, "cannot open", errno);
    std::ostringstream content;
    content << in.rdbuf();
    std::string text = content.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    const auto cid = parse_sacn_cid(text);
    if (!cid) fail(path, "holds no UUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx); delete it to generate a new one");
    return *cid;
  }
  const SacnCid cid = generate_sacn_cid();
  store(path, format_sacn_cid(cid) + "\n");
  return cid;
}

}  // namespace lumina
