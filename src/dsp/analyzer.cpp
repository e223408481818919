#include "lumina/dsp/analyzer.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <stdexcept>
#include <string>

namespace lumina {
namespace {

constexpr float kSilenceDb = -120.0F;
constexpr double kAttackSeconds = 0.003;       // meters reach ~97% within one 10 ms hop
constexpr double kReleaseSeconds = 0.250;      // and fall smoothly
constexpr double kPeakReleaseSeconds = 0.600;  // peak hold decays slower than RMS
// The beat tracker treats the input as silent below this (dBFS, sine = 0 dB)
// for longer than kAudibleHoldSeconds (gaps between sparse hits are not silence).
constexpr double kAudibleDb = -60.0;
constexpr double kAudibleHoldSeconds = 0.75;

float to_db(double power_ratio) {
  return power_ratio > 1e-12 ? static_cast<float>(10.0 * std::log10(power_ratio)) : kSilenceDb;
}

// One-pole follower with separate rise/fall coefficients. RT-safe.
float follow(float current, float target, float attack, float release) {
  const float coeff = target > current ? attack : release;
  return target + coeff * (current - target);
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// The FFT member is built in the initializer list, so the parameters are checked first.
std::size_t validated_fft_size(const AnalyzerParams& params) {
  if (auto error = validate_analyzer_params(params)) throw std::invalid_argument(*error);
  return params.fft_size;
}

}  // namespace

std::optional<std::string> validate_analyzer_params(const AnalyzerParams& p) {
  if (p.sample_rate < 8000 || p.sample_rate > 384000) {
    return "sampleRate must be in 8000..384000, got " + std::to_string(p.sample_rate);
  }
  if (!std::has_single_bit(p.fft_size) || p.fft_size < 256 || p.fft_size > 8192) {
    return "fftSize must be a power of two in 256..8192, got " + std::to_string(p.fft_size);
  }
  if (p.hop < 64 || p.hop > p.fft_size) {
    return "hop must be in 64..fftSize (" + std::to_string(p.fft_size) + "), got " + std::to_string(p.hop);
  }
  if (p.bands < 1 || p.bands > AnalysisFrame::kMaxBands) {
    return "bands must be in 1.." + std::to_string(AnalysisFrame::kMaxBands) + ", got " + std::to_string(p.bands);
  }
  // Negated comparisons so NaN is rejected too.
  if (!(p.analysis_gain >= 0.1 && p.analysis_gain <= 1000.0)) {
    return "analysisGain must be in 0.1..1000, got " + number(p.analysis_gain);
  }
  if (!(p.gate_rms >= 0.0 && p.gate_rms <= 1.0)) return "gateRms must be in 0..1, got " + number(p.gate_rms);
  if (!(p.meter_floor_db >= -120.0 && p.meter_floor_db <= -6.0)) {
    return "meterFloorDb must be in -120..-6, got " + number(p.meter_floor_db);
  }
  if (!(p.auto_gain_target_db >= -60.0 && p.auto_gain_target_db <= 0.0)) {
    return "autoGainTargetDb must be in -60..0, got " + number(p.auto_gain_target_db);
  }
  if (!(p.auto_gain_max_db >= 0.0 && p.auto_gain_max_db <= 60.0)) {
    return "autoGainMaxDb must be in 0..60, got " + number(p.auto_gain_max_db);
  }
  return std::nullopt;
}

float db_to_meter(float db, float floor_db) noexcept {
  if (!(floor_db < 0.0F)) return db >= 0.0F ? 1.0F : 0.0F;
  return std::clamp((db - floor_db) / -floor_db, 0.0F, 1.0F);
}

Analyzer::Analyzer(const AnalyzerParams& params, FrameSink sink)
    : params_(params), sink_(std::move(sink)), fft_(validated_fft_size(params)) {
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
  AutoGainSettings agc;
  agc.target_db = params.auto_gain_target_db;
  agc.max_db = params.auto_gain_max_db;
  auto_gain_ = AutoGain(agc, hop_seconds);

  onsets_ = std::make_unique<OnsetDetector>(params.sample_rate);
  beats_ = std::make_unique<BeatTracker>(onsets_->frame_rate(), onsets_->hop(), onsets_->odf_delay_frames());
  audible_hold_frames_ = static_cast<std::uint32_t>(std::lround(kAudibleHoldSeconds * onsets_->frame_rate()));
}

Analyzer::~Analyzer() = default;

void Analyzer::feed(const float* samples, std::size_t count, std::uint64_t sample_time, std::int64_t captured_ns) {
  if (started_ && sample_time != expected_time_) ++gaps_;
  started_ = true;
  expected_time_ = sample_time + count;

  const float gain = static_cast<float>(params_.analysis_gain);
  const std::size_t n = history_.size();
  const std::uint32_t sub_hop = onsets_->hop();
  for (std::size_t i = 0; i < count; ++i) {
    const float x = samples[i] * gain;
    const std::uint64_t end = sample_time + i + 1;
    history_[write_pos_] = x;
    write_pos_ = (write_pos_ + 1) & (n - 1);
    const double x2 = static_cast<double>(x) * x;
    hop_sum_squares_ += x2;
    sub_sum_squares_ += x2;
    hop_peak_ = std::max(hop_peak_, std::fabs(x));
    if (onsets_->push(x, end)) {
      // Audible unless below the silence level (or the user's gate) for a while.
      const double rms = std::sqrt(sub_sum_squares_ / sub_hop);
      const bool loud = to_db(rms * rms * 2.0) > kAudibleDb && rms >= params_.gate_rms;
      audible_hold_ = loud ? audible_hold_frames_ : (audible_hold_ > 0 ? audible_hold_ - 1 : 0);
      sub_sum_squares_ = 0.0;
      on_onset_frame(onsets_->result());
    }
    if (++hop_fill_ == params_.hop) finish_hop(end, captured_ns);
  }
}

void Analyzer::on_onset_frame(const OnsetResult& r) noexcept {
  AnalysisFrame& f = smoothed_;
  const bool audible = audible_hold_ > 0;
  if (r.onset && audible) {
    hop_onset_ = true;
    ++f.onset_count;
    f.last_onset_time = r.end_time;
  }
  if (audible) {
    if (r.band_onset[static_cast<std::size_t>(OnsetBand::kLow)]) ++f.kick_count;
    if (r.band_onset[static_cast<std::size_t>(OnsetBand::kMid)]) ++f.snare_count;
    if (r.band_onset[static_cast<std::size_t>(OnsetBand::kHigh)]) ++f.hihat_count;
    hop_strength_ = std::max(hop_strength_, r.strength);
    for (std::size_t b = 0; b < kOnsetBandCount; ++b) hop_band_[b] = std::max(hop_band_[b], r.band_intensity[b]);
  }
  BeatNovelty novelty;
  if (audible) {
    novelty.onset = r.novelty;
    novelty.low = r.band_novelty[static_cast<std::size_t>(OnsetBand::kLow)];
    novelty.mid = r.band_novelty[static_cast<std::size_t>(OnsetBand::kMid)];
    novelty.onset_detected = r.onset;
  }
  if (beats_->update(novelty, r.end_time, audible) && pending_count_ < pending_beats_.size()) {
    pending_beats_[pending_count_++] = beats_->beat_time();
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
  const float gain_db = params_.auto_gain ? auto_gain_.update(f.rms_db) : 0.0F;
  f.auto_gain_db = gain_db;

  const float floor_db = static_cast<float>(params_.meter_floor_db);
  f.rms = follow(f.rms, db_to_meter(f.rms_db + gain_db, floor_db), attack_, release_);
  const float peak_now = db_to_meter(f.peak_db + gain_db, floor_db);
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
      target = db_to_meter(to_db(power / 0.5) + gain_db, floor_db);
    }
    f.bands[b] = follow(f.bands[b], target, attack_, release_);
  }

  // Events of the sub-hops that ended inside this hop.
  f.onset = hop_onset_;
  f.onset_strength = hop_strength_;
  f.kick = hop_band_[static_cast<std::size_t>(OnsetBand::kLow)];
  f.snare = hop_band_[static_cast<std::size_t>(OnsetBand::kMid)];
  f.hihat = hop_band_[static_cast<std::size_t>(OnsetBand::kHigh)];
  hop_onset_ = false;
  hop_strength_ = 0.0F;
  hop_band_ = {};
  // A beat is reported in the frame whose hop contains its predicted time.
  f.beat = false;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < pending_count_; ++i) {
    if (pending_beats_[i] < end_time) {
      f.beat = true;
      ++f.beat_count;
      f.last_beat_time = pending_beats_[i];
    } else {
      pending_beats_[kept++] = pending_beats_[i];
    }
  }
  pending_count_ = kept;
  f.bpm = beats_->bpm();
  f.bpm_confidence = beats_->confidence();
  f.beat_phase = beats_->phase(end_time);
  f.next_beat_time = beats_->next_beat_time();

  hop_fill_ = 0;
  hop_sum_squares_ = 0.0;
  hop_peak_ = 0.0F;
  if (sink_) sink_(f);
}

void Analyzer::adopt(Analyzer& previous) noexcept {
  // Audio history, newest samples last, so the first FFT after the swap is full.
  const std::size_t n = history_.size(), m = previous.history_.size();
  const std::size_t keep = std::min(n, m);
  for (std::size_t i = 0; i < keep; ++i) {
    const std::size_t from = (previous.write_pos_ + m - keep + i) & (m - 1);
    history_[(n - keep + i) & (n - 1)] = previous.history_[from];
  }
  write_pos_ = 0;
  hop_fill_ = 0;
  hop_sum_squares_ = 0.0;
  hop_peak_ = 0.0F;
  started_ = previous.started_;
  expected_time_ = previous.expected_time_;
  gaps_ = previous.gaps_;

  // Meters continue from where they were; bands only when they mean the same.
  const AnalysisFrame& old = previous.smoothed_;
  AnalysisFrame& f = smoothed_;
  f.rms = old.rms;
  f.peak = old.peak;
  f.energy = old.energy;
  const bool same_bands = params_.bands == previous.params_.bands &&
                          params_.band_scale == previous.params_.band_scale &&
                          params_.sample_rate == previous.params_.sample_rate;
  if (same_bands) f.bands = old.bands;
  if (params_.auto_gain_target_db == previous.params_.auto_gain_target_db &&
      params_.auto_gain_max_db == previous.params_.auto_gain_max_db) {
    auto_gain_ = previous.auto_gain_;
  }
  // Event counters only ever increase.
  f.onset_count = old.onset_count;
  f.beat_count = old.beat_count;
  f.kick_count = old.kick_count;
  f.snare_count = old.snare_count;
  f.hihat_count = old.hihat_count;
  f.last_onset_time = old.last_onset_time;
  f.last_beat_time = old.last_beat_time;
  f.kick = old.kick;
  f.snare = old.snare;
  f.hihat = old.hihat;
  if (params_.sample_rate == previous.params_.sample_rate) {
    onsets_.swap(previous.onsets_);
    beats_.swap(previous.beats_);
    sub_sum_squares_ = previous.sub_sum_squares_;
    audible_hold_ = previous.audible_hold_;
    hop_onset_ = previous.hop_onset_;
    hop_strength_ = previous.hop_strength_;
    hop_band_ = previous.hop_band_;
    pending_beats_ = previous.pending_beats_;
    pending_count_ = previous.pending_count_;
    f.bpm = old.bpm;
    f.bpm_confidence = old.bpm_confidence;
    f.beat_phase = old.beat_phase;
    f.next_beat_time = old.next_beat_time;
  }
}

}  // namespace lumina
