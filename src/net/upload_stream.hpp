#pragma once
// One POST /upload body on its way to the daemon's MediaSink: the multipart
// parser plus the UploadTarget of the `file` part. The session does the
// socket I/O on the io thread and hands each filled buffer here; every
// method runs on a server worker thread (hashing and disk writes never
// happen on the io thread). Not RT-safe.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "lumina/net/server.hpp"
#include "multipart.hpp"

namespace lumina::net {

// Multipart framing around a file (delimiters, part headers) that the body
// limit allows on top of ServerOptions::max_upload_bytes.
inline constexpr std::uint64_t kMultipartOverhead = 64 * 1024;

class UploadStream final : public MultipartHandler {
 public:
  UploadStream(std::string boundary, std::shared_ptr<MediaSink> sink);

  // The next body bytes. Throws ApiError (400 malformed multipart, and
  // whatever the target throws: 413, 507, ...).
  void consume(const char* data, std::size_t size);
  // The body is complete: 400 when the multipart end or the `file` part is
  // missing, else the target's answer. Throws ApiError.
  HttpResult finish();

  void part_begin(const MultipartPart& part) override;
  void part_data(const char* data, std::size_t size) override;
  void part_end() override;

 private:
  std::shared_ptr<MediaSink> sink_;
  MultipartParser parser_;
  std::unique_ptr<UploadTarget> target_;
  bool in_file_ = false;
  bool file_complete_ = false;
};

}  // namespace lumina::net
