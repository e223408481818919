#include "protocol.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "lumina/core/version.hpp"

namespace lumina::net {
namespace {

using nlohmann::json;

// Counts bracket nesting outside strings; cheap enough to run on every message.
bool nesting_exceeds(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
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

// JSON numbers that denote an integer (5 and 5.0 alike).
std::optional<std::int64_t> as_integer(const json& value) {
  if (value.is_number_integer() && !value.is_number_unsigned()) return value.get<std::int64_t>();
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    // 2^53: beyond it every double is integral but no longer exact.
    if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) > 9007199254740992.0) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

json req_id_of(const json& object) {
  const auto it = object.find("reqId");
  return it == object.end() ? json(nullptr) : *it;
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
  const auto ch = ch_it == item.end() ? std::nullopt : as_integer(*ch_it);
  if (!ch || *ch < 1 || *ch > static_cast<std::int64_t>(kDmxChannels)) {
    return "field 'ch' must be an integer 1..512";
  }
  const auto val_it = item.find("val");
  if (val_it == item.end() || !val_it->is_number()) return "field 'val' must be a number";
  std::int64_t universe = 0;
  if (const auto u_it = item.find("u"); u_it != item.end()) {
    const auto u = as_integer(*u_it);
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

  json req_id = req_id_of(doc);
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
  out += dump_json(req_id);
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
  return req_id_of(doc);
}

}  // namespace lumina::net
