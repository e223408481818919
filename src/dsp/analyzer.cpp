#include "lumina/dsp/analyzer.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace lumina {
namespace {

constexpr float kSilenceDb = -120.0F;
constexpr double kAttackSeconds = 0.003;       // meters reach ~97% within one 10 ms hop
constexpr double kReleaseSeconds = 0.250;      // and fall smoothly
constexpr double kPeakReleaseSeconds = 0.600;  // peak hold decays slower than RMS

float to_db(double power_ratio) {
  return power_ratio > 1e-12 ? static_cast<float>(10.0 * std::log10(power_ratio)) : kSilenceDb;
}

// One-pole follower with separate rise/fall coefficients. RT-safe.
float follow(float current, float target, float attack, float release) {
  const float coeff = target > current ? attack : release;
  return target + coeff * (current - target);
}

void check(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

// The FFT member is built in the initializer list, so its size is checked first.
std::size_t validated_fft_size(std::uint32_t fft_size) {
  check(std::has_single_bit(fft_size) && fft_size >= 256 && fft_size <= 8192,
        "fftSize must be a power of two in 256..8192, got " + std::to_string(fft_size));
  return fft_size;
}

}  // namespace

float db_to_meter(float db, float floor_db) noexcept {
  if (!(floor_db < 0.0F)) return db >= 0.0F ? 1.0F : 0.0F;
  return std::clamp((db - floor_db) / -floor_db, 0.0F, 1.0F);
}

Analyzer::Analyzer(const AnalyzerParams& params, FrameSink sink)
    : params_(params), sink_(std::move(sink)), fft_(validated_fft_size(params.fft_size)) {
  check(params.sample_rate >= 8000, "sampleRate must be at least 8000, got " + std::to_string(params.sample_rate));
  check(params.hop >= 16 && params.hop <= params.fft_size,
        "hop must be in 16..fftSize (" + std::to_string(params.fft_size) + "), got " + std::to_string(params.hop));
  check(params.bands >= 1 && params.bands <= AnalysisFrame::kMaxBands,
        "bands must be in 1.." + std::to_string(AnalysisFrame::kMaxBands) + ", got " + std::to_string(params.bands));
  check(params.analysis_gain >= 0.1, "analysisGain must be >= 0.1");
  check(params.gate_rms >= 0.0, "gateRms must be >= 0");

  const std::size_t n = params.fft_size;
  window_.resize(n);
  double sum_w2 = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    // Periodic Hann: its shifted copies at 50/75% overlap sum to a constant.
    const double w = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n));
    window_[i] = static_cast<float>(w);
    sum_w2 += w * w;
  }
  window_power_ = static_cast<double>(n) * sum_w2;
  history_.assign(n, 0.0F);
  layout_ = make_band_layout(params.bands, n, params.sample_rate, params.band_scale);

  const double hop_seconds = static_cast<double>(params.hop) / params.sample_rate;
  attack_ = static_cast<float>(std::exp(-hop_seconds / kAttackSeconds));
  release_ = static_cast<float>(std::exp(-hop_seconds / kReleaseSeconds));
  peak_release_ = static_cast<float>(std::exp(-hop_seconds / kPeakReleaseSeconds));
  smoothed_.sample_rate = params.sample_rate;
  smoothed_.band_count = params.bands;
}

void Analyzer::feed(const float* samples, std::size_t count, std::uint64_t sample_time, std::int64_t captured_ns) {
  if (started_ && sample_time != expected_time_) ++gaps_;
  started_ = true;
  expected_time_ = sample_time + count;

  const float gain = static_cast<float>(params_.analysis_gain);
  const std::size_t n = history_.size();
  for (std::size_t i = 0; i < count; ++i) {
    const float x = samples[i] * gain;
    history_[write_pos_] = x;
    write_pos_ = (write_pos_ + 1) & (n - 1);
    hop_sum_squares_ += static_cast<double>(x) * x;
    hop_peak_ = std::max(hop_peak_, std::fabs(x));
    if (++hop_fill_ == params_.hop) finish_hop(sample_time + i + 1, captured_ns);
  }
}

void Analyzer::finish_hop(std::uint64_t end_time, std::int64_t captured_ns) {
  const std::size_t n = history_.size();
  const double mean_square = hop_sum_squares_ / params_.hop;
  const bool gated = std::sqrt(mean_square) < params_.gate_rms;

  AnalysisFrame& f = smoothed_;
  f.sample_time = end_time;
  f.captured_ns = captured_ns;
  f.band_count = params_.bands;
  // Full-scale sine reads 0 dBFS for both RMS (AES17: +3 dB) and peak.
  f.rms_db = gated ? kSilenceDb : to_db(mean_square * 2.0);
  f.peak_db = gated ? kSilenceDb : to_db(static_cast<double>(hop_peak_) * hop_peak_);

  const float floor_db = static_cast<float>(params_.meter_floor_db);
  f.rms = follow(f.rms, db_to_meter(f.rms_db, floor_db), attack_, release_);
  const float peak_now = db_to_meter(f.peak_db, floor_db);
  f.peak = peak_now > f.peak ? peak_now : peak_now + peak_release_ * (f.peak - peak_now);
  f.energy = f.rms;

  // Oldest sample first: write_pos_ points at the oldest entry of the circular history.
  auto in = fft_.input();
  for (std::size_t i = 0; i < n; ++i) in[i] = history_[(write_pos_ + i) & (n - 1)] * window_[i];
  fft_.execute();
  const auto spectrum = fft_.spectrum();
  for (std::uint32_t b = 0; b < params_.bands; ++b) {
    float target = 0.0F;
    if (!gated) {
      double sum = 0.0;
      for (std::size_t k = layout_[b].first; k < layout_[b].last; ++k) sum += std::norm(spectrum[k]);
      // Band mean power relative to a full-scale sine's (0.5): 0 dBFS for a full-scale tone in band.
      const double power = 2.0 * sum / window_power_;
      target = db_to_meter(to_db(power / 0.5), floor_db);
    }
    f.bands[b] = follow(f.bands[b], target, attack_, release_);
  }

  hop_fill_ = 0;
  hop_sum_squares_ = 0.0;
  hop_peak_ = 0.0F;
  if (sink_) sink_(f);
}

}  // namespace lumina
