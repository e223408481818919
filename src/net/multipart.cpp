#include "multipart.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace lumina::net {
namespace {

constexpr std::size_t kMaxPartHeaderBytes = 16 * 1024;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits `a=1; b="x;y"` at semicolons outside quotes; calls fn(key, value).
template <typename Fn>
void for_each_param(std::string_view text, Fn fn) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t eq = text.find_first_of("=;", i);
    if (eq == std::string_view::npos || text[eq] == ';') {
      fn(lower(trim(text.substr(i, eq == std::string_view::npos ? std::string_view::npos : eq - i))), std::string());
      if (eq == std::string_view::npos) return;
      i = eq + 1;
      continue;
    }
    const std::string key = lower(trim(text.substr(i, eq - i)));
    std::size_t j = eq + 1;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    std::string value;
    if (j < text.size() && text[j] == '"') {
      ++j;
      while (j < text.size() && text[j] != '"') {
        if (text[j] == '\\' && j + 1 < text.size()) ++j;
        value += text[j++];
      }
      j = text.find(';', j);
    } else {
      const std::size_t end = text.find(';', j);
      value = std::string(trim(text.substr(j, end == std::string_view::npos ? std::string_view::npos : end - j)));
      j = end;
    }
    fn(key, std::move(value));
    if (j == std::string_view::npos) return;
    i = j + 1;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 5987 ext-value: charset'lang'percent-encoded.
std::optional<std::string> decode_ext_value(const std::string& v) {
  const auto q1 = v.find('\'');
  const auto q2 = q1 == std::string::npos ? q1 : v.find('\'', q1 + 1);
  if (q2 == std::string::npos) return std::nullopt;
  std::string out;
  for (std::size_t i = q2 + 1; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size() && hex_value(v[i + 1]) >= 0 && hex_value(v[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(v[i + 1]) * 16 + hex_value(v[i + 2]));
      i += 2;
    } else {
      out += v[i];
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  const auto semi = content_type.find(';');
  if (lower(trim(content_type.substr(0, semi))) != "multipart/form-data" || semi == std::string_view::npos) return std::nullopt;
  std::optional<std::string> boundary;
  for_each_param(content_type.substr(semi + 1), [&](const std::string& key, std::string value) {
    if (key == "boundary") boundary = std::move(value);
  });
  if (!boundary || boundary->empty() || boundary->size() > 70) return std::nullopt;
  return boundary;
}

MultipartPart parse_content_disposition(std::string_view value) {
  MultipartPart part;
  const auto semi = value.find(';');
  if (semi == std::string_view::npos) return part;
  std::optional<std::string> ext_filename;
  for_each_param(value.substr(semi + 1), [&](const std::string& key, std::string v) {
    if (key == "name") part.name = std::move(v);
    else if (key == "filename") part.filename = std::move(v);
    else if (key == "filename*") ext_filename = decode_ext_value(v);
  });
  if (ext_filename) part.filename = std::move(ext_filename);
  return part;
}

MultipartParser::MultipartParser(std::string boundary, MultipartHandler& handler)
    : delimiter_("\r\n--" + boundary), handler_(handler) {
  // The first delimiter may open the body without a CRLF before it: pretend
  // the preamble ended with one.
  held_ = "\r\n";
}

void MultipartParser::emit(const char* data, std::size_t size) {
  if (state_ == State::kBody && size > 0) handler_.part_data(data, size);
}

void MultipartParser::delimiter_found() {
  if (state_ == State::kBody) handler_.part_end();
  state_ = State::kAfterDelimiter;
  line_.clear();
}

std::size_t MultipartParser::scan_body(const char* data, std::size_t size) {
  const std::size_t d = delimiter_.size();
  if (!held_.empty() && size < d) {
    // A short chunk: advance one byte at a time, keeping held_ the longest
    // tail that can still grow into a delimiter.
    std::string joined = held_ + data[0];
    if (joined == delimiter_) {
      held_.clear();
      delimiter_found();
      return 1;
    }
    std::size_t keep = std::min(joined.size(), d - 1);
    while (keep > 0 && joined.compare(joined.size() - keep, keep, delimiter_, 0, keep) != 0) --keep;
    emit(joined.data(), joined.size() - keep);
    held_ = joined.substr(joined.size() - keep);
    return 1;
  }
  if (!held_.empty()) {
    // Does the held tail plus the new bytes complete a delimiter? (Every
    // delimiter starting inside held_ fits in `joined`.)
    std::string joined = held_;
    joined.append(data, d);
    const auto pos = joined.find(delimiter_);
    if (pos != std::string::npos && pos < held_.size()) {
      emit(held_.data(), pos);
      const std::size_t used = pos + d - held_.size();
      held_.clear();
      delimiter_found();
      return used;
    }
    emit(held_.data(), held_.size());
    held_.clear();
  }
  const char* end = data + size;
  const char* hit = std::search(data, end, std::boyer_moore_horspool_searcher(delimiter_.begin(), delimiter_.end()));
  if (hit != end) {
    emit(data, static_cast<std::size_t>(hit - data));
    delimiter_found();
    return static_cast<std::size_t>(hit - data) + d;
  }
  // Keep the longest tail that could be the start of a delimiter.
  std::size_t keep = std::min(size, d - 1);
  while (keep > 0 && std::memcmp(end - keep, delimiter_.data(), keep) != 0) --keep;
  emit(data, size - keep);
  held_.assign(end - keep, keep);
  return size;
}

void MultipartParser::parse_headers() {
  part_ = MultipartPart{};
  bool disposition = false;
  std::size_t start = 0;
  while (start < headers_.size()) {
    std::size_t eol = headers_.find("\r\n", start);
    if (eol == std::string::npos) eol = headers_.size();
    const std::string_view line(headers_.data() + start, eol - start);
    start = eol + 2;
    if (line.empty()) continue;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) throw MultipartError("malformed part header line (expected 'Name: value')");
    const std::string name = lower(trim(line.substr(0, colon)));
    const std::string_view value = trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      const MultipartPart parsed = parse_content_disposition(value);
      part_.name = parsed.name;
      part_.filename = parsed.filename;
      disposition = true;
    } else if (name == "content-type") {
      part_.content_type = std::string(value);
    }
  }
  if (!disposition) throw MultipartError("a multipart part has no Content-Disposition header");
}

void MultipartParser::feed(const char* data, std::size_t size) {
  while (size > 0 && state_ != State::kDone) {
    std::size_t used = 0;
    switch (state_) {
      case State::kPreamble:
      case State::kBody:
        used = scan_body(data, size);
        break;
      case State::kAfterDelimiter: {
        // "--" closes the body; otherwise optional padding then CRLF.
        line_ += data[0];
        used = 1;
        if (line_ == "--") {
          state_ = State::kDone;
        } else if (line_.size() >= 2 && line_.compare(line_.size() - 2, 2, "\r\n") == 0) {
          state_ = State::kHeaders;
          headers_.clear();
        } else if (line_.size() > 2 && line_.find_first_not_of(" \t\r") != std::string::npos) {
          throw MultipartError("malformed multipart delimiter line (expected CRLF or '--' after the boundary)");
        } else if (line_.size() > 256) {
          throw MultipartError("multipart delimiter line too long");
        }
        break;
      }
      case State::kHeaders: {
        // Headers are small: copied until the blank line.
        const std::size_t before = headers_.size();
        headers_.append(data, std::min(size, kMaxPartHeaderBytes + 4 - std::min(before, kMaxPartHeaderBytes + 4)));
        const auto end = headers_.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
        if (end != std::string::npos) {
          used = end + 4 - before;
          headers_.resize(end);
          parse_headers();
          state_ = State::kBody;
          handler_.part_begin(part_);
        } else {
          if (headers_.size() > kMaxPartHeaderBytes)
            throw MultipartError("multipart part headers exceed " + std::to_string(kMaxPartHeaderBytes) + " bytes");
          used = headers_.size() - before;
        }
        break;
      }
      case State::kDone:
        break;
    }
    data += used;
    size -= used;
  }
}

}  // namespace lumina::net
