#pragma once
// Which access token the control plane enforces (protocol C.5). Called once
// at start by the daemon, before Server::start(); not RT-safe.
#include <filesystem>
#include <string>

namespace lumina {

// True for 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 and "localhost": addresses
// only this machine can reach.
bool is_loopback_listen_address(const std::string& listen);

// The token to put in ServerOptions::access_token:
//  - `configured` when not empty (server.token or LUMINA_TOKEN);
//  - "" (no authentication) when `listen` is a loopback address;
//  - otherwise the token stored in <data_dir>/access-token, or, on the first
//    start, a new random one (32 bytes from OpenSSL's RAND_bytes, 64 hex
//    characters) written there with mode 0600. A new token is logged once
//    (the only time it appears in the log); later starts log only the path.
// A stored file readable by group or others is reset to 0600 with a warning.
// Throws std::runtime_error naming the file when it cannot be read, written,
// or holds no usable token (empty, or characters outside printable ASCII).
std::string resolve_access_token(const std::string& configured, const std::string& listen,
                                 const std::filesystem::path& data_dir);

// The file resolve_access_token() uses: <data_dir>/access-token.
std::filesystem::path access_token_path(const std::filesystem::path& data_dir);

}  // namespace lumina
