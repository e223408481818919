#pragma once
// The WebSocket wire codec (spec/protocol.md, Part A): decodes one inbound
// TEXT message into a request envelope or legacy DMX writes, and encodes
// server messages. No sockets and no server state here, so every rule of the
// contract is unit-testable. Not RT-safe (JSON allocates); io thread only.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "lumina/lighting/dmx_types.hpp"

namespace lumina::net {

// `error` payload codes.
inline constexpr std::string_view kErrBadJson = "BAD_JSON";
inline constexpr std::string_view kErrBadPayload = "BAD_PAYLOAD";
inline constexpr std::string_view kErrUnknownMsg = "UNKNOWN_MSG";
inline constexpr std::string_view kErrInternal = "INTERNAL_ERROR";
inline constexpr std::string_view kErrUnauthorized = "UNAUTHORIZED";
inline constexpr std::string_view kErrRateLimited = "RATE_LIMITED";

// Deeper documents are refused before parsing: copying or dumping a JSON value
// recurses, so an echoed 100k-deep `reqId` would overflow the io thread's stack.
inline constexpr int kMaxJsonDepth = 64;
inline constexpr std::int64_t kMaxUniverse = 32767;  // 15-bit Art-Net port-address
inline constexpr std::size_t kMaxStreamNameLength = 64;

// {"type", "payload", "reqId"} of a client request.
struct Request {
  std::string type;
  nlohmann::json payload = nlohmann::json::object();  // always an object ({} when absent)
  nlohmann::json req_id;                              // echoed verbatim; null when absent
};

// Legacy {ch,val[,u]} writes (A.4), already validated, clamped and in order.
struct LegacyWrites {
  std::vector<DmxOverride> writes;
};

// A message that cannot be handled; the session answers with `error`.
struct ProtocolError {
  std::string code;
  std::string message;
  nlohmann::json req_id;  // the request's reqId when it could be read, else null
};

using Inbound = std::variant<Request, LegacyWrites, ProtocolError>;

// Decodes one TEXT message. Order of checks (A.4): JSON array → legacy writes
// (all valid or none applied); object with both `ch` and `val` → one legacy
// write; otherwise an envelope with a string `type` and an object `payload`.
Inbound decode_inbound(std::string_view text);

// Validates one legacy write object: integer `ch` 1..512, number `val`
// (clamped to 0..255 and rounded), optional integer `u` 0..32767 (default 0).
// Integral floats such as 5.0 count as integers. Returns the problem, or
// nullopt with `out` filled.
std::optional<std::string> decode_legacy_write(const nlohmann::json& item, DmxOverride& out);

// `payload.streams` of subscribe/unsubscribe: an array of strings, each at
// most kMaxStreamNameLength long. Returns the problem, or nullopt with `out` filled.
std::optional<std::string> decode_stream_list(const nlohmann::json& payload,
                                              std::vector<std::string>& out);

// Serialises without throwing: invalid UTF-8 is replaced (U+FFFD), never fatal.
std::string dump_json(const nlohmann::json& value);

// {"type":..,"payload":..,"reqId":..,"ts":..}; `ts` is float Unix seconds.
std::string encode_message(std::string_view type, const nlohmann::json& payload,
                           const nlohmann::json& req_id, double ts);
// ack with payload {"ok":true} plus the fields of `extra` (an object).
std::string encode_ack(const nlohmann::json& req_id, double ts,
                       const nlohmann::json& extra = nlohmann::json::object());
// error with payload {"code","message"}.
std::string encode_error(std::string_view code, std::string_view message,
                         const nlohmann::json& req_id, double ts);
// hello_ack {"server":"lumina-v3","version":kVersion,"authenticated":..},
// reqId null. `authenticated` false: the client must send `auth` first.
std::string encode_hello_ack(double ts, bool authenticated = true);

// The `reqId` of a message, when it is a JSON object that has one; null
// otherwise (bad JSON, too deep, an array). For replies to messages that are
// not otherwise decoded (rate-limited ones).
nlohmann::json peek_req_id(std::string_view text);

}  // namespace lumina::net
