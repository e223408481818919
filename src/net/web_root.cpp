#include "lumina/net/web_root.hpp"

#include <system_error>

namespace lumina {
namespace fs = std::filesystem;

fs::path resolve_web_root(const std::string& configured, const fs::path& executable) {
  if (!configured.empty()) return fs::path(configured);
  std::error_code ec;
  // A checkout: scripts/run starts luminad from the repository root.
  if (fs::is_regular_file(fs::path("web") / "index.html", ec)) return fs::absolute("web", ec);
  // An installation: <prefix>/bin/luminad next to <prefix>/share/luminad/web.
  if (!executable.empty()) {
    const fs::path installed = executable.parent_path().parent_path() / "share" / "luminad" / "web";
    if (fs::is_regular_file(installed / "index.html", ec)) return installed;
  }
  return {};
}

}  // namespace lumina
