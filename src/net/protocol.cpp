#include "protocol.hpp"

#include <algorithm>
#include <cmath>  // lround

#include "lumina/core/json_integer.hpp"
#include "lumina/core/version.hpp"

namespace lumina::net {
namespace {

using nlohmann::json;

// Whether each character of JSON text lies inside a string (its quotes and
// escapes included), fed one character at a time.
struct StringState {
  bool in_string = false;
  bool escaped = false;
  bool inside(char c) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      return true;
    }
    in_string = c == '"';
    return in_string;
  }
};

// Counts bracket nesting outside strings; cheap enough to run on every message.
bool nesting_exceeds(std::string_view text, int max_depth) {
  int depth = 0;
  StringState strings;
  for (const char c : text) {
    if (strings.inside(c)) continue;
    if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

// nlohmann's what() starts with "[json.exception.parse_error.101] "; clients
// only need the human part ("parse error at line 1, column 2: ...").
// Also for out_of_range: json::parse throws that (406) for a number beyond
// double's range such as 1e400, which is just as much bad JSON to a client.
std::string parse_problem(const json::exception& error) {
  std::string_view what = error.what();
  if (const auto end = what.find("] "); !what.empty() && what.front() == '[' && end != std::string_view::npos) {
    what.remove_prefix(end + 2);
  }
  return std::string(what);
}

// Skips JSON whitespace from `i`.
std::size_t skip_space(std::string_view text, std::size_t i) {
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
  return i;
}

// The end of the JSON value starting at `i` (text already known to be valid
// JSON): past a string's closing quote, a container's closing bracket, or a
// scalar's last character.
std::size_t value_end(std::string_view text, std::size_t i) {
  int depth = 0;
  StringState strings;
  for (std::size_t k = i; k < text.size(); ++k) {
    const char c = text[k];
    if (strings.inside(c)) {
      if (!strings.in_string && depth == 0) return k + 1;  // a string value's closing quote
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return k;  // a scalar ended by its container
      if (--depth == 0) return k + 1;
    } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      return k;
    }
  }
  return text.size();
}

// The text of the last top-level member `key` of the JSON object in `text`
// (valid JSON, as parsed): what the client wrote, byte for byte.
std::optional<std::string_view> member_text(std::string_view text, std::string_view key) {
  std::size_t i = skip_space(text, text.starts_with("\xEF\xBB\xBF") ? 3 : 0);
  if (i >= text.size() || text[i] != '{') return std::nullopt;
  std::optional<std::string_view> found;
  i = skip_space(text, i + 1);
  while (i < text.size() && text[i] == '"') {
    const std::size_t key_end = value_end(text, i);
    const std::string_view raw_key = text.substr(i, key_end - i);
    // Keys with escapes are compared decoded.
    const bool match = raw_key.find('\\') == std::string_view::npos
                           ? raw_key.substr(1, raw_key.size() - 2) == key
                           : json::parse(raw_key, nullptr, false) == json(key);
    i = skip_space(text, key_end);
    if (i >= text.size() || text[i] != ':') return std::nullopt;
    const std::size_t start = skip_space(text, i + 1);
    const std::size_t end = value_end(text, start);
    if (match) found = text.substr(start, end - start);
    i = skip_space(text, end);
    if (i >= text.size() || text[i] != ',') break;
    i = skip_space(text, i + 1);
  }
  return found;
}

// The reqId of a parsed message, to be echoed verbatim (A.1). A number the
// parsed value would print differently (beyond 64 bits, 1.50, 1E2, -0) is
// kept as the client's own text, carried as a binary value with this
// subtype and written back as is by encode_message.
constexpr std::uint64_t kRawNumberSubtype = 0x4E;

json req_id_of(const json& object, std::string_view text) {
  const auto it = object.find("reqId");
  if (it == object.end()) return nullptr;
  if (it->is_number()) {
    if (const auto raw = member_text(text, "reqId"); raw && *raw != dump_json(*it)) {
      return json::binary(json::binary_t::container_type(raw->begin(), raw->end()), kRawNumberSubtype);
    }
  }
  return *it;
}

Inbound decode_legacy_array(const json& array) {
  LegacyWrites result;
  result.writes.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    const json& item = array[i];
    DmxOverride write;
    std::optional<std::string> problem;
    if (!item.is_object()) {
      problem = "must be an object with 'ch' and 'val'";
    } else {
      problem = decode_legacy_write(item, write);
    }
    if (problem) {
      // Nothing is applied when any element is bad: a half-applied look is
      // worse than none, and the client learns which element to fix.
      return ProtocolError{std::string(kErrBadPayload), "element " + std::to_string(i) + ": " + *problem,
                           nullptr};
    }
    result.writes.push_back(write);
  }
  return result;
}

std::string ts_text(double ts) { return dump_json(json(ts)); }

}  // namespace

std::optional<std::string> decode_legacy_write(const json& item, DmxOverride& out) {
  if (!item.is_object()) return "must be an object with 'ch' and 'val'";
  const auto ch_it = item.find("ch");
  const auto ch = ch_it == item.end() ? std::nullopt : json_integer(*ch_it);
  if (!ch || *ch < 1 || *ch > static_cast<std::int64_t>(kDmxChannels)) {
    return "field 'ch' must be an integer 1..512";
  }
  const auto val_it = item.find("val");
  if (val_it == item.end() || !val_it->is_number()) return "field 'val' must be a number";
  std::int64_t universe = 0;
  if (const auto u_it = item.find("u"); u_it != item.end()) {
    const auto u = json_integer(*u_it);
    if (!u || *u < 0 || *u > kMaxUniverse) return "field 'u' must be an integer 0..32767";
    universe = *u;
  }
  const double val = std::clamp(val_it->get<double>(), 0.0, 255.0);
  out.universe = static_cast<std::uint16_t>(universe);
  out.channel = static_cast<std::uint16_t>(*ch);
  out.value = static_cast<std::uint8_t>(std::lround(val));
  return std::nullopt;
}

std::optional<std::string> decode_stream_list(const json& payload, std::vector<std::string>& out) {
  const auto it = payload.find("streams");
  if (it == payload.end() || !it->is_array()) return "field 'streams' must be an array of strings";
  std::vector<std::string> names;
  names.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& name = (*it)[i];
    if (!name.is_string()) return "streams[" + std::to_string(i) + "] must be a string";
    const auto& text = name.get_ref<const std::string&>();
    if (text.size() > kMaxStreamNameLength) {
      return "streams[" + std::to_string(i) + "] is longer than " + std::to_string(kMaxStreamNameLength) +
             " characters";
    }
    names.push_back(text);
  }
  out = std::move(names);
  return std::nullopt;
}

Inbound decode_inbound(std::string_view text) {
  if (nesting_exceeds(text, kMaxJsonDepth)) {
    return ProtocolError{std::string(kErrBadJson),
                         "nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels", nullptr};
  }
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::exception& error) {  // parse_error, or out_of_range for 1e400
    return ProtocolError{std::string(kErrBadJson), parse_problem(error), nullptr};
  }

  if (doc.is_array()) return decode_legacy_array(doc);
  if (!doc.is_object()) {
    return ProtocolError{std::string(kErrBadPayload), "message must be a JSON object or an array of DMX writes",
                         nullptr};
  }

  json req_id = req_id_of(doc, text);
  // A.4: `ch`+`val` wins over `type`, as in the predecessor.
  if (doc.contains("ch") && doc.contains("val")) {
    DmxOverride write;
    if (auto problem = decode_legacy_write(doc, write)) {
      return ProtocolError{std::string(kErrBadPayload), std::move(*problem), std::move(req_id)};
    }
    return LegacyWrites{{write}};
  }

  const auto type_it = doc.find("type");
  if (type_it == doc.end() || !type_it->is_string()) {
    return ProtocolError{std::string(kErrBadPayload), "field 'type' must be a string", std::move(req_id)};
  }
  Request request;
  request.type = type_it->get<std::string>();
  if (const auto payload_it = doc.find("payload"); payload_it != doc.end()) {
    if (!payload_it->is_object()) {
      return ProtocolError{std::string(kErrBadPayload), "field 'payload' must be an object", std::move(req_id)};
    }
    request.payload = std::move(*payload_it);
  }
  request.req_id = std::move(req_id);
  return request;
}

std::string dump_json(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string encode_message(std::string_view type, const json& payload, const json& req_id, double ts) {
  // Assembled by hand so the envelope keeps the documented key order.
  std::string out;
  out.reserve(48 + type.size());
  out += R"({"type":)";
  out += dump_json(json(type));
  out += R"(,"payload":)";
  out += dump_json(payload);
  out += R"(,"reqId":)";
  if (req_id.is_binary() && req_id.get_binary().has_subtype() && req_id.get_binary().subtype() == kRawNumberSubtype) {
    const auto& raw = req_id.get_binary();
    out.append(raw.begin(), raw.end());
  } else {
    out += dump_json(req_id);
  }
  out += R"(,"ts":)";
  out += ts_text(ts);
  out += '}';
  return out;
}

std::string encode_ack(const json& req_id, double ts, const json& extra) {
  json payload = {{"ok", true}};
  if (extra.is_object()) {
    for (const auto& [key, value] : extra.items()) payload[key] = value;
  }
  return encode_message("ack", payload, req_id, ts);
}

std::string encode_error(std::string_view code, std::string_view message, const json& req_id, double ts) {
  return encode_message("error", json{{"code", code}, {"message", message}}, req_id, ts);
}

std::string encode_hello_ack(double ts, bool authenticated) {
  return encode_message("hello_ack",
                        json{{"server", kServerName}, {"version", kVersion}, {"authenticated", authenticated}},
                        nullptr, ts);
}

json peek_req_id(std::string_view text) {
  if (nesting_exceeds(text, kMaxJsonDepth)) return nullptr;
  json doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (!doc.is_object()) return nullptr;
  return req_id_of(doc, text);
}

}  // namespace lumina::net
