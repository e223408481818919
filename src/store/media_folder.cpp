#include "lumina/store/media_folder.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "lumina/audio/sound_file.hpp"

namespace lumina {

std::string sha256_file_hex(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw std::runtime_error("SHA-256 unavailable");
  std::array<char, 1 << 16> buf{};
  while (in) {
    in.read(buf.data(), buf.size());
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw std::runtime_error("read error on " + path.string());
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest.data(), &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

MediaFolder::MediaFolder(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::vector<MediaEntry> MediaFolder::scan() {
  std::lock_guard lock(mutex_);
  std::vector<MediaEntry> out;
  std::map<std::filesystem::path, Cached> fresh;
  std::error_code ec;
  for (const auto& item : std::filesystem::directory_iterator(dir_, ec)) {
    std::error_code item_ec;
    if (!item.is_regular_file(item_ec)) continue;
    const auto& path = item.path();
    // Hidden files are temporaries of writers in progress (e.g. an upload).
    if (path.filename().string().rfind('.', 0) == 0) continue;
    const auto size = item.file_size(item_ec);
    const auto mtime = item.last_write_time(item_ec);
    if (item_ec) continue;
    auto cached = cache_.find(path);
    if (cached != cache_.end() && cached->second.size == size && cached->second.mtime == mtime) {
      fresh[path] = cached->second;
    } else {
      Cached c{size, mtime, std::nullopt, {}};
      try {
        const SoundFile file = SoundFile::open(path);
        MediaEntry e;
        e.file_id = sha256_file_hex(path).substr(0, 24);
        e.name = path.filename().string();
        e.path = path;
        e.sample_rate = file.info().sample_rate;
        e.channels = file.info().channels;
        e.frames = file.info().frames;
        e.duration = file.info().duration_seconds();
        c.entry = e;
      } catch (const std::exception& err) {
        c.problem = err.what();
      }
      fresh[path] = c;
    }
    if (fresh[path].entry) out.push_back(*fresh[path].entry);
  }
  cache_ = std::move(fresh);
  std::sort(out.begin(), out.end(), [](const MediaEntry& a, const MediaEntry& b) { return a.name < b.name; });
  return out;
}

std::optional<MediaEntry> MediaFolder::find(const std::string& file_id) {
  for (auto& e : scan()) {
    if (e.file_id == file_id) return e;
  }
  return std::nullopt;
}

std::vector<std::string> MediaFolder::skipped() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [path, c] : cache_) {
    if (!c.entry) out.push_back(path.filename().string() + ": " + c.problem);
  }
  return out;
}

}  // namespace lumina
