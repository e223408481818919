// The realtime callback body. Everything in this file runs on the audio
// thread: no allocation, no locks, no syscalls (clock_gettime is vDSO), no
// logging, no waiting. Problems are counted; normal threads report them.
#include "lumina/audio/engine.hpp"

#include <algorithm>
#include <cstring>

#include "lumina/core/clock.hpp"
#include "lumina/core/realtime.hpp"

namespace lumina {
namespace {
constexpr double kFadeSeconds = 0.005;  // short enough to feel instant, long enough not to click
// After a load, seek or stop, output of the new generation starts only when
// this much of it is buffered (or the file ends sooner): a reader thread that
// is descheduled right after its first chunk then cannot cause an underrun.
constexpr std::size_t kPrimeChunks = 8;  // 8 × 256 frames ≈ 43 ms at 48 kHz
}  // namespace

AudioEngine::AudioEngine(AudioChunkRing& ring) : ring_(ring) {}

void AudioEngine::prepare(std::uint32_t sample_rate) {
  sample_rate_ = sample_rate;
  fade_step_ = 1.0F / std::max(1.0F, static_cast<float>(kFadeSeconds * sample_rate));
}

void AudioEngine::attach(std::span<const float> demo, FileRing* file_ring) {
  demo_ = demo;
  demo_pos_ = 0;
  file_ring_ = file_ring;
}

bool AudioEngine::post(const EngineCommand& command) noexcept { return commands_.try_push(command); }

// RT-safe: a few relaxed atomic updates.
void AudioEngine::record_duration(std::int64_t ns) noexcept {
  last_ns_.store(ns, std::memory_order_relaxed);
  if (ns > max_ns_.load(std::memory_order_relaxed)) max_ns_.store(ns, std::memory_order_relaxed);
  const auto us = static_cast<std::uint64_t>(ns / 1000);
  std::size_t bucket = 0;
  while (bucket < kCallbackBucketsUs.size() && us >= kCallbackBucketsUs[bucket]) ++bucket;
  histogram_[bucket].fetch_add(1, std::memory_order_relaxed);
}

// RT-safe.
void AudioEngine::set_state(TransportState state, bool ended) noexcept {
  state_ = state;
  pub_state_.store(static_cast<std::uint8_t>(state), std::memory_order_relaxed);
  pub_ended_.store(ended, std::memory_order_relaxed);
  pub_changes_.fetch_add(1, std::memory_order_release);
}

// RT-safe. Whether the source currently produces sound (or is fading).
bool AudioEngine::audible() const noexcept {
  if (!running_) return false;
  if (source_ == SourceKind::kFile) return state_ == TransportState::kPlaying;
  return true;
}

// RT-safe. Fades out, then runs `action` (see finish_pending). A command that
// arrives during a fade first completes the earlier one.
void AudioEngine::begin_fade_out(Pending action, const EngineCommand& c) noexcept {
  if (pending_ != Pending::kNone) finish_pending();
  pending_ = action;
  pending_command_ = c;
  if (!audible() || gain_ <= 0.0F) {
    finish_pending();
    return;
  }
  gain_step_ = -fade_step_;
}

// RT-safe. Completes a faded-out action.
void AudioEngine::finish_pending() noexcept {
  const Pending action = pending_;
  pending_ = Pending::kNone;
  gain_ = 0.0F;
  gain_step_ = 0.0F;
  if (action != Pending::kNone) pub_applied_seq_.store(pending_command_.seq, std::memory_order_release);
  switch (action) {
    case Pending::kNone:
      return;
    case Pending::kStop:
      running_ = false;
      pub_running_.store(false, std::memory_order_relaxed);
      pub_changes_.fetch_add(1, std::memory_order_release);
      return;
    case Pending::kPause:
      set_state(TransportState::kPaused);
      return;
    case Pending::kFileStop:
      generation_ = pending_command_.generation;
      position_ = 0;
      chunk_offset_ = 0;
      primed_ = false;
      set_state(TransportState::kStopped);
      return;
    case Pending::kSeek: {
      const bool was_playing = state_ == TransportState::kPlaying;
      generation_ = pending_command_.generation;
      position_ = std::min(pending_command_.frame, total_frames_);
      chunk_offset_ = 0;
      primed_ = false;
      if (was_playing) gain_step_ = fade_step_;  // fade back in on the new position
      set_state(state_);  // same state, new position; clears "ended"
      return;
    }
  }
}

// RT-safe. Commands that fade complete (and report their seq) in finish_pending.
void AudioEngine::apply(const EngineCommand& c) noexcept {
  using Kind = EngineCommand::Kind;
  const bool fades = c.kind == Kind::kStop || c.kind == Kind::kFilePause || c.kind == Kind::kFileStop ||
                     c.kind == Kind::kFileSeek;
  if (!fades) pub_applied_seq_.store(c.seq, std::memory_order_release);
  switch (c.kind) {
    case Kind::kSetSource:
      pending_ = Pending::kNone;
      source_ = (c.source == SourceKind::kDemo && demo_.empty()) || (c.source == SourceKind::kFile && !file_ring_)
                    ? SourceKind::kDeviceInput
                    : c.source;
      pub_source_.store(static_cast<std::uint8_t>(source_), std::memory_order_relaxed);
      generation_ = c.generation;
      total_frames_ = c.total_frames;
      position_ = 0;
      chunk_offset_ = 0;
      primed_ = false;
      gain_ = running_ ? 0.0F : gain_;
      gain_step_ = running_ ? fade_step_ : 0.0F;
      set_state(TransportState::kStopped);
      return;
    case Kind::kStart:
      if (pending_ == Pending::kStop) pending_ = Pending::kNone;
      if (!running_) {
        running_ = true;
        gain_ = 0.0F;
      }
      gain_step_ = fade_step_;
      pub_running_.store(true, std::memory_order_relaxed);
      pub_changes_.fetch_add(1, std::memory_order_release);
      return;
    case Kind::kStop:
      begin_fade_out(Pending::kStop, c);
      return;
    case Kind::kFilePlay:
      if (source_ != SourceKind::kFile) return;
      if (pending_ == Pending::kPause) pending_ = Pending::kNone;
      if (state_ != TransportState::kPlaying) {
        gain_ = 0.0F;
        set_state(TransportState::kPlaying);
      }
      gain_step_ = fade_step_;
      return;
    case Kind::kFilePause:
      if (source_ == SourceKind::kFile && state_ == TransportState::kPlaying) begin_fade_out(Pending::kPause, c);
      else pub_applied_seq_.store(c.seq, std::memory_order_release);
      return;
    case Kind::kFileStop:
      if (source_ == SourceKind::kFile) begin_fade_out(Pending::kFileStop, c);
      else pub_applied_seq_.store(c.seq, std::memory_order_release);
      return;
    case Kind::kFileSeek:
      if (source_ == SourceKind::kFile) begin_fade_out(Pending::kSeek, c);
      else pub_applied_seq_.store(c.seq, std::memory_order_release);
      return;
    case Kind::kSetMonitor:
      monitor_ = c.flag;
      pub_monitor_.store(c.flag, std::memory_order_relaxed);
      return;
  }
}

// RT-safe. Copies up to `n` frames of the current generation from the file
// ring into scratch_; returns the frames written. Discards chunks of older
// generations (stale read-ahead from before a seek or load).
std::uint32_t AudioEngine::render_file(std::uint32_t n) noexcept {
  std::uint32_t done = 0;
  while (done < n) {
    const FileChunk* chunk = file_ring_->front();
    if (chunk == nullptr) break;
    if (chunk->generation != generation_) {
      file_ring_->pop();
      chunk_offset_ = 0;
      continue;
    }
    if (!primed_) {
      // Stale chunks are gone, so everything queued belongs to this generation.
      const bool ends_soon = chunk->position + kPrimeChunks * FileChunk::kMaxFrames >= total_frames_;
      if (file_ring_->size_approx() < kPrimeChunks && !ends_soon) break;
      // The first chunk of a generation starts at its seek position.
      position_ = chunk->position;
      primed_ = true;
    }
    const std::uint32_t take = std::min(n - done, chunk->frames - chunk_offset_);
    std::memcpy(&scratch_[2 * done], &chunk->samples[2 * chunk_offset_], sizeof(float) * 2 * take);
    chunk_offset_ += take;
    done += take;
    position_ += take;
    if (chunk_offset_ == chunk->frames) {
      const bool end = chunk->end_of_file;
      file_ring_->pop();
      chunk_offset_ = 0;
      if (end) {
        // Natural end of the file: no fade (the file ends as recorded).
        pending_ = Pending::kNone;
        set_state(TransportState::kStopped, true);
        break;
      }
    }
  }
  return done;
}

// RT-safe. Fills scratch_ with `n` stereo frames of the current source.
void AudioEngine::render_source(const float* input, std::uint32_t in_channels, std::uint32_t n) noexcept {
  std::fill_n(scratch_.begin(), 2 * n, 0.0F);
  if (!audible()) return;
  switch (source_) {
    case SourceKind::kDemo:
      for (std::uint32_t i = 0; i < n; ++i) {
        scratch_[2 * i] = scratch_[2 * i + 1] = demo_[demo_pos_];
        if (++demo_pos_ == demo_.size()) demo_pos_ = 0;
      }
      break;
    case SourceKind::kDeviceInput:
      if (input != nullptr && in_channels > 0) {
        for (std::uint32_t i = 0; i < n; ++i) {
          const float* f = input + static_cast<std::size_t>(i) * in_channels;
          scratch_[2 * i] = f[0];
          scratch_[2 * i + 1] = in_channels > 1 ? f[1] : f[0];
        }
      }
      break;
    case SourceKind::kFile: {
      const std::uint32_t got = render_file(n);
      // Playing but the reader has not delivered: silence, counted once it had
      // delivered for this generation (the few ms after a seek are not an underrun).
      if (got < n && state_ == TransportState::kPlaying && primed_) underruns_.fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  apply_fade(n);
}

// RT-safe. Applies the running fade ramp to scratch_ and completes a fade-out.
void AudioEngine::apply_fade(std::uint32_t n) noexcept {
  if (gain_step_ == 0.0F && gain_ >= 1.0F) return;
  for (std::uint32_t i = 0; i < n; ++i) {
    scratch_[2 * i] *= gain_;
    scratch_[2 * i + 1] *= gain_;
    gain_ = std::clamp(gain_ + gain_step_, 0.0F, 1.0F);
    if (gain_step_ < 0.0F && gain_ <= 0.0F) {
      // Whatever follows in this sub-block is silent; the action takes effect now.
      std::fill(scratch_.begin() + 2 * (i + 1), scratch_.begin() + 2 * n, 0.0F);
      finish_pending();
      return;
    }
  }
  if (gain_ >= 1.0F && gain_step_ > 0.0F) gain_step_ = 0.0F;
}

// RT-safe. Mono mix of scratch_ into an analysis chunk, or a counted drop.
void AudioEngine::push_analysis(std::uint32_t n, std::uint64_t sample_time, std::int64_t captured_ns) noexcept {
  AudioChunk* chunk = ring_.prepare();
  if (chunk == nullptr) {
    // Analysis is behind: drop this piece; the sample clock keeps counting so
    // analysis sees the gap in the stamps instead of a time shift.
    ring_overflows_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  chunk->sample_time = sample_time;
  chunk->captured_ns = captured_ns;
  chunk->frames = n;
  chunk->sample_rate = sample_rate_;
  for (std::uint32_t i = 0; i < n; ++i) chunk->samples[i] = 0.5F * (scratch_[2 * i] + scratch_[2 * i + 1]);
  ring_.push();
}

// RT-safe: see the file comment.
void AudioEngine::process(const float* input, std::uint32_t in_channels, float* output, std::uint32_t out_channels,
                          std::uint32_t frames, std::uint32_t status) noexcept {
  RealtimeScope realtime;
  if (in_process_.exchange(true, std::memory_order_acquire)) {
    // Another clock is inside process(): only during a device hand-over.
    if (output != nullptr) std::memset(output, 0, sizeof(float) * frames * out_channels);
    rejected_callbacks_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const std::int64_t started = monotonic_ns();
  if (status & (kStatusInputOverflow | kStatusOutputUnderflow)) xruns_.fetch_add(1, std::memory_order_relaxed);

  EngineCommand command;
  while (commands_.try_pop(command)) apply(command);

  for (std::uint32_t done = 0; done < frames;) {
    const std::uint32_t n = std::min(frames - done, kBlock);
    const float* in = input != nullptr ? input + static_cast<std::size_t>(done) * in_channels : nullptr;
    render_source(in, in_channels, n);
    push_analysis(n, sample_clock_ + done, started);
    if (output != nullptr) {
      float* out = output + static_cast<std::size_t>(done) * out_channels;
      if (monitor_ && out_channels > 0) {
        for (std::uint32_t i = 0; i < n; ++i) {
          float* f = out + static_cast<std::size_t>(i) * out_channels;
          if (out_channels == 1) {
            f[0] = 0.5F * (scratch_[2 * i] + scratch_[2 * i + 1]);
          } else {
            f[0] = scratch_[2 * i];
            f[1] = scratch_[2 * i + 1];
            for (std::uint32_t c = 2; c < out_channels; ++c) f[c] = 0.0F;
          }
        }
      } else {
        std::memset(out, 0, sizeof(float) * n * out_channels);
      }
    }
    done += n;
  }

  sample_clock_ += frames;
  frames_.store(sample_clock_, std::memory_order_relaxed);
  pub_position_.store(position_, std::memory_order_relaxed);
  pub_total_.store(total_frames_, std::memory_order_relaxed);
  pub_generation_.store(generation_, std::memory_order_relaxed);
  blocks_.fetch_add(1, std::memory_order_relaxed);
  record_duration(monotonic_ns() - started);
  in_process_.store(false, std::memory_order_release);
}

AudioStats AudioEngine::stats() const noexcept {
  AudioStats s;
  s.blocks = blocks_.load(std::memory_order_relaxed);
  s.frames = frames_.load(std::memory_order_relaxed);
  s.xruns = xruns_.load(std::memory_order_relaxed);
  s.ring_overflows = ring_overflows_.load(std::memory_order_relaxed);
  s.underruns = underruns_.load(std::memory_order_relaxed);
  s.rejected_callbacks = rejected_callbacks_.load(std::memory_order_relaxed);
  s.last_callback_ns = last_ns_.load(std::memory_order_relaxed);
  s.max_callback_ns = max_ns_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < histogram_.size(); ++i) s.callback_histogram[i] = histogram_[i].load(std::memory_order_relaxed);
  return s;
}

TransportSnapshot AudioEngine::transport() const noexcept {
  TransportSnapshot t;
  t.changes = pub_changes_.load(std::memory_order_acquire);
  t.running = pub_running_.load(std::memory_order_relaxed);
  t.source = static_cast<SourceKind>(pub_source_.load(std::memory_order_relaxed));
  t.state = static_cast<TransportState>(pub_state_.load(std::memory_order_relaxed));
  t.position = pub_position_.load(std::memory_order_relaxed);
  t.total_frames = pub_total_.load(std::memory_order_relaxed);
  t.generation = pub_generation_.load(std::memory_order_relaxed);
  t.ended = pub_ended_.load(std::memory_order_relaxed);
  t.monitor = pub_monitor_.load(std::memory_order_relaxed);
  t.applied_seq = pub_applied_seq_.load(std::memory_order_acquire);
  return t;
}

}  // namespace lumina
