#pragma once
// The sACN CID luminad keeps across restarts. E1.31 receivers track sources
// by CID, so a daemon that changed it on every start would appear as a new
// source (and hold the old one's universes until its timeout).
#include <filesystem>

#include "lumina/lighting/sacn.hpp"

namespace lumina {

// <data_dir>/sacn-cid: one line of UUID text.
[[nodiscard]] std::filesystem::path sacn_cid_path(const std::filesystem::path& data_dir);

// Not RT-safe. Returns the CID stored at `path`; when the file does not
// exist, generates a random v4 CID and stores it atomically (temporary file,
// fsync, rename). Throws std::runtime_error naming the file when it exists
// but holds no UUID (delete it to generate a new one) or cannot be written.
[[nodiscard]] SacnCid load_or_create_sacn_cid(const std::filesystem::path& path);

}  // namespace lumina
