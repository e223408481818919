#include "lumina/classify/features.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace lumina {
namespace {

constexpr double kLowHz = 50.0;
constexpr double kHighHz = 8000.0;
constexpr float kFloorDb = -120.0F;
constexpr double kTiny = 1e-12;
constexpr std::array<double, kModulationRates> kModulationHz{1.0, 2.0, 4.0, 6.0, 8.0};
// A frame this far below the window's loud frames counts as a pause.
constexpr float kPauseBelowDb = 20.0F;

double hz_to_mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double mel_to_hz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

float to_db(double power) { return std::max(kFloorDb, static_cast<float>(10.0 * std::log10(power + kTiny))); }

// Layout of FeatureVector (after the 2 × kMelBands mel statistics).
enum Scalar : std::size_t {
  kLevelStd,
  kLevelP90,
  kLevelRange,
  kPauseRatio,
  kCorrelation,
  kCentroidMean,
  kCentroidStd,
  kFlatnessMean,
  kFlatnessStd,
  kFluxMean,
  kFluxStd,
  kCrestMean,
  kCrestStd,
  kRolloffMean,
  kOnsetRate,
  kModulation0,
  kScalarCount = kModulation0 + kModulationRates,
};
static_assert(2 * kMelBands + kScalarCount == kFeatureCount);

constexpr std::array<std::string_view, kScalarCount> kScalarNames{
    "levelStd",  "levelP90", "levelRange", "pauseRatio", "melCorrelation", "centroidMean", "centroidStd",
    "flatMean",  "flatStd",  "fluxMean",   "fluxStd",    "crestMean",      "crestStd",     "rolloffMean",
    "onsetRate", "mod1Hz",   "mod2Hz",     "mod4Hz",     "mod6Hz",         "mod8Hz"};

template <typename Get>
void mean_std(std::size_t n, Get get, float& mean, float& stddev) {
  double sum = 0.0, sq = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = get(i);
    sum += v;
    sq += v * v;
  }
  const double m = sum / static_cast<double>(n);
  mean = static_cast<float>(m);
  stddev = static_cast<float>(std::sqrt(std::max(0.0, sq / static_cast<double>(n) - m * m)));
}

// The rate, or std::invalid_argument before anything is sized from it.
std::uint32_t checked_rate(std::uint32_t sample_rate) {
  if (sample_rate < 16000 || sample_rate > 192000) {
    throw std::invalid_argument("classifier: sample rate " + std::to_string(sample_rate) +
                                " Hz is outside 16000..192000");
  }
  return sample_rate;
}

}  // namespace

std::string_view feature_name(std::size_t index) noexcept {
  static const auto names = [] {
    std::array<std::string, kFeatureCount> n;
    for (std::size_t b = 0; b < kMelBands; ++b) {
      n[b] = "melShape" + std::to_string(b);
      n[kMelBands + b] = "melStd" + std::to_string(b);
    }
    for (std::size_t s = 0; s < kScalarCount; ++s) n[2 * kMelBands + s] = std::string(kScalarNames[s]);
    return n;
  }();
  return index < kFeatureCount ? std::string_view(names[index]) : std::string_view("?");
}

FeatureExtractor::FeatureExtractor(std::uint32_t sample_rate)
    : sample_rate_(checked_rate(sample_rate)),
      // ≈ 21 ms frames: 1024 at 44.1/48 kHz, scaled by powers of two elsewhere.
      frame_size_(std::bit_ceil(static_cast<std::size_t>(sample_rate_ / 48))),
      frame_hop_(frame_size_ / 2),
      lo_bin_(0),
      hi_bin_(0),
      frames_per_window_(0),
      frames_per_step_(0),
      fft_(frame_size_) {
  const double bin_hz = static_cast<double>(sample_rate) / static_cast<double>(frame_size_);
  const std::size_t bins = frame_size_ / 2 + 1;
  lo_bin_ = static_cast<std::size_t>(std::ceil(kLowHz / bin_hz));
  hi_bin_ = std::min(bins - 1, static_cast<std::size_t>(std::floor(kHighHz / bin_hz)));
  const double frame_rate = static_cast<double>(sample_rate) / static_cast<double>(frame_hop_);
  frames_per_window_ = static_cast<std::size_t>(std::lround(frame_rate));  // ≈ 1 s
  frames_per_step_ = frames_per_window_ / 2;                                // ≈ 0.5 s

  hann_.resize(frame_size_);
  for (std::size_t i = 0; i < frame_size_; ++i) {
    hann_[i] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) /
                                                       static_cast<double>(frame_size_)));
  }
  frame_buf_.assign(frame_size_, 0.0F);
  power_.assign(bins, 0.0F);
  // Triangular mel filters, each normalised to unit weight so a band reads
  // as average power (comparable across bands).
  mel_weights_.assign(kMelBands * bins, 0.0F);
  const double mel_lo = hz_to_mel(kLowHz), mel_hi = hz_to_mel(kHighHz);
  std::array<double, kMelBands + 2> edges{};
  for (std::size_t i = 0; i < edges.size(); ++i) {
    edges[i] = mel_to_hz(mel_lo + (mel_hi - mel_lo) * static_cast<double>(i) / static_cast<double>(kMelBands + 1));
  }
  for (std::size_t b = 0; b < kMelBands; ++b) {
    double total = 0.0;
    for (std::size_t k = lo_bin_; k <= hi_bin_; ++k) {
      const double f = static_cast<double>(k) * bin_hz;
      double w = 0.0;
      if (f > edges[b] && f <= edges[b + 1]) w = (f - edges[b]) / (edges[b + 1] - edges[b]);
      else if (f > edges[b + 1] && f < edges[b + 2]) w = (edges[b + 2] - f) / (edges[b + 2] - edges[b + 1]);
      mel_weights_[b * bins + k] = static_cast<float>(w);
      total += w;
    }
    if (total <= 0.0) {  // narrow low band between bins: take the nearest bin
      const auto k = std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(edges[b + 1] / bin_hz)), lo_bin_, hi_bin_);
      mel_weights_[b * bins + k] = 1.0F;
      total = 1.0;
    }
    for (std::size_t k = lo_bin_; k <= hi_bin_; ++k) mel_weights_[b * bins + k] /= static_cast<float>(total);
  }
  ring_.resize(frames_per_window_);
  scratch_.resize(frames_per_window_);
}

double FeatureExtractor::window_step_seconds() const noexcept {
  return static_cast<double>(frames_per_step_ * frame_hop_) / sample_rate_;
}
double FeatureExtractor::window_seconds() const noexcept {
  return static_cast<double>(frames_per_window_ * frame_hop_) / sample_rate_;
}

void FeatureExtractor::reset() noexcept {
  fill_ = 0;
  ring_pos_ = 0;
  frames_seen_ = 0;
  since_window_ = 0;
}

bool FeatureExtractor::analyse_frame() noexcept {
  compute_frame(ring_[ring_pos_]);
  ring_pos_ = (ring_pos_ + 1) % frames_per_window_;
  ++frames_seen_;
  // Keep the second half of the frame: frames overlap by 50 %.
  std::copy(frame_buf_.begin() + static_cast<std::ptrdiff_t>(frame_hop_), frame_buf_.end(), frame_buf_.begin());
  fill_ = frame_size_ - frame_hop_;
  if (frames_seen_ < frames_per_window_) return false;
  if (++since_window_ < frames_per_step_ && frames_seen_ > frames_per_window_) return false;
  since_window_ = 0;
  compute_window();
  return true;
}

void FeatureExtractor::compute_frame(FrameStats& out) noexcept {
  double sq = 0.0;
  auto in = fft_.input();
  for (std::size_t i = 0; i < frame_size_; ++i) {
    sq += static_cast<double>(frame_buf_[i]) * frame_buf_[i];
    in[i] = frame_buf_[i] * hann_[i];
  }
  fft_.execute();
  const auto spectrum = fft_.spectrum();
  // Scaled so a full-scale sine's bin reads ≈ 1 (constant offsets cancel in standardisation anyway).
  const double scale = 4.0 / (static_cast<double>(frame_size_) * static_cast<double>(frame_size_));
  const std::size_t bins = spectrum.size();
  double total = 0.0, weighted = 0.0, log_sum = 0.0, max_power = 0.0;
  for (std::size_t k = lo_bin_; k <= hi_bin_; ++k) {
    const double p = std::norm(spectrum[k]) * scale;
    power_[k] = static_cast<float>(p);
    total += p;
    weighted += p * static_cast<double>(k);
    log_sum += std::log(p + kTiny);
    max_power = std::max(max_power, p);
  }
  const double n_bins = static_cast<double>(hi_bin_ - lo_bin_ + 1);
  const double bin_hz = static_cast<double>(sample_rate_) / static_cast<double>(frame_size_);
  const double mean_power = total / n_bins;
  out.level_db = std::max(kFloorDb, static_cast<float>(10.0 * std::log10(sq / static_cast<double>(frame_size_) + kTiny)));
  out.centroid = total > kTiny ? static_cast<float>(weighted / total * bin_hz / kHighHz) : 0.0F;
  out.flatness = static_cast<float>(std::exp(log_sum / n_bins) / (mean_power + kTiny));
  out.crest = mean_power > kTiny ? static_cast<float>(10.0 * std::log10(max_power / mean_power)) : 0.0F;
  double cumulative = 0.0;
  out.rolloff = 0.0F;
  if (total > kTiny) {
    for (std::size_t k = lo_bin_; k <= hi_bin_; ++k) {
      cumulative += power_[k];
      if (cumulative >= 0.85 * total) {
        out.rolloff = static_cast<float>(static_cast<double>(k) * bin_hz / kHighHz);
        break;
      }
    }
  }
  double flux = 0.0;
  for (std::size_t b = 0; b < kMelBands; ++b) {
    const float* w = mel_weights_.data() + b * bins;
    double band = 0.0;
    for (std::size_t k = lo_bin_; k <= hi_bin_; ++k) band += static_cast<double>(w[k]) * power_[k];
    out.mel[b] = to_db(band);
    if (frames_seen_ > 0) flux += std::max(0.0F, out.mel[b] - prev_mel_[b]);
  }
  out.flux = static_cast<float>(flux / kMelBands);
  prev_mel_ = out.mel;
}

void FeatureExtractor::compute_window() noexcept {
  const std::size_t n = frames_per_window_;
  // Chronological access: ring_pos_ is the oldest frame.
  auto frame = [&](std::size_t t) -> const FrameStats& { return ring_[(ring_pos_ + t) % n]; };
  float* const shape = window_.data();
  float* const spread = window_.data() + kMelBands;
  float* const scalar = window_.data() + 2 * kMelBands;

  double overall = 0.0;
  for (std::size_t b = 0; b < kMelBands; ++b) {
    mean_std(n, [&](std::size_t t) { return frame(t).mel[b]; }, shape[b], spread[b]);
    overall += shape[b];
  }
  const auto overall_mean = static_cast<float>(overall / kMelBands);
  for (std::size_t b = 0; b < kMelBands; ++b) shape[b] -= overall_mean;  // spectral shape, level removed

  float level_mean = 0.0F;
  mean_std(n, [&](std::size_t t) { return frame(t).level_db; }, level_mean, scalar[kLevelStd]);
  for (std::size_t t = 0; t < n; ++t) scratch_[t] = frame(t).level_db;
  std::sort(scratch_.begin(), scratch_.end());
  const float p90 = scratch_[n * 9 / 10];
  const float p10 = scratch_[n / 10];
  scalar[kLevelP90] = p90;
  scalar[kLevelRange] = p90 - p10;
  std::size_t pauses = 0;
  for (std::size_t t = 0; t < n; ++t) pauses += frame(t).level_db < p90 - kPauseBelowDb ? 1 : 0;
  scalar[kPauseRatio] = static_cast<float>(pauses) / static_cast<float>(n);

  // Mean Pearson correlation of consecutive mel frames: high for steady
  // spectra (sustained notes, stationary noise), lower for speech.
  double correlation = 0.0;
  for (std::size_t t = 1; t < n; ++t) {
    const auto& a = frame(t - 1).mel;
    const auto& c = frame(t).mel;
    double ma = 0, mc = 0;
    for (std::size_t b = 0; b < kMelBands; ++b) {
      ma += a[b];
      mc += c[b];
    }
    ma /= kMelBands;
    mc /= kMelBands;
    double cov = 0, va = 0, vc = 0;
    for (std::size_t b = 0; b < kMelBands; ++b) {
      cov += (a[b] - ma) * (c[b] - mc);
      va += (a[b] - ma) * (a[b] - ma);
      vc += (c[b] - mc) * (c[b] - mc);
    }
    correlation += (va > 1e-6 && vc > 1e-6) ? cov / std::sqrt(va * vc) : 1.0;
  }
  scalar[kCorrelation] = static_cast<float>(correlation / static_cast<double>(n - 1));

  mean_std(n, [&](std::size_t t) { return frame(t).centroid; }, scalar[kCentroidMean], scalar[kCentroidStd]);
  mean_std(n, [&](std::size_t t) { return frame(t).flatness; }, scalar[kFlatnessMean], scalar[kFlatnessStd]);
  mean_std(n, [&](std::size_t t) { return frame(t).flux; }, scalar[kFluxMean], scalar[kFluxStd]);
  mean_std(n, [&](std::size_t t) { return frame(t).crest; }, scalar[kCrestMean], scalar[kCrestStd]);
  float rolloff_std = 0.0F;
  mean_std(n, [&](std::size_t t) { return frame(t).rolloff; }, scalar[kRolloffMean], rolloff_std);

  // Onsets: local peaks of the flux clearly above its typical value.
  const float threshold = std::max(2.0F, scalar[kFluxMean] + scalar[kFluxStd]);
  std::size_t onsets = 0;
  for (std::size_t t = 1; t + 1 < n; ++t) {
    const float f = frame(t).flux;
    if (f > threshold && f > frame(t - 1).flux && f >= frame(t + 1).flux) ++onsets;
  }
  scalar[kOnsetRate] = static_cast<float>(static_cast<double>(onsets) / window_seconds());

  // Modulation spectrum of the level envelope: share of its variance at each rate.
  double variance = 0.0;
  for (std::size_t t = 0; t < n; ++t) {
    scratch_[t] = frame(t).level_db - level_mean;
    variance += static_cast<double>(scratch_[t]) * scratch_[t];
  }
  const double frame_rate = static_cast<double>(sample_rate_) / static_cast<double>(frame_hop_);
  for (std::size_t m = 0; m < kModulationRates; ++m) {
    double re = 0.0, im = 0.0;
    const double w = 2.0 * std::numbers::pi * kModulationHz[m] / frame_rate;
    for (std::size_t t = 0; t < n; ++t) {
      re += scratch_[t] * std::cos(w * static_cast<double>(t));
      im -= scratch_[t] * std::sin(w * static_cast<double>(t));
    }
    scalar[kModulation0 + m] =
        variance > 1e-6 ? static_cast<float>((re * re + im * im) / (variance * static_cast<double>(n) / 2.0)) : 0.0F;
  }
}

}  // namespace lumina
