#pragma once
// The browser UI's files (server.webRoot), read into memory once at start()
// and registered as exact routes. A request path is only ever looked up in
// that map, never joined onto a filesystem path, so "..", percent-encoded
// escapes, NUL bytes or absolute paths cannot reach outside the web root;
// loading checks that every file (symlinks resolved) lies inside it.
// Loading runs on the thread calling Server::start(); serving on the io
// thread, from memory (no disk I/O there). Not RT-safe.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lumina::net {

struct ServerContext;

// Bounds on what is held in memory: the UI is a handful of small files.
inline constexpr std::uintmax_t kStaticFileMax = 4 * 1024 * 1024;
inline constexpr std::uintmax_t kStaticTotalMax = 32 * 1024 * 1024;
inline constexpr std::size_t kStaticFileCountMax = 1000;

struct StaticFile {
  std::string body;
  std::string content_type;
};

// Content-Type by extension (case-insensitive): html, js/mjs, css, svg, png,
// json, ico, woff2, txt, map, webmanifest; application/octet-stream otherwise.
std::string_view content_type_for(std::string_view filename);

// True for paths the site may hold: '/' followed by segments of
// [A-Za-z0-9._-] separated by single '/', none empty, none starting with
// '.' (no "..", no hidden files). Everything else (%, NUL, '\\', "//") is false.
bool is_safe_url_path(std::string_view url_path);

class StaticSite {
 public:
  // Reads every regular file under `root` (recursively). Skipped, with a
  // warning: names is_safe_url_path() refuses, files over kStaticFileMax,
  // anything beyond kStaticTotalMax or kStaticFileCountMax, symlinks that
  // resolve outside `root`, unreadable files. Throws std::runtime_error when
  // `root` is not a directory.
  static StaticSite load(const std::filesystem::path& root);

  // "/" means "/index.html". nullptr when absent or not a safe path.
  const StaticFile* find(std::string_view url_path) const;
  // Every URL path held ("/index.html", "/js/app.js", ...), sorted.
  std::vector<std::string> paths() const;

 private:
  std::map<std::string, StaticFile, std::less<>> files_;
};

// Loads context.options.web_root (nothing when empty; a warning when it
// cannot be read) and registers each file as an open GET and HEAD route, "/"
// for index.html. Paths the router already serves (the API) keep their
// handler.
void register_static_routes(ServerContext& context);

}  // namespace lumina::net
