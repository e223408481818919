#include "lumina/dsp/onset_detector.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>

namespace lumina {
namespace {

constexpr double kWindowSeconds = 0.0213;  // ≈ 1024 samples at 48 kHz
constexpr std::uint32_t kHopDivisor = 8;   // sub-hop = window / 8
constexpr double kBandsPerOctave = 6.0;
constexpr double kFilterLowHz = 30.0;
constexpr double kFilterHighHz = 22000.0;  // cymbals and hats reach far above 16 kHz
// log(1 + γ|X|): γ = 1000 puts the knee at -60 dBFS, so the flux of anything
// clearly audible is a ratio (level-independent) and hiss below it adds little.
constexpr float kCompression = 1000.0F;
// The flux compares each band with its maximum over the 20 ms before the
// last kLag sub-hops, not with one past spectrum. Sustained harmonic sound
// (a bass note, a chord of detuned saws) puts several partials in one bin
// of a 21 ms window; they beat, and the bin's magnitude flutters at the
// bass's fundamental (30-100 Hz) or the detuning. Against a single past
// spectrum every upswing of that flutter was flux: onsets everywhere and a
// novelty periodic at the flutter, which the beat tracker then followed
// (beat F 0.33 with a bass under the drums). A rise above everything of
// the last 20 ms is an attack; a flutter faster than 50 Hz never rises
// above its own recent peaks. Two real attacks 20 ms apart are one onset anyway.
constexpr double kReferenceHoldSeconds = 0.020;
constexpr double kMinIntervalSeconds = 0.050;  // faster than 16ths at 180 BPM is a flam, not two onsets
constexpr double kMedianSeconds = 0.25;
constexpr double kPeakDecaySeconds = 3.0;  // onset strength normalises to the last few seconds
constexpr double kIntensityReleaseSeconds = 0.12;
// Below these the detection functions are never normalised up (silence and hiss stay 0).
constexpr float kFullPeakFloor = 1.0F;
constexpr float kBandPeakFloor = 2.0F;
// The full-band flux is a mean over all ~50 bands, so a hit that rises in a
// few of them only (a recorded kick with no beater click, a palm-muted
// guitar) peaks at 0.03-0.07. 0.045 catches those and still keeps pink
// noise under a drone silent (0.04 let through 3 onsets in 30 s).
constexpr float kFullOffset = 0.045F;
constexpr float kBandOffset = 0.25F;
constexpr float kThresholdFactor = 1.5F;
constexpr double kOdfDelayFrames = 3.0;
constexpr float kBandLevelRatio = 0.03F;  // -15 dB: band onsets need energy within this of the band's peak
constexpr double kLevelPeakSeconds = 4.0;

std::uint32_t onset_window_for(std::uint32_t sample_rate) {
  // Nearest power of two to ~21 ms, at least 256.
  const double ideal = kWindowSeconds * sample_rate;
  const auto exponent = static_cast<int>(std::lround(std::log2(std::max(ideal, 256.0))));
  return std::uint32_t{1} << exponent;
}

}  // namespace

OnsetPicker::OnsetPicker(const Settings& settings)
    : s_(settings), history_(std::max<std::uint32_t>(settings.median_frames, 3), 0.0F), scratch_(history_.size()) {}

bool OnsetPicker::update(float value) noexcept {
  // Threshold from the past only (the current value is not part of its own baseline).
  if (filled_ > 0) {
    std::copy_n(history_.begin(), filled_, scratch_.begin());
    const auto mid = scratch_.begin() + static_cast<std::ptrdiff_t>(filled_ / 2);
    std::nth_element(scratch_.begin(), mid, scratch_.begin() + static_cast<std::ptrdiff_t>(filled_));
    median_ = *mid;
  }
  threshold_ = s_.factor * median_ + s_.offset;
  history_[pos_] = value;
  pos_ = (pos_ + 1) % history_.size();
  filled_ = std::min(filled_ + 1, history_.size());

  if (since_onset_ < s_.min_interval) ++since_onset_;
  bool fire = false;
  if (armed_) {
    if (value > threshold_ && value > previous_ && since_onset_ >= s_.min_interval) {
      fire = true;
      armed_ = false;
      attack_peak_ = value;
      since_onset_ = 0;
    }
  } else {
    attack_peak_ = std::max(attack_peak_, value);
    // Past the peak of this onset's flux: the next rise is a new onset.
    if (value < s_.rearm_ratio * attack_peak_ || value <= threshold_) armed_ = true;
  }
  previous_ = value;
  return fire;
}

OnsetDetector::OnsetDetector(std::uint32_t sample_rate)
    : sample_rate_(sample_rate),
      window_size_(onset_window_for(sample_rate)),
      hop_(window_size_ / kHopDivisor),
      fft_(window_size_),
      full_picker_({}),
      band_pickers_{OnsetPicker({}), OnsetPicker({}), OnsetPicker({})} {
  const std::size_t n = window_size_;
  window_.resize(n);
  double sum_w = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double w = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n));
    window_[i] = static_cast<float>(w);
    sum_w += w;
  }
  magnitude_scale_ = static_cast<float>(2.0 / sum_w);
  ring_.assign(n, 0.0F);

  // Log-spaced filterbank; bands that would map to the same bin are merged so
  // each has at least one bin of its own.
  const double bin_hz = static_cast<double>(sample_rate) / static_cast<double>(n);
  const std::size_t bins = n / 2 + 1;
  const double high = std::min(kFilterHighHz, 0.95 * sample_rate / 2.0);
  edges_.push_back(std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(kFilterLowHz / bin_hz))));
  std::vector<double> centres;
  for (double f = kFilterLowHz * std::pow(2.0, 1.0 / kBandsPerOctave); f <= high * 1.0001;
       f *= std::pow(2.0, 1.0 / kBandsPerOctave)) {
    const auto bin = std::min(bins, static_cast<std::size_t>(std::lround(f / bin_hz)));
    if (bin > edges_.back()) edges_.push_back(bin);
  }
  band_count_ = edges_.size() - 1;
  auto centre_hz = [&](std::size_t b) { return 0.5 * static_cast<double>(edges_[b] + edges_[b + 1] - 1) * bin_hz; };
  auto group = [&](double lo, double hi) {
    std::pair<std::size_t, std::size_t> g{band_count_, band_count_};
    for (std::size_t b = 0; b < band_count_; ++b) {
      const double c = centre_hz(b);
      if (c >= lo && c < hi) {
        if (g.first == band_count_) g.first = b;
        g.second = b + 1;
      }
    }
    if (g.first == band_count_) g = {0, std::min<std::size_t>(1, band_count_)};
    return g;
  };
  groups_[static_cast<std::size_t>(OnsetBand::kLow)] = group(0.0, kLowBandHighHz);
  groups_[static_cast<std::size_t>(OnsetBand::kMid)] = group(kLowBandHighHz, kMidBandHighHz);
  groups_[static_cast<std::size_t>(OnsetBand::kHigh)] = group(kHighBandLowHz, 1e9);
  const double rate = frame_rate();
  reference_rows_ = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(kReferenceHoldSeconds * rate)));
  log_bands_.assign((kLag + reference_rows_) * band_count_, 0.0F);
  reference_.assign(band_count_, 0.0F);

  OnsetPicker::Settings full;
  full.median_frames = static_cast<std::uint32_t>(std::lround(kMedianSeconds * rate));
  full.min_interval = static_cast<std::uint32_t>(std::ceil(kMinIntervalSeconds * rate));
  full.factor = kThresholdFactor;
  full.offset = kFullOffset;
  full_picker_ = OnsetPicker(full);
  OnsetPicker::Settings band = full;
  band.offset = kBandOffset;
  for (auto& p : band_pickers_) p = OnsetPicker(band);

  peak_decay_ = static_cast<float>(std::exp(-1.0 / (kPeakDecaySeconds * rate)));
  intensity_release_ = static_cast<float>(std::exp(-1.0 / (kIntensityReleaseSeconds * rate)));
  level_decay_ = static_cast<float>(std::exp(-1.0 / (kLevelPeakSeconds * rate)));
  // Where the flux of an abrupt onset is centred, in sub-hops after it:
  // log compression makes the flux respond as soon as the onset enters the
  // window's rising Hann edge, and it spreads over about kLag + 2 sub-hops.
  // Measured on drum recordings and click trains: 3 sub-hops (8 ms at 48 kHz).
  odf_delay_frames_ = kOdfDelayFrames;
}

void OnsetDetector::process(std::uint64_t end_time) noexcept {
  const std::size_t n = window_size_;
  auto in = fft_.input();
  // write_pos_ points at the oldest sample of the circular window.
  for (std::size_t i = 0; i < n; ++i) in[i] = ring_[(write_pos_ + i) & (n - 1)] * window_[i];
  fft_.execute();
  const auto spectrum = fft_.spectrum();

  const std::size_t rows = kLag + reference_rows_;
  float* current = &log_bands_[row_ * band_count_];
  const float scale2 = magnitude_scale_ * magnitude_scale_;
  std::array<float, kOnsetBandCount> group_power{};
  for (std::size_t b = 0; b < band_count_; ++b) {
    float power = 0.0F;
    for (std::size_t k = edges_[b]; k < edges_[b + 1]; ++k) power += std::norm(spectrum[k]);
    const float mean_power = power * scale2 / static_cast<float>(edges_[b + 1] - edges_[b]);
    current[b] = std::log1p(kCompression * std::sqrt(mean_power));
    for (std::size_t g = 0; g < kOnsetBandCount; ++g) {
      if (b >= groups_[g].first && b < groups_[g].second) group_power[g] += mean_power;
    }
  }

  OnsetResult& r = result_;
  r.end_time = end_time;
  float full = 0.0F;
  std::array<float, kOnsetBandCount> band_sum{};
  if (frames_seen_ >= kLag) {
    std::fill(reference_.begin(), reference_.end(), 0.0F);
    for (std::size_t back = kLag; back < rows; ++back) {
      const float* past = &log_bands_[((row_ + rows - back) % rows) * band_count_];
      for (std::size_t b = 0; b < band_count_; ++b) reference_[b] = std::max(reference_[b], past[b]);
    }
    for (std::size_t b = 0; b < band_count_; ++b) {
      // Maximum over neighbouring bands of the reference: a partial that only
      // moves by one band (vibrato, a glide) is not an onset.
      float ref = reference_[b];
      if (b > 0) ref = std::max(ref, reference_[b - 1]);
      if (b + 1 < band_count_) ref = std::max(ref, reference_[b + 1]);
      const float rise = std::max(0.0F, current[b] - ref);
      full += rise;
      for (std::size_t g = 0; g < kOnsetBandCount; ++g) {
        if (b >= groups_[g].first && b < groups_[g].second) band_sum[g] += rise;
      }
    }
  }
  ++frames_seen_;
  row_ = (row_ + 1) % rows;

  r.odf = full / static_cast<float>(band_count_);
  r.onset = full_picker_.update(r.odf);
  r.novelty = std::max(0.0F, r.odf - full_picker_.median());
  strength_peak_ = std::max(r.odf, strength_peak_ * peak_decay_);
  r.strength = std::min(1.0F, r.odf / std::max(strength_peak_, kFullPeakFloor));

  std::array<float, kOnsetBandCount> mean_rise{};
  for (std::size_t g = 0; g < kOnsetBandCount; ++g) {
    const std::size_t width = groups_[g].second - groups_[g].first;
    mean_rise[g] = width ? band_sum[g] / static_cast<float>(width) : 0.0F;
  }
  for (std::size_t g = 0; g < kOnsetBandCount; ++g) {
    // Each instrument band counts only the rise its lower neighbour does not
    // explain: a kick's click reaches the mid band and a snare's rattle the
    // high band, but then the band below rises as much or more.
    const float value = g == 0 ? mean_rise[g] : std::max(0.0F, mean_rise[g] - mean_rise[g - 1]);
    r.band_odf[g] = value;
    OnsetPicker& picker = band_pickers_[g];
    // The flux is a ratio, so a faint hit in an empty band looks like a loud
    // one: a band onset also needs energy near the band's recent peak level
    // (a snare's low end is not a kick).
    // The energy is judged over the whole attack, not only its first
    // sub-hop, where the Hann edge still hides most of the hit.
    level_peak_[g] = std::max(group_power[g], level_peak_[g] * level_decay_);
    const bool loud_enough = group_power[g] >= kBandLevelRatio * level_peak_[g];
    if (picker.update(value)) band_pending_[g] = true;
    if (!picker.in_attack()) band_pending_[g] = false;
    r.band_onset[g] = band_pending_[g] && loud_enough;
    if (r.band_onset[g]) band_pending_[g] = false;
    r.band_novelty[g] = std::max(0.0F, value - picker.median());
    band_peak_[g] = std::max(value, band_peak_[g] * peak_decay_);
    const float normalised = std::min(1.0F, value / std::max(band_peak_[g], kBandPeakFloor));
    float intensity = r.band_intensity[g] * intensity_release_;
    // Follow the flux up while this band's onset is still rising.
    if (r.band_onset[g] || (picker.in_attack() && !band_pending_[g] && loud_enough)) {
      intensity = std::max(intensity, normalised);
    }
    r.band_intensity[g] = intensity;
  }
}

}  // namespace lumina
