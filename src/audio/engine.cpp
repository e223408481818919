// The realtime callback body. Everything in this file runs on the audio
// thread: no allocation, no locks, no syscalls (clock_gettime is vDSO), no
// logging, no waiting. Problems are counted; normal threads report them.
#include "lumina/audio/engine.hpp"

#include <algorithm>
#include <cstring>

#include "lumina/core/clock.hpp"
#include "lumina/core/realtime.hpp"

namespace lumina {

AudioEngine::AudioEngine(AudioChunkRing& ring) : ring_(ring) {}

void AudioEngine::prepare(std::uint32_t sample_rate) { sample_rate_ = sample_rate; }

void AudioEngine::set_source(SourceKind kind, std::span<const float> demo) {
  source_ = kind;
  demo_ = demo;
  demo_pos_ = 0;
  if (kind == SourceKind::kDemo && demo_.empty()) source_ = SourceKind::kDeviceInput;
}

// RT-safe: a few relaxed atomic updates.
void AudioEngine::record_duration(std::int64_t ns) noexcept {
  last_ns_.store(ns, std::memory_order_relaxed);
  if (ns > max_ns_.load(std::memory_order_relaxed)) max_ns_.store(ns, std::memory_order_relaxed);
  const auto us = static_cast<std::uint64_t>(ns / 1000);
  std::size_t bucket = 0;
  while (bucket < kCallbackBucketsUs.size() && us >= kCallbackBucketsUs[bucket]) ++bucket;
  histogram_[bucket].fetch_add(1, std::memory_order_relaxed);
}

// RT-safe: see the file comment.
void AudioEngine::process(const float* input, std::uint32_t in_channels, float* output, std::uint32_t out_channels,
                          std::uint32_t frames, std::uint32_t status) noexcept {
  RealtimeScope realtime;
  const std::int64_t started = monotonic_ns();
  if (status & (kStatusInputOverflow | kStatusOutputUnderflow)) xruns_.fetch_add(1, std::memory_order_relaxed);

  // Mono mix of the source, written straight into ring chunks (≤ kMaxFrames each).
  std::uint32_t done = 0;
  while (done < frames) {
    const std::uint32_t n = std::min(frames - done, AudioChunk::kMaxFrames);
    AudioChunk* chunk = ring_.prepare();
    if (chunk == nullptr) {
      // Analysis is behind: drop this piece; the sample clock keeps counting so
      // analysis sees the gap in the stamps instead of a time shift.
      ring_overflows_.fetch_add(1, std::memory_order_relaxed);
      if (source_ == SourceKind::kDemo) demo_pos_ = (demo_pos_ + n) % demo_.size();
    } else {
      chunk->sample_time = sample_clock_ + done;
      chunk->captured_ns = started;
      chunk->frames = n;
      chunk->sample_rate = sample_rate_;
      float* dst = chunk->samples.data();
      if (source_ == SourceKind::kDemo) {
        for (std::uint32_t i = 0; i < n; ++i) {
          dst[i] = demo_[demo_pos_];
          if (++demo_pos_ == demo_.size()) demo_pos_ = 0;
        }
      } else if (input != nullptr && in_channels > 0) {
        const float scale = 1.0F / static_cast<float>(in_channels);
        const float* src = input + static_cast<std::size_t>(done) * in_channels;
        for (std::uint32_t i = 0; i < n; ++i) {
          float sum = 0.0F;
          for (std::uint32_t c = 0; c < in_channels; ++c) sum += src[i * in_channels + c];
          dst[i] = sum * scale;
        }
      } else {
        std::fill_n(dst, n, 0.0F);
      }
      ring_.push();
    }
    done += n;
  }

  // No monitor path yet: the output (when the backend has one) carries silence.
  if (output != nullptr) std::memset(output, 0, sizeof(float) * frames * out_channels);

  sample_clock_ += frames;
  frames_.store(sample_clock_, std::memory_order_relaxed);
  blocks_.fetch_add(1, std::memory_order_relaxed);
  record_duration(monotonic_ns() - started);
}

AudioStats AudioEngine::stats() const noexcept {
  AudioStats s;
  s.blocks = blocks_.load(std::memory_order_relaxed);
  s.frames = frames_.load(std::memory_order_relaxed);
  s.xruns = xruns_.load(std::memory_order_relaxed);
  s.ring_overflows = ring_overflows_.load(std::memory_order_relaxed);
  s.last_callback_ns = last_ns_.load(std::memory_order_relaxed);
  s.max_callback_ns = max_ns_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < histogram_.size(); ++i) s.callback_histogram[i] = histogram_[i].load(std::memory_order_relaxed);
  return s;
}

}  // namespace lumina
