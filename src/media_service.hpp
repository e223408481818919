#pragma once
// Daemon glue for media: the MediaLibrary (registry + store) behind the
// server's MediaSink (POST /upload, GET/DELETE /api/sources), plus the
// playable files the audio service lists and plays. Files copied into
// <dataDir>/media by hand (the previous version's store) are still listed,
// read-only, as long as their bytes are not registered (see
// docs/operations.md). Thread-safe; never used by a realtime thread.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lumina/core/config.hpp"
#include "lumina/net/server.hpp"
#include "lumina/store/media_folder.hpp"
#include "lumina/store/media_library.hpp"

namespace lumina {

class MediaService final : public MediaSink {
 public:
  // `sample_rate`: what the engine plays (imports are converted to it).
  // Throws (RegistryError, std::runtime_error) when the store cannot open.
  MediaService(const Config& config, const std::filesystem::path& data_dir, std::uint32_t sample_rate);

  // Called after an entry was added or removed (from a worker thread).
  void set_on_change(std::function<void()> on_change) { on_change_ = std::move(on_change); }
  // Tells whether a file is in use (409 on delete). Any thread.
  void set_in_use(std::function<bool(const std::string& file_id)> in_use) { in_use_ = std::move(in_use); }
  // Called after a file was deleted, before on_change (from a worker
  // thread): whoever still holds it (the selected, stopped source) lets go.
  void set_on_removed(std::function<void(const std::string& file_id)> on_removed) {
    on_removed_ = std::move(on_removed);
  }
  // Gives GET /api/sources the same payload as audio_sources.
  void set_sources(std::function<nlohmann::json()> sources) { sources_ = std::move(sources); }

  // Registered files, then legacy folder files with other ids.
  std::vector<MediaEntry> files();
  std::optional<MediaEntry> find(const std::string& file_id);

  MediaLibrary& library() { return library_; }

  // MediaSink
  std::unique_ptr<UploadTarget> begin_upload(const std::string& filename) override;
  nlohmann::json sources() override;
  HttpResult delete_source(const std::string& file_id) override;

 private:
  void changed();

  MediaLibrary library_;
  MediaFolder legacy_;
  std::function<void()> on_change_;
  std::function<bool(const std::string&)> in_use_;
  std::function<void(const std::string&)> on_removed_;
  std::function<nlohmann::json()> sources_;
};

// The reply of a successful upload (protocol A.7).
nlohmann::json upload_reply(const IngestResult& result);

// `luminad import-legacy DIR`: imports the predecessor's upload folder
// (<sha256>__<name>, <sha256>__extracted.wav, index.json digest → fileId)
// into the data dir, keeping fileIds. Prints a line per file; returns the
// exit status (0 all imported or present, 1 any failure).
int run_import_legacy(const Config& config, const std::filesystem::path& dir, std::ostream& out, std::ostream& err);

}  // namespace lumina
