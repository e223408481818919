#include "lumina/audio/file_reader.hpp"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <vector>

namespace lumina {
namespace {

// The callback drains ~1 chunk per 5 ms at 48 kHz; polling every 10 ms with
// over a second of read-ahead keeps the ring full without a wake-up signal
// from the callback (which would be a syscall there).
constexpr auto kRefillPoll = std::chrono::milliseconds(10);
constexpr std::size_t kReadBlock = 1024;  // file frames per libsndfile call

// Maps `channels` interleaved frames to stereo: mono is duplicated; more than
// two channels fold even channels left and odd channels right.
void to_stereo(const float* in, std::size_t frames, std::uint32_t channels, float* out) {
  for (std::size_t i = 0; i < frames; ++i) {
    const float* f = in + i * channels;
    if (channels == 1) {
      out[2 * i] = out[2 * i + 1] = f[0];
    } else if (channels == 2) {
      out[2 * i] = f[0];
      out[2 * i + 1] = f[1];
    } else {
      float l = 0, r = 0;
      for (std::uint32_t c = 0; c < channels; ++c) (c % 2 == 0 ? l : r) += f[c];
      out[2 * i] = l / static_cast<float>((channels + 1) / 2);
      out[2 * i + 1] = r / static_cast<float>(channels / 2);
    }
  }
}

}  // namespace

// Windowed-sinc sample-rate converter (Blackman window, 16 zero crossings
// each side, cut-off at the lower Nyquist), run on the reader thread. Files
// at another rate therefore play at the right pitch and speed without any
// resampling in the callback.
class FileReader::Resampler {
 public:
  Resampler(std::uint32_t in_rate, std::uint32_t out_rate)
      : step_(static_cast<double>(in_rate) / out_rate),
        cutoff_(std::min(1.0, static_cast<double>(out_rate) / in_rate)),
        reach_(static_cast<int>(std::ceil(kZeroCrossings / cutoff_))),
        taps_(2 * reach_) {
    // Kernel table: for each of kPhases+1 fractional offsets, the weights of
    // the taps_ input frames around the output position (linear interpolation
    // between neighbouring phases keeps the error far below 16-bit noise).
    table_.resize(static_cast<std::size_t>(kPhases + 1) * taps_);
    for (int p = 0; p <= kPhases; ++p) {
      const double frac = static_cast<double>(p) / kPhases;
      for (int k = 0; k < taps_; ++k) table_[static_cast<std::size_t>(p * taps_ + k)] = static_cast<float>(kernel(frac + reach_ - 1 - k));
    }
  }

  // Output frame `out_frame` corresponds to input position out_frame * step.
  // Returns the first input frame the file must be positioned at.
  std::uint64_t reset(std::uint64_t out_frame) {
    position_ = static_cast<double>(out_frame) * step_;
    base_ = static_cast<std::int64_t>(std::floor(position_)) - reach_ + 1;
    buffer_.clear();
    source_done_ = false;
    return base_ > 0 ? static_cast<std::uint64_t>(base_) : 0;
  }

  // Produces `frames` stereo frames into `out`, pulling input from `file`.
  void produce(SoundFile& file, float* out, std::size_t frames) {
    for (std::size_t n = 0; n < frames; ++n) {
      const double whole = std::floor(position_);
      const std::int64_t first = static_cast<std::int64_t>(whole) - reach_ + 1;  // input frame of tap 0
      fill_until(file, first + taps_ - 1);
      const double phase = (position_ - whole) * kPhases;
      const int p = std::min(static_cast<int>(phase), kPhases - 1);
      const float f = static_cast<float>(phase - p);
      const float* w0 = &table_[static_cast<std::size_t>(p * taps_)];
      const float* w1 = w0 + taps_;
      float left = 0.0F, right = 0.0F;
      for (int k = 0; k < taps_; ++k) {
        const std::int64_t idx = first + k - base_;
        // Before frame 0 and past the end read as silence.
        if (idx < 0 || static_cast<std::size_t>(2 * idx + 1) >= buffer_.size()) continue;
        const float w = w0[k] + f * (w1[k] - w0[k]);
        left += w * buffer_[static_cast<std::size_t>(2 * idx)];
        right += w * buffer_[static_cast<std::size_t>(2 * idx + 1)];
      }
      out[2 * n] = left;
      out[2 * n + 1] = right;
      position_ += step_;
      // Drop input that no later output frame can reach.
      const std::int64_t keep_from = static_cast<std::int64_t>(std::floor(position_)) - reach_ + 1;
      if (keep_from - base_ > 8192) {
        const auto drop = static_cast<std::size_t>(keep_from - base_);
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(2 * std::min(drop, buffer_.size() / 2)));
        base_ += static_cast<std::int64_t>(drop);
      }
    }
  }

 private:
  static constexpr double kZeroCrossings = 16.0;
  static constexpr int kPhases = 512;

  // Blackman-windowed sinc with the cut-off at the lower of the two Nyquists.
  double kernel(double x) const {
    const double half_width = reach_;
    if (std::fabs(x) >= half_width) return 0.0;
    const double a = cutoff_ * x;
    const double sinc = std::fabs(a) < 1e-9 ? 1.0 : std::sin(std::numbers::pi * a) / (std::numbers::pi * a);
    const double t = (x / half_width + 1.0) / 2.0;  // 0..1 across the window
    const double blackman = 0.42 - 0.5 * std::cos(2 * std::numbers::pi * t) + 0.08 * std::cos(4 * std::numbers::pi * t);
    return cutoff_ * sinc * blackman;
  }

  // Ensures input frames up to `last` are buffered (or the file has ended).
  void fill_until(SoundFile& file, std::int64_t last) {
    while (base_ + static_cast<std::int64_t>(buffer_.size() / 2) <= last && !source_done_) {
      const std::int64_t next = base_ + static_cast<std::int64_t>(buffer_.size() / 2);
      if (next < 0) {
        // Frames before the start of the file are silence.
        buffer_.insert(buffer_.end(), static_cast<std::size_t>(2 * (-next)), 0.0F);
        continue;
      }
      const std::uint32_t channels = file.info().channels;
      raw_.resize(kReadBlock * channels);
      const std::size_t got = file.read(raw_.data(), kReadBlock);
      if (got == 0) {
        source_done_ = true;
        break;
      }
      const std::size_t at = buffer_.size();
      buffer_.resize(at + 2 * got);
      to_stereo(raw_.data(), got, channels, buffer_.data() + at);
    }
  }

  double step_;
  double cutoff_;
  int reach_;  // taps on each side of the output position
  int taps_;
  std::vector<float> table_;
  double position_ = 0.0;
  std::int64_t base_ = 0;  // input frame index of buffer_[0]
  std::vector<float> buffer_;  // stereo input frames from base_
  std::vector<float> raw_;
  bool source_done_ = false;
};

FileReader::FileReader(std::uint32_t engine_rate, std::size_t ring_chunks)
    : engine_rate_(engine_rate), ring_(ring_chunks) {
  thread_ = std::thread([this] { run(); });
}

FileReader::~FileReader() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

LoadedFile FileReader::load(const std::filesystem::path& path, std::uint32_t generation) {
  SoundFile file = SoundFile::open(path);  // throws before anything changes
  LoadedFile loaded;
  loaded.path = path;
  loaded.source = file.info();
  loaded.sample_rate = engine_rate_;
  loaded.resampled = file.info().sample_rate != engine_rate_;
  loaded.frames = loaded.resampled ? file.info().frames * engine_rate_ / file.info().sample_rate : file.info().frames;
  {
    std::lock_guard lock(mutex_);
    request_ = Request{std::move(file), 0, generation, false};
  }
  wake_.notify_all();
  return loaded;
}

void FileReader::seek(std::uint64_t frame, std::uint32_t generation) {
  {
    std::lock_guard lock(mutex_);
    // A pending load keeps its file; only its start position changes.
    if (request_ && request_->file) {
      request_->frame = frame;
      request_->generation = generation;
    } else {
      request_ = Request{std::nullopt, frame, generation, false};
    }
  }
  wake_.notify_all();
}

void FileReader::unload() {
  {
    std::lock_guard lock(mutex_);
    request_ = Request{std::nullopt, 0, 0, true};
  }
  wake_.notify_all();
}

void FileReader::run() {
  pthread_setname_np(pthread_self(), "lumina-filerd");
  std::unique_lock lock(mutex_);
  while (!quit_) {
    if (request_) {
      Request request = std::move(*request_);
      request_.reset();
      lock.unlock();
      // Applied on this thread: the file and resampler belong to it.
      if (request.unload) {
        file_.reset();
        finished_ = true;
      } else {
        if (request.file) {
          file_ = std::move(request.file);
          const auto& info = file_->info();
          resampler_ = info.sample_rate != engine_rate_ ? std::make_unique<Resampler>(info.sample_rate, engine_rate_)
                                                        : nullptr;
          total_frames_ = resampler_ ? info.frames * engine_rate_ / info.sample_rate : info.frames;
          read_buffer_.resize(static_cast<std::size_t>(FileChunk::kMaxFrames) * info.channels);
        }
        if (file_) {
          generation_ = request.generation;
          next_position_ = std::min(request.frame, total_frames_);
          try {
            file_->seek(resampler_ ? resampler_->reset(next_position_) : next_position_);
            finished_ = false;
          } catch (const SoundFileError&) {
            finished_ = false;  // the read below ends the generation with an end-of-file marker
            next_position_ = total_frames_;
          }
        }
      }
      lock.lock();
      continue;
    }
    lock.unlock();
    bool produced = false;
    while (produce_chunk()) {
      produced = true;
      std::lock_guard peek(mutex_);
      if (request_ || quit_) break;
    }
    lock.lock();
    if (!produced && !request_ && !quit_) wake_.wait_for(lock, kRefillPoll);
  }
}

bool FileReader::produce_chunk() {
  if (!file_ || finished_) return false;
  FileChunk* chunk = ring_.prepare();
  if (!chunk) return false;
  chunk->generation = generation_;
  chunk->position = next_position_;
  const std::uint64_t left = total_frames_ - next_position_;
  std::size_t frames = static_cast<std::size_t>(std::min<std::uint64_t>(left, FileChunk::kMaxFrames));
  if (frames > 0) {
    if (resampler_) {
      resampler_->produce(*file_, chunk->samples.data(), frames);
    } else {
      const std::uint32_t channels = file_->info().channels;
      std::size_t got = 0;
      while (got < frames) {
        const std::size_t n = file_->read(read_buffer_.data(), frames - got);
        if (n == 0) break;
        to_stereo(read_buffer_.data(), n, channels, chunk->samples.data() + 2 * got);
        got += n;
      }
      // A file shorter than its header said ends here.
      frames = got;
      if (got == 0) total_frames_ = next_position_;
    }
  }
  chunk->frames = static_cast<std::uint32_t>(frames);
  next_position_ += frames;
  chunk->end_of_file = next_position_ >= total_frames_;
  finished_ = chunk->end_of_file;
  ring_.push();
  return true;
}

}  // namespace lumina
