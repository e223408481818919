#pragma once
// One encoded server message. Telemetry is encoded once and the same immutable
// buffer is handed to every subscribed session (no per-client copies).
#include <memory>
#include <string>

namespace lumina::net {

using SharedText = std::shared_ptr<const std::string>;

inline SharedText make_shared_text(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

}  // namespace lumina::net
