#pragma once
// Where the browser UI's files are (server.webRoot). Not RT-safe.
#include <filesystem>
#include <string>

namespace lumina {

// `configured` non-empty: that path (relative to the working directory).
// Empty: "web" in the working directory when it holds index.html (running
// from a checkout, scripts/run), else <executable dir>/../share/luminad/web
// (cmake --install, the systemd unit). Returns an empty path when neither
// exists; the daemon then runs without the UI.
std::filesystem::path resolve_web_root(const std::string& configured, const std::filesystem::path& executable);

}  // namespace lumina
