#include "lumina/audio/sound_file.hpp"

#include <sndfile.h>

#include <algorithm>

namespace lumina {

struct SoundFile::Handle {
  SNDFILE* file = nullptr;
  ~Handle() {
    if (file) sf_close(file);
  }
};

namespace {

std::string describe_format(int format) {
  SF_FORMAT_INFO major{}, sub{};
  major.format = format & SF_FORMAT_TYPEMASK;
  sub.format = format & SF_FORMAT_SUBMASK;
  const bool has_major = sf_command(nullptr, SFC_GET_FORMAT_INFO, &major, sizeof(major)) == 0;
  const bool has_sub = sf_command(nullptr, SFC_GET_FORMAT_INFO, &sub, sizeof(sub)) == 0;
  std::string text = has_major && major.name ? major.name : "unknown";
  if (has_sub && sub.name) text += std::string(" / ") + sub.name;
  return text;
}

}  // namespace

SoundFile SoundFile::open(const std::filesystem::path& path) {
  SoundFile sf;
  sf.path_ = path;
  sf.handle_ = std::make_unique<Handle>();
  SF_INFO info{};
  sf.handle_->file = sf_open(path.c_str(), SFM_READ, &info);
  if (!sf.handle_->file) {
    throw SoundFileError("cannot read audio file " + path.string() + ": " + sf_strerror(nullptr));
  }
  if (info.channels < 1 || info.samplerate < 1) {
    throw SoundFileError("cannot read audio file " + path.string() + ": no audio channels or sample rate");
  }
  // Read as float in -1..1 whatever the file's integer width.
  sf_command(sf.handle_->file, SFC_SET_NORM_FLOAT, nullptr, SF_TRUE);
  sf.info_.sample_rate = static_cast<std::uint32_t>(info.samplerate);
  sf.info_.channels = static_cast<std::uint32_t>(info.channels);
  sf.info_.frames = info.frames > 0 ? static_cast<std::uint64_t>(info.frames) : 0;
  sf.info_.format = describe_format(info.format);
  return sf;
}

SoundFile::SoundFile(SoundFile&&) noexcept = default;
SoundFile& SoundFile::operator=(SoundFile&&) noexcept = default;
SoundFile::~SoundFile() = default;

std::size_t SoundFile::read(float* out, std::size_t frames) {
  const sf_count_t got = sf_readf_float(handle_->file, out, static_cast<sf_count_t>(frames));
  return got > 0 ? static_cast<std::size_t>(got) : 0;
}

void SoundFile::seek(std::uint64_t frame) {
  const auto target = static_cast<sf_count_t>(std::min(frame, info_.frames));
  if (sf_seek(handle_->file, target, SEEK_SET) < 0) {
    throw SoundFileError("cannot seek in " + path_.string() + " to frame " + std::to_string(frame) + ": " +
                         sf_strerror(handle_->file));
  }
}

void mix_to_mono(const float* interleaved, std::size_t frames, std::uint32_t channels, float* mono) noexcept {
  if (channels == 1) {
    std::copy_n(interleaved, frames, mono);
    return;
  }
  const float scale = 1.0F / static_cast<float>(channels);
  for (std::size_t i = 0; i < frames; ++i) {
    float sum = 0.0F;
    for (std::uint32_t c = 0; c < channels; ++c) sum += interleaved[i * channels + c];
    mono[i] = sum * scale;
  }
}

}  // namespace lumina
