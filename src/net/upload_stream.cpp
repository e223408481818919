#include "upload_stream.hpp"

#include <utility>

namespace lumina::net {

UploadStream::UploadStream(std::string boundary, std::shared_ptr<MediaSink> sink)
    : sink_(std::move(sink)), parser_(std::move(boundary), *this) {}

void UploadStream::consume(const char* data, std::size_t size) {
  // On any failure the target goes first: its temporary file is removed
  // before the error reply leaves.
  try {
    parser_.feed(data, size);
  } catch (const MultipartError& error) {
    target_.reset();
    throw ApiError(400, "bad_multipart", std::string("malformed multipart/form-data body: ") + error.what());
  } catch (...) {
    target_.reset();
    throw;
  }
}

HttpResult UploadStream::finish() {
  if (!parser_.done()) {
    target_.reset();
    throw ApiError(400, "bad_multipart",
                      "malformed multipart/form-data body: it ended before the closing boundary");
  }
  if (!target_ || !file_complete_) {
    // The predecessor's error text is the code (protocol A.7).
    throw ApiError(400, "file field missing", "the upload has no part named 'file' (multipart/form-data field 'file')");
  }
  try {
    return target_->finish();
  } catch (...) {
    target_.reset();
    throw;
  }
}

void UploadStream::part_begin(const MultipartPart& part) {
  // Only the first `file` part is the upload; other fields are ignored.
  if (part.name != "file" || target_) return;
  const std::string filename = part.filename && !part.filename->empty() ? *part.filename : "upload.bin";
  target_ = sink_->begin_upload(filename);
  in_file_ = true;
}

void UploadStream::part_data(const char* data, std::size_t size) {
  if (in_file_) target_->append(data, size);
}

void UploadStream::part_end() {
  if (in_file_) file_complete_ = true;
  in_file_ = false;
}

}  // namespace lumina::net
