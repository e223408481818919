#include "lumina/dsp/beat_tracker.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

namespace lumina {
namespace {

constexpr std::uint64_t kTempoEvery = 8;  // frames between tempo estimates (~21 ms at 375 Hz)
constexpr double kSameTempo = 0.04;       // within 4 %: refine, do not switch
constexpr double kTempoSmoothing = 0.25;  // share of each refinement applied
constexpr float kSwitchMargin = 1.10F;    // a new tempo must score 10 % better ...
constexpr double kSwitchSeconds = 0.75;   // ... for this long
constexpr int kEstablishedBeats = 4;      // before this many beats a better tempo wins quickly:
constexpr int kFirstGuessVotes = 3;       // after this many estimates in a row (~60 ms)
// An established tempo is rarely replaced by its double, half or 3:2 in
// music; usually the autocorrelation just sways between metrical levels of
// the same groove (a syncopated kick makes the half tempo look periodic).
// Such a switch must win by far more, for far longer -- and so must any
// switch while the current grid still has an onset at nearly every point
// (a real tempo change empties the old grid within a second or two).
constexpr float kLevelSwitchMargin = 1.3F;
constexpr double kLevelSwitchSeconds = 4.0;
// ... once the level has produced this many beats. Six, not eight: vocal
// syllables on the off-beats made the double win by 47 % after six beats
// of a loose 81 BPM groove, and punk at 193 dropped to its half after six.
constexpr int kLevelEstablishedBeats = 6;
constexpr float kLevelAgreement = 0.75F;  // tempo stability: an estimate at double/half counts this much
constexpr float kLevelGridFit = 0.9F;     // grid fit at which the current tempo is beyond doubt
// ... and only while the autocorrelation still backs the current tempo: below
// this stability, recent estimates have been elsewhere (not at its double or
// half, which count 0.75) for a second or more. An early 4:3 or 2:3 guess
// that fired six beats over dense onsets (every grid fits them) was held
// for seconds after the estimate had left it.
constexpr float kLevelStability = 0.3F;
constexpr double kPhaseWidth = 0.08;       // phase lock: σ of the continuity weight, in periods
constexpr float kRelockMargin = 1.4F;      // a phase elsewhere must score 40 % better ...
constexpr int kRelockBeats = 2;            // ... at two beats in a row
constexpr double kPhaseCheck = 0.5;        // periods before the predicted beat: where the phase is judged ...
constexpr double kPhaseCheckEarly = 0.75;  // ... or here, for a better phase still ahead
// Periods: no two beats closer than this. Below half a period, so that a
// first guess on the off-beat, corrected half a period later, fires its
// next beat on time: at 0.6 the correction waited a whole period more, and
// the first correct beat came 0.7-1.4 s later (hiphop_88 v6 2.14 s, v5
// 2.66 s, ballad_72 v5 2.55 s; now 1.44, 1.31, 1.71 s).
constexpr double kMinBeatSpacing = 0.45;
constexpr float kCombDecay = 0.8F;  // weight of each older beat in the phase comb
constexpr double kPriorLowBpm = 80.0, kPriorHighBpm = 160.0, kPriorOctaves = 0.5;
// Grid fit: share of the last kFitBeats grid points with a detected onset
// near them, mapped kFitFloor..kFitFull → confidence 0..1. Random onsets at
// 3 per second land near a grid point about 15 % of the time.
constexpr float kFitFloor = 0.45F, kFitFull = 0.85F;
constexpr float kFitLost = 0.3F;     // below this while onsets keep coming, beats stop
constexpr double kFitSeconds = 1.0;  // smoothing of the grid fit
constexpr int kFitBeats = 12;
constexpr int kFitBreakBeats = 4;  // this many grid points in a row without an onset are a break ...
constexpr int kFitAfterBreak = 4;  // ... which the grid fit forgets once this many points have followed it,
constexpr int kGrooveBeats = 16;   // in a groove: four bars at one tempo (chance runs in beatless material are shorter)
// Reported tempo: the least-squares slope of the last committed beats'
// positions. The autocorrelation's period is only as precise as its 3 s
// window and its peak's interpolation (±1 % on loose timing); the phase lock
// makes the committed beats follow the music, so their spacing over the
// last sixteen beats measures the tempo several times more finely.
constexpr int kSpacingMinBeats = 6;
constexpr double kSpacingAgreement = 0.02;      // used only within 2 % of the tracked period
constexpr double kFitToleranceSeconds = 0.027;  // an onset this close to a grid point counts
constexpr std::uint64_t kFitEvery = 4;          // frames between grid-fit judgements
constexpr double kStabilitySeconds = 1.0;       // memory of tempo-estimate agreement
constexpr float kMinOnsetRate = 1.0F;           // onsets per second for full activity
constexpr std::size_t kOnsetMemory = 128;       // recent onset frames kept for the grid fit
constexpr double kRateSeconds = 2.0;
constexpr double kConfAttackSeconds = 0.4, kConfReleaseSeconds = 2.5, kConfSilenceSeconds = 0.25;
constexpr float kMinEnergy = 1e-4F;
constexpr float kBackbeatWeight = 0.5F;
constexpr float kMinLagShare = 0.25F;  // per-lag energy floor, as a share of the zero-lag energy
// Extra kick-band weight in the phase comb. 1.0 since the onset detector's
// flux stopped counting the flutter of a kick's decaying low tone (see
// kReferenceHoldSeconds there): a kick now adds only its attack, and at 0.5
// dembow locked onto its off-beat snares.
constexpr float kPhaseLowWeight = 1.0F;
// Metrical level from the grid itself (see level_factor): when every other
// point of a tempo's grid is much weaker than the rest, the beat is half as
// fast (the grid is the eighths).
constexpr double kLevelWindowSeconds = 8.0;  // novelty history the level cue looks at
// Grid points it needs: five (three of one parity, two of the other), so one
// loud accent does not decide. Six kept the cue silent for a double tempo's
// first 2.3 s, when the autocorrelation most often prefers the double.
constexpr int kLevelMinPoints = 5;
constexpr float kAlternateWeak = 0.4F;        // weaker/stronger half of the grid below which a tempo looks too fast
constexpr float kLevelPenalty = 0.5F;         // largest score reduction from the cue
constexpr double kLevelNeighbourhood = 0.03;  // a relative's score peak is searched within ±3 %
// Metrical level from the subdivisions (see subdivision): a beat is rarely
// split into eight even pulses; when the odd eighths of a candidate period
// repeat as strongly as the period itself, the pulse is the sixteenths of a
// beat twice as fast.
// Odd-eighths strength relative to the period. The attack-only flux has
// narrower peaks, so the odd eighths of a dense groove's half tempo read
// about 0.1 weaker than before; 0.4 keeps busy_160 at its beat.
constexpr float kDenseFrom = 0.4F, kDenseFull = 0.9F;
constexpr float kDensePenalty = 0.5F;
constexpr double kPeakSearch = 2.0;  // frames either side searched for an autocorrelation peak
// The attack music starts with out of silence: every instrument's onset is
// measured against nothing, so its novelty can be several times any later
// peak (2.3-4.7x with a music bed in the corpus, 0.1-1.6x for drums alone).
// Squared in the autocorrelation it decides the first seconds' tempo by
// itself: lags from it to any later event win, and first guesses sway
// between 4:3, 2:3 and 3:2 of the beat. It counts at full strength until a
// beat at the slowest tempo has followed it, then no more than the largest
// peak heard since (see settle_attack).
constexpr std::uint64_t kAttackLeadFrames = 2;  // rising frames before the onset was detected

// Whether two periods' ratio is `r`, to within the same-tempo tolerance.
bool is_ratio(double ratio, double r) { return std::fabs(ratio / r - 1.0) < kSameTempo; }

// Whether a tempo ratio is a change of metrical level (2:1, 1:2, 3:2, 2:3).
bool is_metrical_relative(double ratio) {
  for (const double r : {2.0, 0.5, 1.5, 2.0 / 3.0}) {
    if (is_ratio(ratio, r)) return true;
  }
  return false;
}

float decay_for(double seconds, double rate) { return static_cast<float>(std::exp(-1.0 / (seconds * rate))); }

// Vertex offset of the parabola through (-1, a), (0, b), (1, c), in -0.5..0.5.
double parabolic_offset(float a, float b, float c) {
  const double denom = static_cast<double>(a) - 2.0 * b + c;
  if (std::fabs(denom) < 1e-12) return 0.0;
  return std::clamp(0.5 * (static_cast<double>(a) - c) / denom, -0.5, 0.5);
}

}  // namespace

BeatTracker::BeatTracker(double frame_rate, std::uint32_t hop, double odf_delay_frames,
                         const BeatTrackerSettings& settings)
    : s_(settings), frame_rate_(frame_rate), hop_(hop), odf_delay_(odf_delay_frames) {
  min_lag_ = static_cast<std::size_t>(std::floor(60.0 * frame_rate / s_.max_bpm));
  max_lag_ = static_cast<std::size_t>(std::ceil(60.0 * frame_rate / s_.min_bpm));
  // Lags down to a quarter of the fastest beat: the subdivision cue looks at
  // the eighths of slow candidates (up to ~94 BPM at 375 frames a second,
  // where an eighth less the peak search is still a kept lag).
  acf_lo_ = std::max<std::size_t>(1, min_lag_ / 4);
  acf_hi_ = 2 * max_lag_ + 2;
  const double comb_beats = std::max(s_.comb_beats, static_cast<double>(kFitBeats));
  const auto comb_span = static_cast<std::size_t>((comb_beats + 2.0) * static_cast<double>(max_lag_) + odf_delay_);
  history_.assign(std::bit_ceil(std::max(acf_hi_, comb_span) + 16), 0.0F);
  history_mask_ = history_.size() - 1;
  smoothed_.assign(history_.size(), 0.0F);
  phase_history_.assign(history_.size(), 0.0F);
  acf_.assign(acf_hi_ + 1, 0.0F);
  mid_acf_.assign(acf_hi_ + 1, 0.0F);
  lag_energy_.assign(acf_hi_ + 1, 0.0F);
  mid_lag_energy_.assign(acf_hi_ + 1, 0.0F);
  mid_history_.assign(history_.size(), 0.0F);
  onset_frames_.assign(kOnsetMemory, 0);
  prior_.assign(max_lag_ + 2, 0.0F);
  for (std::size_t lag = std::max<std::size_t>(min_lag_, 1); lag < prior_.size(); ++lag) {
    const double bpm = 60.0 * frame_rate / static_cast<double>(lag);
    double octaves = 0.0;
    if (bpm < kPriorLowBpm) octaves = std::log2(kPriorLowBpm / bpm);
    if (bpm > kPriorHighBpm) octaves = std::log2(bpm / kPriorHighBpm);
    prior_[lag] = static_cast<float>(std::exp(-0.5 * (octaves / kPriorOctaves) * (octaves / kPriorOctaves)));
  }
  acf_decay_ = decay_for(s_.acf_seconds, frame_rate);
  rate_decay_ = decay_for(kRateSeconds, frame_rate);
  fit_decay_ = decay_for(kFitSeconds, frame_rate / static_cast<double>(kFitEvery));
  stability_decay_ = decay_for(kStabilitySeconds, frame_rate / static_cast<double>(kTempoEvery));
  conf_attack_ = decay_for(kConfAttackSeconds, frame_rate);
  conf_release_ = decay_for(kConfReleaseSeconds, frame_rate);
  conf_silence_release_ = decay_for(kConfSilenceSeconds, frame_rate);
}

namespace {
// Normalised correlation at a fractional lag: each lag is divided by the
// energies of its own two operands, so lags with less history behind them
// (at start-up) are not biased low against short lags -- down to a floor.
float normalised_at(const std::vector<float>& acf, const std::vector<float>& lag_energy, float zero_energy, double lag,
                    std::size_t lo, std::size_t hi) {
  const double clamped = std::clamp(lag, static_cast<double>(lo), static_cast<double>(hi - 1));
  const auto i = static_cast<std::size_t>(clamped);
  const auto t = static_cast<float>(clamped - static_cast<double>(i));
  auto at = [&](std::size_t k) {
    // A lag with almost no history behind it yet is not trusted to be 1.0.
    const float denom = std::sqrt(zero_energy * std::max(lag_energy[k], kMinLagShare * zero_energy));
    return denom > kMinEnergy * kMinEnergy ? acf[k] / denom : 0.0F;
  };
  return (1.0F - t) * at(i) + t * at(i + 1);
}

// Share of the correlation window in which `lag` has a partner: the energy
// of the lagged operand (the zero-lag energy as it was `lag` frames ago)
// over the zero-lag energy now. 1 once the music has played for longer than
// the window's memory.
float heard_share(const std::vector<float>& lag_energy, float zero_energy, double lag) {
  if (zero_energy <= kMinEnergy * kMinEnergy) return 0.0F;
  const auto i = std::min(static_cast<std::size_t>(lag), lag_energy.size() - 2);
  const auto t = static_cast<float>(std::clamp(lag - static_cast<double>(i), 0.0, 1.0));
  const float energy = (1.0F - t) * lag_energy[i] + t * lag_energy[i + 1];
  return std::clamp(energy / zero_energy, 0.0F, 1.0F);
}

// `share` times the correlation the heard part of the window implies, from
// the normalised value at that lag (see normalised_at and its floor).
float heard_part(float normalised, float share) {
  return normalised * (share >= kMinLagShare ? std::sqrt(share) : 0.5F);
}
}  // namespace

float BeatTracker::acf(double lag) const noexcept {
  return normalised_at(acf_, lag_energy_, acf_zero_, lag, acf_lo_, acf_hi_);
}

float BeatTracker::mid_acf(double lag) const noexcept {
  return normalised_at(mid_acf_, mid_lag_energy_, mid_acf_zero_, lag, acf_lo_, acf_hi_);
}

float BeatTracker::tempo_score(double lag) const noexcept {
  const auto index = std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(lag)), min_lag_, max_lag_);
  // Until a beat period has been heard more than twice, its two-beat terms
  // are partly unknown, not zero (zero would hand the early decision to the
  // double tempo, whose terms are all heard, and give it the snare's
  // two-beat period as its own backbeat). `share` is how much of the
  // correlation window has a partner two beats back; the rest is filled in
  // as if the period repeated.
  const double two = 2.0 * lag;
  // (A partner counts once its whole novelty peak has been correlated.)
  const double settled = std::min(two + odf_delay_ + 2.0 * kSmoothRadius, static_cast<double>(acf_hi_ - 1));
  const float share = heard_share(lag_energy_, acf_zero_, settled);
  const float single = acf(lag);
  // The second harmonic confirms the period and separates it from its half.
  const float periodicity = 0.5F * (single + heard_part(acf(two), share) + (1.0F - share) * single);
  // Backbeat: snares and claps repeat every two beats, not every beat -- and
  // not every two thirds of the span either (a snare on every beat would
  // otherwise promote 3:2 of the tempo).
  const float mid_share = heard_share(mid_lag_energy_, mid_acf_zero_, settled);
  const float backbeat =
      std::max(0.0F, heard_part(mid_acf(two), mid_share) - mid_share * std::max(mid_acf(lag), mid_acf(two / 3.0)));
  return prior_[index] * (periodicity + kBackbeatWeight * backbeat);
}

float BeatTracker::smoothed_at(double frame) const noexcept {
  // Smoothed values exist up to frame_ - 1 - kSmoothRadius.
  if (frame < 0.0 || frame_ <= kSmoothRadius + 1) return 0.0F;
  const auto newest = static_cast<double>(frame_ - 1 - kSmoothRadius);
  if (frame > newest || newest - frame > static_cast<double>(history_.size() - 2)) return 0.0F;
  const auto i = static_cast<std::uint64_t>(frame);
  const auto t = static_cast<float>(frame - static_cast<double>(i));
  const float next = static_cast<double>(i + 1) <= newest ? smoothed_[(i + 1) & history_mask_] : 0.0F;
  return (1.0F - t) * smoothed_[i & history_mask_] + t * next;
}

float BeatTracker::alternation(double period) const noexcept {
  // The grid of `period` at its strongest phase, over the recent past since
  // the music started (smoothed, kick-weighted novelty): the mean strength of
  // its odd points relative to its even points, the weaker over the
  // stronger. -1: not heard enough yet.
  if (frame_ <= kSmoothRadius + 1 || !music_started_) return -1.0F;
  const auto newest = static_cast<double>(frame_ - 1 - kSmoothRadius);
  const double oldest = std::max({music_start_ + odf_delay_, newest - kLevelWindowSeconds * frame_rate_,
                                  newest - static_cast<double>(history_.size() - 2)});
  if (newest - oldest < (kLevelMinPoints - 1) * period) return -1.0F;
  float best_on = 0.0F;
  double best_phase = 0.0;
  const auto phases = static_cast<int>(period);
  for (int ph = 0; ph < phases; ++ph) {
    float on = 0.0F;
    int count = 0;
    for (double at = newest - ph; at >= oldest; at -= period, ++count) on += smoothed_at(at);
    if (count < kLevelMinPoints) continue;
    on /= static_cast<float>(count);
    if (on > best_on) {
      best_on = on;
      best_phase = ph;
    }
  }
  if (best_on <= kMinEnergy) return -1.0F;
  std::array<float, 2> sum{};
  std::array<int, 2> count{};
  int k = 0;
  for (double at = newest - best_phase; at >= oldest; at -= period, ++k) {
    sum[k & 1] += smoothed_at(at);
    ++count[k & 1];
  }
  const float even = sum[0] / static_cast<float>(std::max(1, count[0]));
  const float odd = sum[1] / static_cast<float>(std::max(1, count[1]));
  return std::max(even, odd) > kMinEnergy ? std::min(even, odd) / std::max(even, odd) : -1.0F;
}

float BeatTracker::acf_peak(double lag) const noexcept {
  float peak = 0.0F;
  for (double d = -kPeakSearch; d <= kPeakSearch; d += 1.0) peak = std::max(peak, acf(lag + d));
  return peak;
}

float BeatTracker::subdivision(double lag) const noexcept {
  const double eighth = lag / 8.0;
  if (eighth - kPeakSearch < static_cast<double>(acf_lo_)) return -1.0F;
  const float period = acf_peak(lag);
  if (period <= kMinEnergy) return -1.0F;
  float odd = 0.0F;
  for (const double j : {1.0, 3.0, 5.0, 7.0}) odd += acf_peak(j * eighth);
  return 0.25F * odd / period;
}

float BeatTracker::level_factor(double lag) const noexcept {
  float factor = 1.0F;
  // Every other grid point weak: the beat is half this fast (a double tempo
  // puts every second grid point on the off-beat eighths).
  const float alternate = alternation(lag);
  if (alternate >= 0.0F) {
    factor -= kLevelPenalty * std::clamp((kAlternateWeak - alternate) / kAlternateWeak, 0.0F, 1.0F);
  }
  // Eight even pulses per beat: the beat is twice this fast (a half tempo
  // makes the sixteenths its thirty-seconds).
  const float dense = subdivision(lag);
  if (dense >= 0.0F)
    factor *= 1.0F - kDensePenalty * std::clamp((dense - kDenseFrom) / (kDenseFull - kDenseFrom), 0.0F, 1.0F);
  return factor;
}

float BeatTracker::level_score(double lag) const noexcept { return tempo_score(lag) * level_factor(lag); }

void BeatTracker::forget_beat_spacing() noexcept {
  spacing_count_ = 0;
  spacing_period_ = 0.0;
}

void BeatTracker::note_beat_spacing(double pos) noexcept {
  spacing_pos_[spacing_next_] = pos;
  spacing_next_ = (spacing_next_ + 1) % spacing_pos_.size();
  spacing_count_ = std::min(spacing_count_ + 1, spacing_pos_.size());
  spacing_period_ = 0.0;
  if (spacing_count_ < static_cast<std::size_t>(kSpacingMinBeats)) return;
  // Oldest first: beat k at position x_k; slope of x over k.
  const std::size_t n = spacing_count_;
  const std::size_t first = (spacing_next_ + spacing_pos_.size() - n) % spacing_pos_.size();
  const double mean_k = 0.5 * static_cast<double>(n - 1);
  double mean_x = 0.0;
  for (std::size_t k = 0; k < n; ++k) mean_x += spacing_pos_[(first + k) % spacing_pos_.size()];
  mean_x /= static_cast<double>(n);
  double sxy = 0.0, sxx = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    const double dk = static_cast<double>(k) - mean_k;
    sxy += dk * (spacing_pos_[(first + k) % spacing_pos_.size()] - mean_x);
    sxx += dk * dk;
  }
  const double slope = sxy / sxx;
  if (std::fabs(slope / period_ - 1.0) < kSpacingAgreement) spacing_period_ = slope;
}

void BeatTracker::estimate_tempo() noexcept {
  if (acf_zero_ <= kMinEnergy * kMinEnergy) {
    salience_ = 0.0F;
    return;
  }
  std::size_t best = min_lag_;
  float best_score = -1.0F;
  double mean = 0.0;
  for (std::size_t lag = min_lag_; lag <= max_lag_; ++lag) {
    const float score = tempo_score(static_cast<double>(lag));
    mean += acf(static_cast<double>(lag));
    if (score > best_score) {
      best_score = score;
      best = lag;
    }
  }
  mean /= static_cast<double>(max_lag_ - min_lag_ + 1);
  // Metrical level: the autocorrelation alone often cannot tell a tempo from
  // its double or half (a kick spilling into the snare band makes the snare
  // band repeat every beat); the grid's own alternation of strong and weak
  // points weighs in between the three.
  {
    const auto top = static_cast<double>(best);
    float chosen = best_score * level_factor(top);
    std::size_t chosen_lag = best;
    for (const double relative : {2.0 * top, 0.5 * top}) {
      const auto lo = static_cast<std::size_t>(
          std::max(static_cast<double>(min_lag_), std::ceil(relative * (1.0 - kLevelNeighbourhood))));
      const auto hi = static_cast<std::size_t>(
          std::min(static_cast<double>(max_lag_), std::floor(relative * (1.0 + kLevelNeighbourhood))));
      if (lo > hi) continue;
      std::size_t peak_lag = lo;
      float peak_score = -1.0F;
      for (std::size_t lag = lo; lag <= hi; ++lag) {
        const float score = tempo_score(static_cast<double>(lag));
        if (score > peak_score) {
          peak_score = score;
          peak_lag = lag;
        }
      }
      const float score = peak_score * level_factor(static_cast<double>(peak_lag));
      if (score > chosen) {
        chosen = score;
        chosen_lag = peak_lag;
      }
    }
    best = chosen_lag;
    best_score = chosen;
  }
  const double peak = acf(static_cast<double>(best));
  salience_ = static_cast<float>(std::clamp((peak - mean) / std::max(1e-6, 1.0 - mean), 0.0, 1.0));

  // Sub-lag precision: parabola through the autocorrelation at the peak and
  // at its double (whose error in period terms is halved), averaged.
  const auto b = static_cast<double>(best);
  const double first = b + parabolic_offset(acf(b - 1), acf(b), acf(b + 1));
  double second = 2.0 * b;
  for (double d = -2.0; d <= 2.0; d += 1.0) {
    if (acf(2.0 * b + d) > acf(second)) second = 2.0 * b + d;
  }
  second += parabolic_offset(acf(second - 1), acf(second), acf(second + 1));
  const double estimate = (first + 0.5 * second) / 2.0;

  if (period_ <= 0.0) {
    if (salience_ > 0.1F) period_ = estimate;
    return;
  }
  // Agreement of successive raw estimates with the tracked tempo: steady in
  // music, wandering in random material.
  // An estimate at double or half the tempo describes the same grid (one is
  // a subset of the other): the groove is steady, only the level sways.
  const double ratio = estimate / period_;
  float agree = 0.0F;
  if (is_ratio(ratio, 1.0)) {
    agree = 1.0F;
  } else if (is_ratio(ratio, 2.0) || is_ratio(ratio, 0.5)) {
    agree = kLevelAgreement;
  }
  stability_ = agree + stability_decay_ * (stability_ - agree);
  if (std::fabs(estimate - period_) / period_ < kSameTempo) {
    period_ += kTempoSmoothing * (estimate - period_);
    candidate_votes_ = 0;
    return;
  }
  const float current_score = level_score(period_);
  if (best_score > kSwitchMargin * current_score) {
    if (candidate_votes_ > 0 && std::fabs(estimate - candidate_period_) / candidate_period_ < kSameTempo) {
      ++candidate_votes_;
    } else {
      candidate_votes_ = 1;
    }
    candidate_period_ = estimate;
    // A tempo that has not produced a few beats yet is only a first guess.
    const bool established = beats_at_period_ >= kEstablishedBeats;
    const bool level_change = beats_at_period_ >= kLevelEstablishedBeats && stability_ >= kLevelStability &&
                              (is_metrical_relative(estimate / period_) || grid_fit_ >= kLevelGridFit);
    if (level_change && best_score <= kLevelSwitchMargin * current_score) {
      candidate_votes_ = 0;
      return;
    }
    // A double whose every other grid point is weak is the eighths of the
    // current tempo (see level_factor), however well it scores: syllables
    // between the beats of a loose groove make the autocorrelation prefer it.
    const float double_alternation = is_ratio(estimate / period_, 0.5) ? alternation(estimate) : -1.0F;
    if (double_alternation >= 0.0F && double_alternation < kAlternateWeak) {
      candidate_votes_ = 0;
      return;
    }
    const double hold = level_change ? kLevelSwitchSeconds : kSwitchSeconds;
    const auto needed =
        established ? static_cast<int>(hold * frame_rate_ / static_cast<double>(kTempoEvery)) : kFirstGuessVotes;
    if (candidate_votes_ >= needed) {
      // A new tempo that is not a metrical relative of the old one is a new
      // grid: if another phase fits it clearly better than the one the old
      // period predicted, it is taken at once (see track_phase). Double, half
      // and 3:2 share grid points with the old tempo, whose phase then stays.
      new_grid_ = !is_metrical_relative(estimate / period_);
      period_ = estimate;
      candidate_votes_ = 0;
      beats_at_period_ = 0;
      grid_moved();
    }
  } else {
    candidate_votes_ = 0;
  }
}

void BeatTracker::grid_moved() noexcept {
  forget_beat_spacing();
  // The smoothed grid fit described the old grid; the new one is judged
  // afresh over the onsets already heard, unsmoothed until its first beat
  // (while its phase settles). Smoothing on from the old grid's fit would
  // keep a corrected grid dark for a second or more (a fit of 0 takes ~1 s
  // to reach the confidence floor).
  fit_primed_ = false;
  refit_ = true;
}

void BeatTracker::relock(double pos) noexcept {
  predicted_ = pos;
  relock_votes_ = 0;
  grid_moved();
}

void BeatTracker::track_phase() noexcept {
  const auto n = static_cast<double>(frame_ - 1);
  const double p = period_;
  // Candidates: one full period of positions not yet committed.
  const double low = n + odf_delay_;
  const double high = low + p;
  const double earliest = last_beat_pos_ + kMinBeatSpacing * p;
  const auto beats = static_cast<int>(s_.comb_beats);
  // A prediction more than a period ahead (the tempo just became faster) is
  // brought back by whole periods, onto the same grid.
  while (predicted_ >= 0.0 && predicted_ - p >= low && predicted_ - p >= earliest) predicted_ -= p;

  // Comb score of each candidate next-beat position from past beats only.
  auto comb = [&](double g) {
    float sum = 0.0F, weights = 0.0F, w = 1.0F;
    for (int j = 1; j <= beats; ++j, w *= kCombDecay) {
      const double at = g - j * p;
      if (at > n - kSmoothRadius) continue;  // not heard (or not smoothed) yet
      sum += w * smoothed_at(at);
      weights += w;
    }
    return weights > 0.0F ? sum / weights : 0.0F;
  };
  auto lock_weight = [&](double g) {
    if (predicted_ < 0.0) return g >= earliest ? 1.0F : 0.0F;
    const double z = (g - predicted_) / (kPhaseWidth * p);
    return static_cast<float>(std::exp(-0.5 * z * z));
  };

  double free_pos = -1.0, locked_pos = -1.0;
  float free_score = 0.0F, locked_score = 0.0F, locked_raw = 0.0F;
  for (double g = std::floor(low) + 1.0; g <= high; g += 1.0) {
    const float s = comb(g);
    if (s > free_score) {
      free_score = s;
      free_pos = g;
    }
    const float ls = s * lock_weight(g);
    if (ls > locked_score) {
      locked_score = ls;
      locked_pos = g;
      locked_raw = s;
    }
  }
  if (locked_pos >= 0.0) {
    predicted_ = locked_pos + parabolic_offset(comb(locked_pos - 1) * lock_weight(locked_pos - 1), locked_score,
                                               comb(locked_pos + 1) * lock_weight(locked_pos + 1));
  } else if (predicted_ < low) {
    // No evidence near the prediction (a break, silence): the flywheel keeps the grid.
    predicted_ = predicted_ < 0.0 ? high : predicted_ + p;
  }
  if (new_grid_) {
    new_grid_ = false;
    if (free_pos >= 0.0 && free_score > kRelockMargin * locked_raw) {
      relock(free_pos);
    }
  }
  // A much better phase elsewhere (locked onto off-beats, or the music
  // shifted) takes over once it has won a couple of beats in a row. Judged
  // once per beat, half a period before the predicted beat, where the
  // candidate window is centred on the prediction. A better phase that is
  // still ahead of the beat to come (the off-beat half a period after the
  // last one) is taken earlier, a quarter period after the last beat, when
  // it needs no more votes: judged at the half period, that off-beat had
  // just passed and the corrected grid's first beat came a period later.
  const double to_prediction = predicted_ - low;
  if (!phase_checked_ && to_prediction < kPhaseCheckEarly * p) {
    double apart = std::fmod(std::fabs(free_pos - predicted_), p);
    apart = std::min(apart, p - apart);
    const bool better_elsewhere = free_pos >= 0.0 && free_score > kRelockMargin * locked_raw && apart > 0.15 * p;
    // Until the tempo has produced a few beats its phase is only a first
    // guess too: one beat of clearly better evidence is enough.
    const int needed = beats_at_period_ < kEstablishedBeats ? 1 : kRelockBeats;
    const bool ahead = free_pos >= earliest && free_pos < predicted_;
    if (to_prediction < kPhaseCheck * p) {
      phase_checked_ = true;
      relock_votes_ = better_elsewhere ? relock_votes_ + 1 : 0;
      if (relock_votes_ >= needed) relock(free_pos);
    } else if (better_elsewhere && ahead && relock_votes_ + 1 >= needed) {
      phase_checked_ = true;
      relock(free_pos);
    }
  }
  // Never two beats closer than kMinBeatSpacing periods.
  while (predicted_ < earliest) predicted_ += p;

  if (frame_ % kFitEvery == 0) judge_grid_fit();
}

void BeatTracker::judge_grid_fit() noexcept {
  // Grid fit: how many of the last kFitBeats grid points had a detected
  // onset near them. Counting detections (not novelty) keeps steady noise,
  // which raises the novelty at every phase, from diluting the measure.
  // Onsets fire on the rising edge, about odf_delay_ - 1 frames before the
  // novelty peak the grid is aligned to.
  const auto n = static_cast<double>(frame_ - 1);
  const double tolerance = kFitToleranceSeconds * frame_rate_;
  int points = 0, hits = 0;
  int misses_in_a_row = 0;
  for (int j = 1; j <= kFitBeats; ++j) {
    const double g = predicted_ - j * period_ - (odf_delay_ - 1.0);
    if (g > n - tolerance) continue;  // not judged until the window around it has been heard
    // Grid points before the music started (a lead-in, the silence before a
    // track) are not misses: there was nothing to hit.
    if (g < 0.0 || g < music_start_ - tolerance) break;
    bool hit = false;
    for (std::size_t k = 0; k < onset_count_; ++k) {
      const auto f = static_cast<double>(onset_frames_[k]);
      if (std::fabs(f - g) <= tolerance) {
        hit = true;
        break;
      }
    }
    ++points;
    if (hit) {
      ++hits;
      misses_in_a_row = 0;
      continue;
    }
    // Nor are the points of a break in a groove (a breakdown, a pause)
    // before the groove came back: once the grid has hit at least
    // kFitAfterBreak points since, a run of misses that long ends the window
    // -- otherwise the beat would stay dark for a dozen beats after the drums
    // return. (Only after a groove: in beatless material every run of misses
    // would be a "break", and chance hits after it a beat.)
    if (++misses_in_a_row >= kFitBreakBeats && grooved_ && points - misses_in_a_row >= kFitAfterBreak) {
      points -= misses_in_a_row;
      break;
    }
  }
  if (points == 0) return;
  const float fit = static_cast<float>(hits) / static_cast<float>(points);
  grid_fit_ = fit_primed_ ? fit + fit_decay_ * (grid_fit_ - fit) : fit;
  fit_primed_ = !refit_;
}

void BeatTracker::note_attack(float novelty, std::uint64_t idx, bool audible) noexcept {
  if (!attack_pending_) return;
  if (idx > attack_last_) attack_after_peak_ = std::max(attack_after_peak_, novelty);
  // Judged when due, or at once when the input falls silent (the next start
  // is another attack).
  if (idx >= attack_judged_at_ || !audible) settle_attack();
}

void BeatTracker::settle_attack() noexcept {
  attack_pending_ = false;
  const std::uint64_t newest = frame_ - 1;
  const std::uint64_t last = std::min(attack_last_, newest);
  float attack_peak = 0.0F;
  for (std::uint64_t f = attack_first_; f <= last; ++f)
    attack_peak = std::max(attack_peak, history_[f & history_mask_]);
  // Nothing heard after it (the music stopped): nothing to weigh it against.
  if (attack_after_peak_ <= kMinEnergy || attack_peak <= attack_after_peak_) return;
  const float scale = attack_after_peak_ / attack_peak;
  for (std::uint64_t f = attack_first_; f <= last; ++f) {
    correct_acf(history_, acf_, lag_energy_, acf_zero_, f, (scale - 1.0F) * history_[f & history_mask_]);
    correct_acf(mid_history_, mid_acf_, mid_lag_energy_, mid_acf_zero_, f,
                (scale - 1.0F) * mid_history_[f & history_mask_]);
  }
}

void BeatTracker::correct_acf(std::vector<float>& series, std::vector<float>& acf, std::vector<float>& lag_energy,
                              float& zero_energy, std::uint64_t f, float delta) noexcept {
  // The value at f entered acf[lag] twice: with its partner lag frames later
  // (added when that frame arrived, along with its square in lag_energy[lag])
  // and with its partner lag frames earlier (added when f arrived). Each term
  // has decayed since by one factor per frame. Frames are corrected oldest
  // first, so a pair of corrected frames ends up as the product of their new
  // values.
  const std::uint64_t newest = frame_ - 1;
  const float old_value = series[f & history_mask_];
  const float new_value = old_value + delta;
  const float square_delta = new_value * new_value - old_value * old_value;
  const auto age = static_cast<float>(newest - f);
  const float since_f = std::pow(acf_decay_, age);
  zero_energy += since_f * square_delta;
  // The later partner's term has decayed for age - lag frames: one factor fewer per lag.
  float later_w = std::pow(acf_decay_, age - static_cast<float>(acf_lo_));
  const float per_lag = 1.0F / acf_decay_;
  for (std::size_t lag = acf_lo_; lag <= acf_hi_; ++lag, later_w *= per_lag) {
    if (f + lag <= newest) {
      acf[lag] += later_w * delta * series[(f + lag) & history_mask_];
      lag_energy[lag] += later_w * square_delta;
    }
    if (f >= lag) acf[lag] += since_f * delta * series[(f - lag) & history_mask_];
  }
  series[f & history_mask_] = new_value;
}

std::uint64_t BeatTracker::beat_time_at(double pos, std::uint64_t end_time) const noexcept {
  const auto n = static_cast<double>(frame_ - 1);
  const double t = static_cast<double>(end_time) + (pos - odf_delay_ - n) * hop_;
  return static_cast<std::uint64_t>(std::max(static_cast<double>(end_time), std::round(t)));
}

bool BeatTracker::update(const BeatNovelty& in, std::uint64_t end_time, bool audible) noexcept {
  // Full band plus the low and mid bands again: kicks and snares mark the
  // beat, and hats (many filterbank bands wide) would otherwise dominate.
  const float novelty = in.onset + in.low + in.mid;
  const std::uint64_t idx = frame_;
  history_[idx & history_mask_] = novelty;
  // The phase comb weights the kick band up: tempo only needs periodicity,
  // but phase must pick the beat over the off-beat, and kicks mark the beat
  // even where snares play off it (dembow, breakbeats).
  phase_history_[idx & history_mask_] = novelty + kPhaseLowWeight * in.low;
  // Snare evidence (the onset detector already removed what a kick explains).
  const float snare = in.mid;
  mid_history_[idx & history_mask_] = snare;
  const std::size_t hi = static_cast<std::size_t>(std::min<std::uint64_t>(acf_hi_, idx));
  for (std::size_t lag = acf_lo_; lag <= hi; ++lag) {
    const std::size_t at = (idx - lag) & history_mask_;
    const float x = history_[at], m = mid_history_[at];
    acf_[lag] = acf_decay_ * acf_[lag] + novelty * x;
    lag_energy_[lag] = acf_decay_ * lag_energy_[lag] + x * x;
    mid_acf_[lag] = acf_decay_ * mid_acf_[lag] + snare * m;
    mid_lag_energy_[lag] = acf_decay_ * mid_lag_energy_[lag] + m * m;
  }
  acf_zero_ = acf_decay_ * acf_zero_ + novelty * novelty;
  mid_acf_zero_ = acf_decay_ * mid_acf_zero_ + snare * snare;
  // Triangular smoothing of the phase novelty, centred kSmoothRadius frames
  // back: the phase comb then tolerates timing jitter of a few milliseconds.
  if (idx >= 2 * kSmoothRadius) {
    float sum = 0.0F;
    for (std::size_t k = 0; k <= 2 * kSmoothRadius; ++k) {
      const float w =
          static_cast<float>(kSmoothRadius + 1 - (k > kSmoothRadius ? k - kSmoothRadius : kSmoothRadius - k));
      sum += w * phase_history_[(idx - k) & history_mask_];
    }
    smoothed_[(idx - kSmoothRadius) & history_mask_] =
        sum / static_cast<float>((kSmoothRadius + 1) * (kSmoothRadius + 1));
  }
  ++frame_;

  onset_rate_ =
      rate_decay_ * onset_rate_ + (in.onset_detected ? (1.0F - rate_decay_) * static_cast<float>(frame_rate_) : 0.0F);
  if (!audible) {
    music_started_ = false;
    grooved_ = false;
  }
  note_attack(novelty, idx, audible);
  if (in.onset_detected) {
    if (!music_started_) {
      music_started_ = true;
      music_start_ = static_cast<double>(idx);
      attack_pending_ = true;
      attack_first_ = idx >= kAttackLeadFrames ? idx - kAttackLeadFrames : 0;
      attack_last_ = idx + static_cast<std::uint64_t>(std::ceil(odf_delay_)) + 2 * kSmoothRadius;
      const auto slowest_beat = static_cast<std::uint64_t>(std::ceil(60.0 / s_.min_bpm * frame_rate_));
      attack_judged_at_ = std::max(attack_last_, idx + slowest_beat) + 1;
      attack_after_peak_ = 0.0F;
    }
    onset_frames_[onset_next_] = idx;
    onset_next_ = (onset_next_ + 1) % onset_frames_.size();
    onset_count_ = std::min(onset_count_ + 1, onset_frames_.size());
  }

  if (frame_ % kTempoEvery == 0 && frame_ > 2 * min_lag_) estimate_tempo();
  if (period_ > 0.0) {
    track_phase();
  } else {
    grid_fit_ = 0.0F;
  }

  // Confidence: how much more novelty sits on the beat grid than on average,
  // while onsets keep coming. Falls fast in silence, slowly in a break.
  const float fit = std::clamp((grid_fit_ - kFitFloor) / (kFitFull - kFitFloor), 0.0F, 1.0F);
  const float activity = std::clamp(onset_rate_ / kMinOnsetRate, 0.0F, 1.0F);
  const float target = audible ? fit * activity * stability_ : 0.0F;
  const float coeff = target > confidence_ ? conf_attack_ : (audible ? conf_release_ : conf_silence_release_);
  confidence_ = target + coeff * (confidence_ - target);
  if (!firing_ && confidence_ >= s_.confidence_on && period_ > 0.0) firing_ = true;
  // The confidence releases slowly (a break keeps the grid for a few beats),
  // but a grid that onsets keep missing is no beat, however confident the
  // tracker was in the grid before it (beatless material drifting from one
  // chance tempo to the next).
  const bool grid_lost = grid_fit_ < kFitLost && activity >= 1.0F;
  if (firing_ && (confidence_ < s_.confidence_off || period_ <= 0.0 || grid_lost)) {
    firing_ = false;
    beats_at_period_ = 0;  // whatever plays next, the old tempo is only a first guess
    forget_beat_spacing();
  }

  if (period_ <= 0.0) {
    next_beat_time_ = 0;
    return false;
  }
  next_beat_time_ = firing_ ? beat_time_at(predicted_, end_time) : 0;

  // Commit the next beat when it falls before the end of the next sub-hop:
  // decided from audio before it, reported at its predicted time.
  const auto n = static_cast<double>(frame_ - 1);
  if (predicted_ - odf_delay_ > n + 1.0) return false;
  const std::uint64_t when = beat_time_at(predicted_, end_time);
  last_beat_pos_ = predicted_;
  predicted_ += period_;
  phase_checked_ = false;
  refit_ = false;
  if (!firing_) return false;
  if (++beats_at_period_ >= kGrooveBeats) grooved_ = true;
  note_beat_spacing(last_beat_pos_);
  beat_time_ = when;
  last_beat_time_ = when;
  next_beat_time_ = static_cast<std::uint64_t>(std::round(static_cast<double>(when) + period_ * hop_));
  return true;
}

float BeatTracker::bpm() const noexcept {
  if (period_ <= 0.0 || confidence_ < 0.1F) return 0.0F;
  return static_cast<float>(60.0 * frame_rate_ / (spacing_period_ > 0.0 ? spacing_period_ : period_));
}

float BeatTracker::phase(std::uint64_t now) const noexcept {
  if (!firing_ || next_beat_time_ <= last_beat_time_ || now < last_beat_time_) return 0.0F;
  const double span = static_cast<double>(next_beat_time_ - last_beat_time_);
  return static_cast<float>(std::clamp(static_cast<double>(now - last_beat_time_) / span, 0.0, 0.999));
}

}  // namespace lumina
