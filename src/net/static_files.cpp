#include "static_files.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <spdlog/spdlog.h>

#include "http_router.hpp"
#include "server_context.hpp"

namespace lumina::net {
namespace fs = std::filesystem;
namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// `inner` lies inside `root` (both canonical): compares whole path elements,
// so "/srv/web-old" is not inside "/srv/web".
bool is_within(const fs::path& root, const fs::path& inner) {
  auto r = root.begin();
  auto i = inner.begin();
  for (; r != root.end(); ++r, ++i) {
    if (i == inner.end() || *r != *i) return false;
  }
  return i != inner.end();
}

bool read_whole(const fs::path& file, std::uintmax_t size, std::string& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  out.resize(static_cast<std::size_t>(size));
  in.read(out.data(), static_cast<std::streamsize>(size));
  // A file that shrank while read is served as far as it was read.
  out.resize(static_cast<std::size_t>(in.gcount()));
  return !in.bad();
}

}  // namespace

std::string_view content_type_for(std::string_view filename) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".json", "application/json"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
  }};
  const auto dot = filename.rfind('.');
  if (dot != std::string_view::npos) {
    const std::string extension = lower(filename.substr(dot));
    for (const auto& [ext, type] : kTypes) {
      if (extension == ext) return type;
    }
  }
  return "application/octet-stream";
}

bool is_safe_url_path(std::string_view url_path) {
  if (url_path.size() < 2 || url_path.front() != '/') return false;
  std::size_t start = 1;
  while (start <= url_path.size()) {
    const std::size_t slash = url_path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? url_path.size() : slash;
    const std::string_view segment = url_path.substr(start, end - start);
    if (segment.empty() || segment.front() == '.') return false;
    if (!std::all_of(segment.begin(), segment.end(), is_name_char)) return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

StaticSite StaticSite::load(const fs::path& root) {
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec || !fs::is_directory(base, ec)) {
    throw std::runtime_error("web root '" + root.string() + "' is not a readable directory" +
                             (ec ? ": " + ec.message() : std::string()));
  }
  StaticSite site;
  std::uintmax_t total = 0;
  fs::recursive_directory_iterator it(base, fs::directory_options::skip_permission_denied, ec);
  if (ec) throw std::runtime_error("cannot list web root '" + base.string() + "': " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      spdlog::warn("net: web root {}: {}", base.string(), ec.message());
      break;
    }
    const fs::path relative = it->path().lexically_relative(base);
    const std::string url = "/" + relative.generic_string();
    const std::string filename = it->path().filename().string();
    if (!filename.empty() && filename.front() == '.') {
      // Hidden files and directories (.git, editor swap files) are not part of the UI.
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;  // directories are walked, others ignored
    if (!is_safe_url_path(url)) {
      spdlog::warn("net: web root: skipping '{}': only A-Z a-z 0-9 . _ - are served", url);
      continue;
    }
    // Symlinks are followed only to files inside the root.
    const fs::path target = fs::canonical(it->path(), ec);
    if (ec || !is_within(base, target)) {
      spdlog::warn("net: web root: skipping '{}': resolves outside {}", url, base.string());
      continue;
    }
    const std::uintmax_t size = fs::file_size(target, ec);
    if (ec || size > kStaticFileMax) {
      spdlog::warn("net: web root: skipping '{}': {}", url,
                   ec ? ec.message() : "larger than " + std::to_string(kStaticFileMax) + " bytes");
      continue;
    }
    if (total + size > kStaticTotalMax || site.files_.size() >= kStaticFileCountMax) {
      spdlog::warn("net: web root: stopping at '{}': more than {} bytes or {} files", url, kStaticTotalMax,
                   kStaticFileCountMax);
      break;
    }
    StaticFile file;
    if (!read_whole(target, size, file.body)) {
      spdlog::warn("net: web root: cannot read '{}'", target.string());
      continue;
    }
    file.content_type = std::string(content_type_for(filename));
    total += file.body.size();
    site.files_.emplace(url, std::move(file));
  }
  return site;
}

const StaticFile* StaticSite::find(std::string_view url_path) const {
  if (url_path == "/") url_path = "/index.html";
  if (!is_safe_url_path(url_path)) return nullptr;
  const auto it = files_.find(url_path);
  return it == files_.end() ? nullptr : &it->second;
}

std::vector<std::string> StaticSite::paths() const {
  std::vector<std::string> out;
  out.reserve(files_.size());
  for (const auto& entry : files_) out.push_back(entry.first);
  return out;
}

void register_static_routes(ServerContext& context) {
  const std::string& root = context.options.web_root;
  if (root.empty()) return;
  StaticSite site;
  try {
    site = StaticSite::load(root);
  } catch (const std::exception& error) {
    spdlog::warn("net: browser UI not served: {}", error.what());
    return;
  }
  // Shared by the routes; owned through the router, which the context owns.
  const auto shared = std::make_shared<const StaticSite>(std::move(site));
  for (const std::string& path : shared->paths()) {
    const StaticFile* file = shared->find(path);
    std::vector<std::string> urls{path};
    if (path == "/index.html") urls.emplace_back("/");
    for (const std::string& url : urls) {
      if (context.router.route_label(url) != "unmatched") {
        spdlog::warn("net: web root file '{}' hidden by the API route of the same path", url);
        continue;
      }
      // Open: the page must load without the token so that it can ask for
      // one; every piece of data behind it stays protected.
      context.router.add(
          "GET", url,
          [shared, file](const HttpRequestInfo&) {
            HttpReply reply;
            reply.body = file->body;
            reply.content_type = file->content_type;
            // Always revalidate: an updated UI must not mix with cached modules.
            reply.headers.emplace_back("Cache-Control", "no-cache");
            reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
            return reply;
          },
          RouteAccess::kOpen);
      context.router.add(
          "HEAD", url,
          [shared, file](const HttpRequestInfo&) {
            // No body, but the type and length of what GET would send.
            HttpReply reply;
            reply.content_type.clear();
            reply.head_length = file->body.size();
            reply.headers.emplace_back("Content-Type", file->content_type);
            reply.headers.emplace_back("Cache-Control", "no-cache");
            return reply;
          },
          RouteAccess::kOpen);
    }
  }
  spdlog::info("net: browser UI: {} files from {}", shared->paths().size(), root);
}

}  // namespace lumina::net
