// The multipart/form-data upload parser (POST /upload). The first input byte
// picks the chunk size the body is fed in (uploads arrive in arbitrary TCP
// segments); the rest is the body for boundary "lumina-fuzz". The parser may
// refuse with MultipartError, anything else escapes as a finding. Invariants:
// begin/data/end events nest properly, and the body bytes reported never
// exceed the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "multipart.hpp"

namespace {

class CheckingHandler : public lumina::net::MultipartHandler {
 public:
  void part_begin(const lumina::net::MultipartPart&) override {
    LUMINA_FUZZ_CHECK(!in_part_, "part_begin inside a part");
    in_part_ = true;
  }
  void part_data(const char*, std::size_t size) override {
    LUMINA_FUZZ_CHECK(in_part_, "part_data outside a part");
    body_bytes_ += size;
  }
  void part_end() override {
    LUMINA_FUZZ_CHECK(in_part_, "part_end outside a part");
    in_part_ = false;
  }
  bool in_part() const { return in_part_; }
  std::size_t body_bytes() const { return body_bytes_; }

 private:
  bool in_part_ = false;
  std::size_t body_bytes_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = static_cast<std::size_t>(data[0]) + 1;
  const char* body = reinterpret_cast<const char*>(data + 1);
  const std::size_t body_size = size - 1;

  // Header-level helpers see the same bytes as a Content-Type / Content-Disposition value.
  const std::string_view text(body, body_size);
  if (const auto boundary = lumina::net::multipart_boundary(text)) {
    LUMINA_FUZZ_CHECK(!boundary->empty() && boundary->size() <= 70, "boundary outside 1..70 characters");
  }
  try {
    (void)lumina::net::parse_content_disposition(text);
  } catch (const lumina::net::MultipartError&) {
  }

  CheckingHandler handler;
  lumina::net::MultipartParser parser("lumina-fuzz", handler);
  try {
    for (std::size_t at = 0; at < body_size; at += chunk) {
      parser.feed(body + at, std::min(chunk, body_size - at));
    }
  } catch (const lumina::net::MultipartError&) {
    return 0;
  }
  LUMINA_FUZZ_CHECK(handler.body_bytes() <= body_size, "more body bytes reported than fed");
  LUMINA_FUZZ_CHECK(!parser.done() || !handler.in_part(), "done with a part still open");
  return 0;
}
