#include "lumina/store/media_library.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sndfile.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstring>
#include <fstream>
#include <vector>

#include <spdlog/spdlog.h>

#include "lumina/core/scope_exit.hpp"

namespace lumina {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxNameBytes = 200;
// Upload bytes handed to the disk at a time (see PendingUpload::append).
constexpr std::uint64_t kWriteBackWindow = 8 * 1024 * 1024;

std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xF];
  }
  return out;
}

// Length of the UTF-8 sequence starting at s[i], 0 when it is not valid.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0 && c >= 0xC2) n = 2;
  else if ((c & 0xF0) == 0xE0) n = 3;
  else if ((c & 0xF8) == 0xF0 && c <= 0xF4) n = 4;
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// The write error of a store operation as the HTTP status a client understands.
[[noreturn]] void throw_write_error(int err, const std::string& what) {
  if (err == ENOSPC || err == EDQUOT || err == EFBIG) {
    throw ApiError(507, "insufficient_storage", "the data dir is full (" + std::string(std::strerror(err)) + ") while " + what);
  }
  if (err == EROFS || err == EACCES || err == EPERM) {
    throw ApiError(500, "storage_not_writable", "the data dir is not writable (" + std::string(std::strerror(err)) +
                                                       ") while " + what);
  }
  throw ApiError(500, "storage_error", what + ": " + std::strerror(err));
}

void fsync_path(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) throw_write_error(errno, "opening " + path.filename().string() + " to sync it");
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw_write_error(err, "syncing " + path.filename().string());
}

// A temporary file name in `dir` that no one else uses (mkstemp).
fs::path make_temp(const fs::path& dir, const std::string& prefix, int* fd_out = nullptr) {
  std::string pattern = (dir / (prefix + "XXXXXX")).string();
  const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) throw_write_error(errno, "creating a temporary file in " + dir.string());
  if (fd_out) *fd_out = fd;
  else ::close(fd);
  return pattern;
}

void remove_quietly(const fs::path& path) {
  std::error_code ec;
  if (!path.empty()) fs::remove(path, ec);
}

// The answer for a registry failure; `outcome` tells the client what
// became of its request ("nothing was stored").
ApiError registry_failure(const RegistryError& e, const std::string& outcome) {
  if (e.busy()) {
    return ApiError(503, "registry_busy",
                    std::string("the media registry is locked by another program (") + e.what() + "); " + outcome +
                        ", try again when it is released");
  }
  if (e.disk_full()) return ApiError(507, "insufficient_storage", std::string("the registry cannot grow (") + e.what() + "); " + outcome);
  return ApiError(500, "registry_error", std::string(e.what()) + "; " + outcome);
}

struct SndInfo {
  SF_INFO info{};
  bool ok = false;
  std::string error;
};

SndInfo probe_sndfile(const fs::path& path) {
  SndInfo out;
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &out.info);
  if (!f) {
    out.error = sf_strerror(nullptr);
    return out;
  }
  sf_close(f);
  out.ok = out.info.samplerate > 0 && out.info.channels > 0;
  if (!out.ok) out.error = "no sample rate or channels";
  return out;
}

bool is_playable_wav(const SF_INFO& info, std::uint32_t rate) {
  const int major = info.format & SF_FORMAT_TYPEMASK;
  const int sub = info.format & SF_FORMAT_SUBMASK;
  const bool wav = major == SF_FORMAT_WAV || major == SF_FORMAT_WAVEX || major == SF_FORMAT_RF64;
  const bool pcm = sub == SF_FORMAT_PCM_16 || sub == SF_FORMAT_PCM_24 || sub == SF_FORMAT_PCM_32 || sub == SF_FORMAT_FLOAT;
  return wav && pcm && static_cast<std::uint32_t>(info.samplerate) == rate && info.channels >= 1 && info.channels <= 2;
}

// Decodes `in` (same rate, <= 2 channels) into a float WAV at `out`: no resampling needed.
void transcode_with_sndfile(const fs::path& in, const fs::path& out) {
  SF_INFO in_info{};
  SNDFILE* src = sf_open(in.c_str(), SFM_READ, &in_info);
  if (!src) throw ApiError(415, "unsupported_media", std::string("cannot decode the audio: ") + sf_strerror(nullptr));
  SF_INFO out_info{};
  out_info.samplerate = in_info.samplerate;
  out_info.channels = in_info.channels;
  const double bytes = static_cast<double>(in_info.frames) * in_info.channels * 4.0;
  out_info.format = (bytes > 4.0e9 ? SF_FORMAT_RF64 : SF_FORMAT_WAV) | SF_FORMAT_FLOAT;
  SNDFILE* dst = sf_open(out.c_str(), SFM_WRITE, &out_info);
  if (!dst) {
    sf_close(src);
    throw ApiError(500, "storage_error", std::string("cannot write the converted audio: ") + sf_strerror(nullptr));
  }
  std::vector<float> block(static_cast<std::size_t>(4096 * in_info.channels));
  sf_count_t n = 0;
  bool write_failed = false;
  while ((n = sf_readf_float(src, block.data(), 4096)) > 0) {
    if (sf_writef_float(dst, block.data(), n) != n) {
      write_failed = true;
      break;
    }
  }
  const std::string write_error = write_failed ? sf_strerror(dst) : "";
  sf_close(src);
  sf_close(dst);
  if (write_failed) {
    const bool full = write_error.find("space") != std::string::npos || errno == ENOSPC || errno == EFBIG;
    if (full) throw ApiError(507, "insufficient_storage", "the data dir is full while writing the converted audio");
    throw ApiError(500, "storage_error", "cannot write the converted audio: " + write_error);
  }
}

bool contains(const std::string& text, std::string_view what) { return text.find(what) != std::string::npos; }

// The last non-empty line of ffmpeg's stderr: usually the reason.
std::string last_line(const std::string& text) {
  std::size_t end = text.find_last_not_of("\r\n ");
  if (end == std::string::npos) return {};
  const std::size_t start = text.find_last_of('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end + 1 - (start == std::string::npos ? 0 : start + 1));
}

// ffmpeg's last line of complaint, with the server's own paths (the upload's
// temporary file, the conversion's output) named for what they are: a client
// learns nothing from, and should not see, where the data dir is.
std::string ffmpeg_complaint(const std::string& err, const fs::path& in, const fs::path& out) {
  std::string line = last_line(err);
  const std::pair<std::string, const char*> names[] = {{"file:" + in.string(), "the uploaded file"},
                                                       {in.string(), "the uploaded file"},
                                                       {"file:" + out.string(), "the converted audio"},
                                                       {out.string(), "the converted audio"}};
  for (const auto& [path, name] : names) {
    if (path.empty() || path == "file:") continue;
    for (std::size_t at = line.find(path); at != std::string::npos; at = line.find(path, at + std::strlen(name))) {
      line.replace(at, path.size(), name);
    }
  }
  return line;
}

// Extracts/converts the first audio track of `in` to a float WAV at `rate`,
// mono or stereo. Throws ApiError with the status that fits ffmpeg's failure.
void convert_with_ffmpeg(const FfmpegLimits& limits, const fs::path& in, const fs::path& out, std::uint32_t rate,
                         bool input_is_audio) {
  const std::vector<std::string> args = {
      "-nostdin", "-hide_banner", "-nostats", "-protocol_whitelist", "file", "-i", "file:" + in.string(),
      "-map", "0:a:0", "-vn", "-sn", "-dn", "-af", "aformat=channel_layouts=mono|stereo", "-ar", std::to_string(rate),
      "-c:a", "pcm_f32le", "-rf64", "auto", "-f", "wav", "-y", "file:" + out.string()};
  const FfmpegResult r = run_ffmpeg(limits, args);
  if (r.ok()) return;
  const std::string& err = r.stderr_text;
  if (r.not_found) {
    throw ApiError(503, "ffmpeg_missing",
                      std::string(input_is_audio ? "converting this audio to the engine's sample rate"
                                                 : "this file is not audio the audio library reads; extracting its audio track") +
                          " needs ffmpeg, which is not available (" + err + "; see media.ffmpeg)");
  }
  if (r.cancelled) {
    throw ApiError(503, "shutting_down", "luminad is stopping; the conversion was cancelled (upload again later)");
  }
  if (r.timed_out || r.signal == SIGXCPU) {  // SIGXCPU: the CPU limit of the same length
    throw ApiError(500, "conversion_timeout",
                      "ffmpeg did not finish within " + std::to_string(limits.timeout.count()) + " s (media.ffmpegTimeoutSec)");
  }
  if (contains(err, "No space left on device") || contains(err, "Disk quota exceeded") || r.signal == SIGXFSZ) {
    throw ApiError(507, "insufficient_storage", "the data dir is full (or the size limit was hit) while converting the audio");
  }
  if (r.signal != 0) {
    const char* name = ::sigabbrev_np(r.signal);
    throw ApiError(500, "ffmpeg_crashed",
                   "ffmpeg (" + limits.program + ") was killed by signal " + std::to_string(r.signal) + " (SIG" +
                       (name ? name : "?") + ") while reading the file; nothing was stored. Check the ffmpeg installation (media.ffmpeg)");
  }
  const bool has_streams = contains(err, "Stream #0:");
  const bool has_audio = contains(err, ": Audio:");
  if (has_streams && !has_audio) {
    throw ApiError(422, "no_audio_track", "the file has no audio track (a video without sound?); nothing to play");
  }
  if (!has_streams || contains(err, "Invalid data found when processing input")) {
    throw ApiError(415, "unsupported_media",
                   "the file is neither audio nor video that can be decoded (" + ffmpeg_complaint(err, in, out) + ")");
  }
  throw ApiError(415, "unsupported_media",
                 "ffmpeg could not decode the audio track: " + ffmpeg_complaint(err, in, out));
}

}  // namespace

std::string sanitize_display_name(std::string_view raw) {
  const auto slash = raw.find_last_of("/\\");
  if (slash != std::string_view::npos) raw.remove_prefix(slash + 1);
  std::string out;
  for (std::size_t i = 0; i < raw.size();) {
    const std::size_t n = utf8_length(raw, i);
    if (n == 0) {  // invalid byte: dropped
      ++i;
      continue;
    }
    const auto c = static_cast<unsigned char>(raw[i]);
    const bool control = n == 1 && (c < 0x20 || c == 0x7F);
    // C1 controls (U+0080..U+009F) are two bytes: C2 80..C2 9F.
    const bool c1 = n == 2 && c == 0xC2 && static_cast<unsigned char>(raw[i + 1]) < 0xA0;
    if (!control && !c1) {
      if (out.size() + n > kMaxNameBytes) break;
      out.append(raw.substr(i, n));
    }
    i += n;
  }
  const auto first = out.find_first_not_of(' ');
  const auto last = out.find_last_not_of(' ');
  out = first == std::string::npos ? std::string() : out.substr(first, last - first + 1);
  if (out.empty() || out == "." || out == "..") return "upload.bin";
  return out;
}

// ---- PendingUpload ----------------------------------------------------------

struct PendingUpload::Hasher {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

PendingUpload::PendingUpload(MediaLibrary& library, std::string name)
    : library_(library), name_(std::move(name)), hasher_(std::make_unique<Hasher>()) {
  if (!hasher_->ctx || EVP_DigestInit_ex(hasher_->ctx.get(), EVP_sha256(), nullptr) != 1) {
    throw ApiError(500, "internal_error", "SHA-256 is not available (OpenSSL)");
  }
  temp_ = make_temp(library_.temp_dir(), "upload-", &fd_);
}

PendingUpload::~PendingUpload() {
  if (fd_ >= 0) ::close(fd_);
  remove_quietly(temp_);
}

void PendingUpload::append(const char* data, std::size_t size) {
  if (size_ + size > library_.options().max_upload_bytes) {
    throw ApiError(413, "payload_too_large",
                      "the file exceeds the upload limit of " + std::to_string(library_.options().max_upload_bytes) +
                          " bytes (media.maxUploadBytes)");
  }
  EVP_DigestUpdate(hasher_->ctx.get(), data, size);
  size_ += size;
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_write_error(errno, "storing the upload");
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  // Streamed write-back: start writing each window to disk as soon as it is
  // complete and wait for the window before it. The final fsync then has
  // little left to do (it would otherwise flush the whole file at the end,
  // seconds for a gigabyte), and dirty pages stay bounded.
  constexpr auto kWindow = static_cast<off64_t>(kWriteBackWindow);
  while (size_ - written_back_ >= kWriteBackWindow) {
    const auto start = static_cast<off64_t>(written_back_);
    ::sync_file_range(fd_, start, kWindow, SYNC_FILE_RANGE_WRITE);
    if (start >= kWindow) {
      ::sync_file_range(fd_, start - kWindow, kWindow,
                        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
      // Written: no reason to keep it in the page cache.
      ::posix_fadvise(fd_, start - kWindow, kWindow, POSIX_FADV_DONTNEED);
    }
    written_back_ += kWriteBackWindow;
  }
}

// ---- MediaLibrary -----------------------------------------------------------

MediaLibrary::MediaLibrary(MediaLibraryOptions options) : options_(std::move(options)) {
  options_.ffmpeg.cancel = &stopping_;
  for (const auto& dir : {temp_dir(), library_dir()}) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
  }
  registry_ = std::make_unique<MediaRegistry>(options_.root / "lumina.db");
  reconcile_ = reconcile();
}

MediaLibrary::~MediaLibrary() = default;

ReconcileReport MediaLibrary::reconcile() {
  std::lock_guard lock(commit_mutex_);
  ReconcileReport report;
  std::error_code ec;
  // Everything in tmp/ belongs to an upload or conversion that a crash or
  // kill interrupted: no row can refer to it.
  for (const auto& item : fs::directory_iterator(temp_dir(), ec)) {
    std::error_code remove_ec;
    if (fs::remove_all(item.path(), remove_ec) > 0) ++report.temporaries_removed;
  }
  for (const auto& row : registry_->list(true)) {
    const bool present = fs::exists(absolute(row.original_path), ec) && fs::exists(absolute(row.playable_path), ec);
    if (!present && !row.missing) {
      registry_->set_missing(row.id, true);
      report.hidden.push_back(row.id);
      spdlog::warn("media: '{}' (file:{}) is registered but its files are gone; hidden from the source list", row.name,
                   row.id);
    } else if (present && row.missing) {
      registry_->set_missing(row.id, false);
      report.restored.push_back(row.id);
      spdlog::info("media: the files of '{}' (file:{}) are back; listed again", row.name, row.id);
    }
  }
  if (report.temporaries_removed > 0) {
    spdlog::info("media: removed {} unfinished upload temporaries", report.temporaries_removed);
  }
  refresh_snapshot();
  return report;
}

void MediaLibrary::refresh_snapshot() {
  auto rows = std::make_shared<const std::vector<MediaRecord>>(registry_->list(false));
  std::lock_guard lock(snapshot_mutex_);
  snapshot_ = std::move(rows);
}

std::vector<MediaRecord> MediaLibrary::list() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_ ? *snapshot_ : std::vector<MediaRecord>{};
}

std::optional<MediaRecord> MediaLibrary::find(const std::string& id) const {
  std::lock_guard lock(snapshot_mutex_);
  if (snapshot_) {
    for (const auto& r : *snapshot_) {
      if (r.id == id) return r;
    }
  }
  return std::nullopt;
}

std::unique_ptr<PendingUpload> MediaLibrary::begin(std::string display_name) {
  return std::unique_ptr<PendingUpload>(new PendingUpload(*this, sanitize_display_name(display_name)));
}

IngestResult MediaLibrary::commit(PendingUpload& upload) {
  if (::fsync(upload.fd_) != 0) throw_write_error(errno, "syncing the upload");
  ::close(upload.fd_);
  upload.fd_ = -1;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(upload.hasher_->ctx.get(), digest.data(), &len);
  return ingest(upload.temp_, upload.size_, hex(digest.data(), len), upload.name_, std::nullopt, std::nullopt);
}

IngestResult MediaLibrary::import_file(const fs::path& path, const std::string& display_name,
                                       const std::optional<std::string>& id,
                                       const std::optional<fs::path>& extracted_audio) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ApiError(400, "unreadable", "cannot read " + path.string());
  auto upload = begin(display_name);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) upload->append(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw ApiError(400, "unreadable", "read error on " + path.string());
  if (::fsync(upload->fd_) != 0) throw_write_error(errno, "syncing the copy");
  ::close(upload->fd_);
  upload->fd_ = -1;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(upload->hasher_->ctx.get(), digest.data(), &len);
  return ingest(upload->temp_, upload->size_, hex(digest.data(), len), upload->name_, id, extracted_audio);
}

IngestResult MediaLibrary::ingest(const fs::path& temp, std::uint64_t size, const std::string& sha256,
                                  const std::string& name, const std::optional<std::string>& id,
                                  const std::optional<fs::path>& extracted_audio) {
  if (size == 0) throw ApiError(415, "unsupported_media", "the file is empty");
  if (auto existing = registry_->find_by_sha256(sha256); existing && !existing->missing) {
    return {*existing, true};
  }
  const std::uint32_t rate = options_.sample_rate;
  // The playable file: the original itself when it already is what the
  // engine plays, else a conversion in tmp/ (removed on any failure).
  fs::path playable_temp;
  const ScopeExit drop_playable_temp{[&] { remove_quietly(playable_temp); }};
  bool playable_is_original = false;
  bool from_video = false;

  const fs::path audio_source = extracted_audio ? *extracted_audio : temp;
  const SndInfo probe = probe_sndfile(audio_source);
  if (probe.ok) {
    from_video = extracted_audio.has_value();
    if (!extracted_audio && is_playable_wav(probe.info, rate)) {
      playable_is_original = true;
    } else if (static_cast<std::uint32_t>(probe.info.samplerate) == rate && probe.info.channels <= 2) {
      playable_temp = make_temp(temp_dir(), "convert-");
      transcode_with_sndfile(audio_source, playable_temp);
    } else {
      playable_temp = make_temp(temp_dir(), "convert-");
      try {
        convert_with_ffmpeg(options_.ffmpeg, audio_source, playable_temp, rate, true);
      } catch (const ApiError& e) {
        if (e.status() != 503 || extracted_audio || probe.info.channels > 2) throw;
        // Without ffmpeg a readable file still plays: the file reader then
        // resamples in real time (in its own thread, never the callback).
        spdlog::warn("media: ffmpeg unavailable; '{}' ({} Hz) is kept as is and resampled during playback", name,
                     probe.info.samplerate);
        remove_quietly(playable_temp);
        playable_temp.clear();
        playable_is_original = true;
      }
    }
  } else {
    if (extracted_audio) throw ApiError(415, "unsupported_media", "the extracted audio cannot be read: " + probe.error);
    from_video = true;
    playable_temp = make_temp(temp_dir(), "convert-");
    convert_with_ffmpeg(options_.ffmpeg, temp, playable_temp, rate, false);
  }

  const fs::path playable_now = playable_is_original ? temp : playable_temp;
  const SndInfo played = probe_sndfile(playable_now);
  if (!played.ok) throw ApiError(415, "unsupported_media", "the converted audio cannot be read: " + played.error);
  if (played.info.frames <= 0) throw ApiError(415, "unsupported_media", "the file contains no audio samples");
  if (!playable_is_original) fsync_path(playable_temp, false);

  MediaRecord record;
  record.id = id ? *id : sha256.substr(0, 24);
  record.sha256 = sha256;
  record.name = name;
  record.original_path = "library/" + sha256 + ".orig";
  record.playable_path = playable_is_original ? record.original_path : "library/" + sha256 + ".wav";
  record.sample_rate = static_cast<std::uint32_t>(played.info.samplerate);
  record.channels = static_cast<std::uint32_t>(played.info.channels);
  record.frames = static_cast<std::uint64_t>(played.info.frames);
  record.duration = static_cast<double>(record.frames) / record.sample_rate;
  record.from_video = from_video;
  record.size = size;
  record.created = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();

  std::lock_guard lock(commit_mutex_);
  // Files placed in library/ for this entry; removed again unless the row
  // commits (no row references them: the sha256 lookup below found none).
  std::vector<fs::path> placed;
  ScopeExit unplace{[&] {
    for (const auto& p : placed) remove_quietly(p);
  }};
  try {
    // A concurrent upload of the same bytes may have committed meanwhile.
    if (auto existing = registry_->find_by_sha256(sha256)) {
      if (!existing->missing) return {*existing, true};
      registry_->remove(existing->id);  // re-uploaded after its files vanished
    }
    if (id && registry_->find_by_id(*id)) {
      throw ApiError(409, "id_conflict", "fileId " + *id + " is registered already for other bytes");
    }
    if (::rename(temp.c_str(), absolute(record.original_path).c_str()) != 0) throw_write_error(errno, "storing the file");
    placed.push_back(absolute(record.original_path));
    if (!playable_is_original) {
      if (::rename(playable_temp.c_str(), absolute(record.playable_path).c_str()) != 0) {
        throw_write_error(errno, "storing the converted audio");
      }
      placed.push_back(absolute(record.playable_path));
    }
    playable_temp.clear();
    // Renames are durable before the row exists: a crash now leaves files
    // without a row (ignored), never a row without files.
    fsync_path(library_dir(), true);
    if (!registry_->insert(record)) {
      throw ApiError(409, "id_conflict", "fileId " + record.id + " or these bytes are registered already");
    }
  } catch (const RegistryError& e) {
    throw registry_failure(e, "nothing was stored");
  }
  unplace.release();  // committed: the row owns the files now
  refresh_snapshot();
  spdlog::info("media: registered '{}' as file:{} ({} Hz, {} ch, {:.1f} s{})", record.name, record.id, record.sample_rate,
               record.channels, record.duration, record.from_video ? ", audio from video" : "");
  return {record, false};
}

bool MediaLibrary::remove(const std::string& id) {
  std::lock_guard lock(commit_mutex_);
  std::optional<MediaRecord> row;
  try {
    row = registry_->find_by_id(id);
    if (!row) return false;
    registry_->remove(id);  // committed first: a crash now leaves only unreferenced files
  } catch (const RegistryError& e) {
    throw registry_failure(e, "nothing was deleted");
  }
  remove_quietly(absolute(row->original_path));
  remove_quietly(absolute(row->playable_path));
  refresh_snapshot();
  spdlog::info("media: deleted '{}' (file:{})", row->name, id);
  return true;
}

}  // namespace lumina
