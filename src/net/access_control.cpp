#include "access_control.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace lumina::net {
namespace {

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> digest{};
  static_assert(SHA256_DIGEST_LENGTH == 32);
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

struct Authority {
  std::string host;  // lower case; IPv6 keeps its brackets
  std::uint32_t port = 0;
};

// "host", "host:port", "[v6]", "[v6]:port"; default_port when no port.
std::optional<Authority> parse_authority(std::string_view text, std::uint32_t default_port) {
  if (text.empty()) return std::nullopt;
  Authority result;
  std::string_view port_text;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    result.host = lowered(text.substr(0, close + 1));
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
      if (port_text.empty()) return std::nullopt;
    }
  } else {
    const auto colon = text.find(':');
    result.host = lowered(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return std::nullopt;
    }
  }
  if (result.host.empty() || result.host.find_first_of("/?#@ ") != std::string::npos) return std::nullopt;
  result.port = default_port;
  if (!port_text.empty()) {
    std::uint32_t port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return std::nullopt;
    }
    result.port = port;
  }
  return result;
}

struct ParsedOrigin {
  std::string scheme;
  Authority authority;
};

std::optional<ParsedOrigin> parse_origin(std::string_view origin) {
  const auto sep = origin.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  ParsedOrigin result;
  result.scheme = lowered(origin.substr(0, sep));
  std::string_view rest = origin.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const std::uint32_t default_port = result.scheme == "https" ? 443U : result.scheme == "http" ? 80U : 0U;
  auto authority = parse_authority(rest, default_port);
  if (!authority) return std::nullopt;
  result.authority = std::move(*authority);
  return result;
}

}  // namespace

TokenVerifier::TokenVerifier(std::string_view token) : required_(!token.empty()) {
  if (required_) digest_ = sha256(token);
}

bool TokenVerifier::verify(std::string_view presented) const {
  if (!required_) return false;
  const auto digest = sha256(presented);
  return CRYPTO_memcmp(digest.data(), digest_.data(), digest.size()) == 0;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  authorization = trim(authorization);
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() || !iequals(authorization.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  const char separator = authorization[kScheme.size()];
  if (separator != ' ' && separator != '\t') return std::nullopt;
  const std::string_view token = trim(authorization.substr(kScheme.size() + 1));
  if (token.empty()) return std::nullopt;
  return token;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const auto key = percent_decode(pair.substr(0, eq));
    if (!key || *key != name) continue;
    if (eq == std::string_view::npos) return std::string();
    return percent_decode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

std::optional<std::string> normalise_origin(std::string_view origin) {
  const auto parsed = parse_origin(origin);
  if (!parsed) return std::nullopt;
  std::string out = parsed->scheme + "://" + parsed->authority.host;
  const bool default_port = (parsed->scheme == "http" && parsed->authority.port == 80) ||
                            (parsed->scheme == "https" && parsed->authority.port == 443);
  if (!default_port && parsed->authority.port != 0) out += ":" + std::to_string(parsed->authority.port);
  return out;
}

OriginPolicy::OriginPolicy(const std::vector<std::string>& allowed, bool tls) : tls_(tls) {
  for (const auto& entry : allowed) {
    if (entry == "*") {
      any_ = true;
    } else if (auto normal = normalise_origin(entry)) {
      allowed_.push_back(std::move(*normal));
    } else {
      // Browsers send "null" for opaque origins (file://, sandboxed frames);
      // it can only be allowed literally.
      allowed_.push_back(lowered(entry));
    }
  }
}

bool OriginPolicy::allows(std::string_view origin, std::string_view host) const {
  if (origin.empty() || any_) return true;
  const auto parsed = parse_origin(origin);
  if (!parsed) return std::find(allowed_.begin(), allowed_.end(), lowered(origin)) != allowed_.end();
  const char* const own_scheme = tls_ ? "https" : "http";
  if (parsed->scheme == own_scheme) {
    if (const auto own = parse_authority(host, tls_ ? 443U : 80U);
        own && own->host == parsed->authority.host && own->port == parsed->authority.port) {
      return true;
    }
  }
  const auto normal = normalise_origin(origin);
  return normal && std::find(allowed_.begin(), allowed_.end(), *normal) != allowed_.end();
}

HttpHeaders OriginPolicy::cors_headers(std::string_view origin, std::string_view host) const {
  HttpHeaders headers;
  if (!origin.empty() && allows(origin, host)) headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  headers.emplace_back("Vary", "Origin");
  headers.emplace_back("Access-Control-Allow-Methods", "GET,POST,DELETE,OPTIONS");
  headers.emplace_back("Access-Control-Allow-Headers", "Content-Type,Authorization");
  headers.emplace_back("Access-Control-Max-Age", "86400");
  return headers;
}

}  // namespace lumina::net
