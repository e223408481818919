#include "media_service.hpp"

#include <fstream>
#include <map>
#include <ostream>
#include <regex>
#include <set>

#include <spdlog/spdlog.h>

#include "lumina/store/data_dir.hpp"

namespace lumina {
namespace {

using json = nlohmann::json;

MediaLibraryOptions library_options(const Config& config, const std::filesystem::path& data_dir, std::uint32_t rate) {
  MediaLibraryOptions o;
  o.root = data_dir;
  o.sample_rate = rate;
  o.max_upload_bytes = config.media.max_upload_bytes;
  o.ffmpeg.program = config.media.ffmpeg;
  o.ffmpeg.timeout = std::chrono::seconds(config.media.ffmpeg_timeout_sec);
  return o;
}

MediaEntry to_entry(const MediaLibrary& library, const MediaRecord& r) {
  MediaEntry e;
  e.file_id = r.id;
  e.name = r.name;
  e.path = library.absolute(r.playable_path);
  e.sample_rate = r.sample_rate;
  e.channels = r.channels;
  e.frames = r.frames;
  e.duration = r.duration;
  return e;
}

// One upload's file part, stored through the library.
class LibraryUpload final : public UploadTarget {
 public:
  LibraryUpload(MediaLibrary& library, std::unique_ptr<PendingUpload> pending, std::function<void()> on_new)
      : library_(library), pending_(std::move(pending)), on_new_(std::move(on_new)) {}

  void append(const char* data, std::size_t size) override { pending_->append(data, size); }

  HttpResult finish() override {
    try {
      const IngestResult result = library_.commit(*pending_);
      pending_.reset();
      if (!result.dedup) on_new_();
      return {200, upload_reply(result)};
    } catch (const ApiError& e) {
      spdlog::warn("media: upload '{}' refused ({}): {}", pending_ ? pending_->name() : "", e.status(), e.what());
      throw;
    }
  }

 private:
  MediaLibrary& library_;
  std::unique_ptr<PendingUpload> pending_;
  std::function<void()> on_new_;
};

}  // namespace

json upload_reply(const IngestResult& result) {
  const MediaRecord& r = result.record;
  return {{"ok", true},
          {"fileId", r.id},
          {"sourceId", "file:" + r.id},
          {"name", r.name},
          {"sr", r.sample_rate},
          {"channels", r.channels},
          {"duration", r.duration},
          {"fromVideo", r.from_video},
          {"dedup", result.dedup},
          {"sha256", r.sha256},
          {"size", r.size}};
}

MediaService::MediaService(const Config& config, const std::filesystem::path& data_dir, std::uint32_t sample_rate)
    : library_(library_options(config, data_dir, sample_rate)), legacy_(data_dir / "media") {}

void MediaService::changed() {
  if (on_change_) on_change_();
}

std::vector<MediaEntry> MediaService::files() {
  std::vector<MediaEntry> out;
  std::set<std::string> ids;
  for (const auto& r : library_.list()) {
    out.push_back(to_entry(library_, r));
    ids.insert(r.id);
  }
  for (auto& e : legacy_.scan()) {
    if (ids.insert(e.file_id).second) out.push_back(std::move(e));
  }
  return out;
}

std::optional<MediaEntry> MediaService::find(const std::string& file_id) {
  if (auto r = library_.find(file_id)) return to_entry(library_, *r);
  return legacy_.find(file_id);
}

std::unique_ptr<UploadTarget> MediaService::begin_upload(const std::string& filename) {
  return std::make_unique<LibraryUpload>(library_, library_.begin(filename), [this] { changed(); });
}

json MediaService::sources() {
  if (sources_) return sources_();
  json items = json::array();
  for (const auto& f : files()) {
    items.push_back({{"id", "file:" + f.file_id}, {"kind", "file"}, {"name", f.name}, {"channels", f.channels},
                     {"sr", f.sample_rate}, {"duration", f.duration}});
  }
  return {{"default", "device:default"}, {"items", std::move(items)}};
}

HttpResult MediaService::delete_source(const std::string& file_id) {
  // An unknown id is 404 whatever is selected; a known one in use is 409.
  const bool registered = library_.find(file_id).has_value();
  const std::optional<MediaEntry> legacy = registered ? std::nullopt : legacy_.find(file_id);
  if (!registered && !legacy) throw ApiError(404, "not_found", "no media file with id '" + file_id + "'");
  if (in_use_ && in_use_(file_id)) {
    throw ApiError(409, "in_use",
                   "file:" + file_id +
                       " is the selected source and is playing or paused; stop it (audio_file_stop) or select "
                       "another source first");
  }
  if (registered) {
    // False: another request removed it meanwhile.
    if (!library_.remove(file_id)) throw ApiError(404, "not_found", "no media file with id '" + file_id + "'");
  } else {
    // A file of the legacy folder: deleting removes it from there.
    std::error_code ec;
    if (!std::filesystem::remove(legacy->path, ec) || ec) {
      throw ApiError(500, "storage_error", "cannot remove " + legacy->path.string() + ": " + ec.message());
    }
  }
  if (on_removed_) on_removed_(file_id);
  changed();
  return {200, {{"ok", true}, {"fileId", file_id}}};
}

int run_import_legacy(const Config& config, const std::filesystem::path& dir, std::ostream& out, std::ostream& err) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    err << "luminad: import-legacy: " << dir.string() << " is not a directory\n";
    return 1;
  }
  std::map<std::string, std::string> ids;  // digest → fileId from index.json
  if (fs::exists(dir / "index.json", ec)) {
    try {
      std::ifstream in(dir / "index.json");
      const json index = json::parse(in);
      if (!index.is_object()) throw std::runtime_error("expected an object mapping sha256 → fileId");
      for (auto it = index.begin(); it != index.end(); ++it) {
        const json& v = it.value();
        if (v.is_string()) ids[it.key()] = v.get<std::string>();
        else if (v.is_object() && v.contains("fileId") && v["fileId"].is_string()) ids[it.key()] = v["fileId"].get<std::string>();
        else throw std::runtime_error("entry '" + it.key() + "' must be a fileId string or an object with 'fileId'");
      }
    } catch (const std::exception& e) {
      err << "luminad: import-legacy: " << (dir / "index.json").string() << ": " << e.what() << "\n";
      return 1;
    }
  }
  static const std::regex kName("^([0-9a-f]{64})__(.+)$");
  struct Item {
    fs::path original;
    std::string name;
    std::optional<fs::path> extracted;
  };
  std::map<std::string, Item> items;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::smatch m;
    const std::string file = entry.path().filename().string();
    if (!entry.is_regular_file() || !std::regex_match(file, m, kName)) continue;
    Item& item = items[m[1].str()];
    if (m[2].str() == "extracted.wav") {
      item.extracted = entry.path();
    } else {
      item.original = entry.path();
      item.name = m[2].str();
    }
  }
  std::optional<DataDir> data_dir;
  try {
    data_dir.emplace(config.data_dir);
  } catch (const DataDirError& e) {
    err << "luminad: import-legacy: " << e.what() << "\n";
    return 1;
  }
  std::unique_ptr<MediaLibrary> library;
  try {
    library = std::make_unique<MediaLibrary>(library_options(config, data_dir->root(), config.audio.sample_rate));
  } catch (const std::exception& e) {
    err << "luminad: import-legacy: " << e.what() << "\n";
    return 1;
  }
  int imported = 0, present = 0, failed = 0;
  for (const auto& [digest, item] : items) {
    if (item.original.empty()) {
      err << "skip " << digest << ": only an extracted.wav, no original file\n";
      ++failed;
      continue;
    }
    const auto id_it = ids.find(digest);
    const std::string id = id_it != ids.end() ? id_it->second : digest.substr(0, 24);
    try {
      const IngestResult r = library->import_file(item.original, item.name, id, item.extracted);
      if (r.record.sha256 != digest) {
        // Imported under the digest the bytes really have; the name lied.
        err << "warning " << item.original.filename().string() << ": its bytes hash to " << r.record.sha256 << "\n";
      }
      out << (r.dedup ? "present  " : "imported ") << "file:" << r.record.id << "  " << r.record.name << "\n";
      (r.dedup ? present : imported) += 1;
    } catch (const ApiError& e) {
      err << "failed   " << item.original.filename().string() << ": " << e.what() << "\n";
      ++failed;
    }
  }
  out << imported << " imported, " << present << " already present, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace lumina
