#pragma once
// Who may talk to the control plane (protocol C.5): the access token and the
// browser-origin allow-list. Socket-free so every rule is unit-testable.
// io thread only; not RT-safe.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http_router.hpp"

namespace lumina::net {

// Holds only the SHA-256 of the configured token. Presented tokens are hashed
// and the digests compared with CRYPTO_memcmp, so neither the token's content
// nor its length leaks through response timing.
class TokenVerifier {
 public:
  // Empty token: no authentication required.
  explicit TokenVerifier(std::string_view token);

  bool required() const noexcept { return required_; }
  // True when `presented` is the token (always false when none is required).
  bool verify(std::string_view presented) const;

 private:
  std::array<unsigned char, 32> digest_{};
  bool required_ = false;
};

// "Bearer abc" → "abc" (scheme case-insensitive, spaces around trimmed);
// nullopt for any other scheme or an empty credential.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// The value of `name` in a query string ("a=1&token=x%2By"), percent-decoded
// ('+' is a space); nullopt when absent or badly encoded.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

class OriginPolicy {
 public:
  // `allowed`: origins such as "http://10.0.0.5:5173" (compared after
  // normalising case, default ports and a trailing '/'); "*" allows any.
  // `tls`: the listener's scheme (https/wss), for the same-origin check.
  OriginPolicy(const std::vector<std::string>& allowed, bool tls);

  // No Origin (non-browser client) → allowed; Origin equal to the scheme and
  // Host of this request (same origin) → allowed; listed, or "*" → allowed.
  bool allows(std::string_view origin, std::string_view host) const;

  // CORS headers for every HTTP response. Access-Control-Allow-Origin echoes
  // the request's Origin when it is allowed and is left out otherwise (the
  // browser then refuses the cross-origin read); Vary: Origin tells caches
  // the answer depends on it.
  HttpHeaders cors_headers(std::string_view origin, std::string_view host) const;

 private:
  std::vector<std::string> allowed_;  // normalised
  bool any_ = false;
  bool tls_ = false;
};

// "HTTP://Example.COM:80/" → "http://example.com"; nullopt when `origin` is
// not scheme://host[:port]. Exposed for tests.
std::optional<std::string> normalise_origin(std::string_view origin);

}  // namespace lumina::net
