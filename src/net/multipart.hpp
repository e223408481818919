#pragma once
// An incremental multipart/form-data parser (RFC 7578 / RFC 2046): bytes are
// fed in chunks of any size, part bodies come out as spans of the input (no
// copy, nothing buffered but a delimiter's length), so a body of any size
// parses in constant memory. Not RT-safe; single-threaded.
#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lumina::net {

class MultipartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MultipartPart {
  std::string name;                     // Content-Disposition name=
  std::optional<std::string> filename;  // filename= (or filename*=UTF-8''...), raw
  std::string content_type;
};

// What the parser reports, in order: begin, data..., end for every part.
class MultipartHandler {
 public:
  virtual ~MultipartHandler() = default;
  virtual void part_begin(const MultipartPart& part) = 0;
  virtual void part_data(const char* data, std::size_t size) = 0;
  virtual void part_end() = 0;
};

// The boundary of a "multipart/form-data; boundary=..." Content-Type, nullopt
// when the type is different or the boundary missing/invalid (1..70 chars).
std::optional<std::string> multipart_boundary(std::string_view content_type);

// `form-data; name="file"; filename="a.wav"` → name and filename.
MultipartPart parse_content_disposition(std::string_view value);

class MultipartParser {
 public:
  MultipartParser(std::string boundary, MultipartHandler& handler);

  // Throws MultipartError (what() says what was expected) on malformed input;
  // exceptions of the handler pass through.
  void feed(const char* data, std::size_t size);
  // The closing delimiter has been seen (the rest is epilogue, ignored).
  bool done() const noexcept { return state_ == State::kDone; }

 private:
  enum class State { kPreamble, kAfterDelimiter, kHeaders, kBody, kDone };
  // Scans part body (or preamble) bytes for the delimiter; returns bytes used.
  std::size_t scan_body(const char* data, std::size_t size);
  void emit(const char* data, std::size_t size);
  void delimiter_found();
  void parse_headers();

  std::string delimiter_;  // "\r\n--" + boundary
  MultipartHandler& handler_;
  State state_ = State::kPreamble;
  std::string held_;    // a body tail that may be the start of the delimiter
  std::string line_;    // bytes after a delimiter ("--" or CRLF, padding)
  std::string headers_; // part headers up to the blank line
  MultipartPart part_;
};

}  // namespace lumina::net
