#pragma once
// Causal tempo estimation and a phase-locked, predictive beat tracker, driven
// by the onset novelty (one value per onset sub-hop).
//
// Tempo: an exponentially forgetting autocorrelation of the novelty (3 s, so
// it follows tempo changes), each lag scored over 60..200 BPM with its second
// harmonic, a backbeat term (the snare band repeating every two beats but not
// every beat) and a prior that favours 80..160 BPM. Early on, the share of
// the window that has a partner two beats back is known from the lag
// energies: the two-beat terms count that much and the rest is filled in as
// if the period repeated, so a slow tempo is not beaten by its double just
// for having been heard less (beats start from the first few hits). A tempo
// whose grid alternates strong and weak points (the eighths) is marked down
// against its half, and one whose beat splits into eight even pulses (the
// odd eighths of its period repeat as strongly as the period: sixteenths of
// a beat twice as fast) against its double. The attack the music starts
// with out of silence (every instrument against nothing: several times any
// later peak) counts in the autocorrelation, once a beat at the slowest
// tempo has followed it, no more than the largest peak since -- otherwise
// the lags from it decide the first seconds. A new tempo must win for a
// while before it replaces an established one, and a change of metrical
// level (double, half, 3:2) or a switch away from a grid that still fits
// must win by far more for far longer while the estimates still back the
// current tempo (no octave flapping); a double whose every other point is
// weak is never taken; sub-lag precision from parabolic interpolation. The
// reported tempo is the spacing of the last sixteen fired beats (least
// squares) once there are six within 2 % of the tracked period: the phase
// lock makes them follow the music, so it is finer than the
// autocorrelation's 3 s window (which wanders by ~1 % on loose timing).
// Phase: every sub-hop a comb over the last six beat periods of novelty (kick
// band weighted up) scores each candidate position of the next beat, weighted
// towards the current prediction (phase lock); a clearly better phase
// elsewhere takes over after two beats (one while the tempo is a first
// guess, at once when the tempo has just changed to a non-relative). The
// next beat is committed one sub-hop before it happens, from past audio
// only, and reported at its predicted sample time.
// Confidence: the share of the last twelve grid points since the music
// started that had a detected onset near them (grid fit, judged afresh when
// the tempo or the phase changes; after four bars of groove, a break of four
// or more empty points is forgotten once four points have followed it, so
// the beat returns within a few beats of the drums), while onsets keep
// coming: it falls in silence (fast),
// after a break (beat by beat: the grid flywheels for a few beats), and stays
// low in beatless material; beats stop below it, and at once when onsets
// keep coming but miss the grid.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace lumina {

// One onset sub-hop's novelty (detection function above its running median).
struct BeatNovelty {
  float onset = 0.0F;  // full band
  float low = 0.0F;    // kick band: beats are where the low end hits
  float mid = 0.0F;    // snare band: its period is two beats in backbeat music
  bool onset_detected = false;
};

struct BeatTrackerSettings {
  double min_bpm = 60.0;
  double max_bpm = 200.0;
  double acf_seconds = 3.0;      // memory of the tempo autocorrelation
  double comb_beats = 6.0;       // beat periods of history scored for phase
  float confidence_on = 0.35F;   // start firing beats at or above this
  float confidence_off = 0.22F;  // stop below this
};

class BeatTracker {
 public:
  // Not RT-safe: allocates. `frame_rate` = novelty values per second,
  // `hop` = samples per novelty value, `odf_delay_frames` = the onset
  // detector's group delay (novelty peaks this many frames after an onset).
  BeatTracker(double frame_rate, std::uint32_t hop, double odf_delay_frames, const BeatTrackerSettings& settings = {});

  // RT-safe: no allocation. One call per novelty frame; `end_time` is the
  // sample clock just past that frame, `audible` whether the input is above
  // the silence gate. Returns true when a beat was committed: its time is
  // beat_time(), at or after end_time and before end_time + hop.
  bool update(const BeatNovelty& novelty, std::uint64_t end_time, bool audible) noexcept;

  std::uint64_t beat_time() const noexcept { return beat_time_; }
  // Predicted sample time of the next beat (0 when not tracking).
  std::uint64_t next_beat_time() const noexcept { return next_beat_time_; }
  float bpm() const noexcept;  // 0 when unknown
  float confidence() const noexcept { return confidence_; }
  float phase(std::uint64_t now) const noexcept;  // 0..1 since the last beat
  bool firing() const noexcept { return firing_; }
  double period_frames() const noexcept { return period_; }
  // The tempo autocorrelation at a lag in novelty frames, normalised as the
  // tempo score reads it (diagnostics and tests).
  float autocorrelation(double lag_frames) const noexcept { return acf(lag_frames); }

 private:
  // Every helper below is called from update(): RT-safe (no allocation, lock or I/O).
  float acf(double lag) const noexcept;  // normalised, interpolated
  float mid_acf(double lag) const noexcept;
  float tempo_score(double lag) const noexcept;
  float alternation(double period) const noexcept;  // weaker/stronger of the grid's odd and even points
  float acf_peak(double lag) const noexcept;        // largest acf within kPeakSearch frames (timing jitter)
  float subdivision(double lag) const noexcept;     // odd eighths of the period against the period; -1: unknown
  float level_factor(double lag) const noexcept;    // 0.25..1: lower when the grid alternates or is split in eight
  float level_score(double lag) const noexcept;     // tempo_score * level_factor
  float smoothed_at(double frame) const noexcept;   // smoothed novelty at an absolute frame index, interpolated
  void estimate_tempo() noexcept;
  void track_phase() noexcept;
  void judge_grid_fit() noexcept;
  std::uint64_t beat_time_at(double pos, std::uint64_t end_time) const noexcept;
  void note_beat_spacing(double pos) noexcept;  // a fired beat's position: refits spacing_period_
  void forget_beat_spacing() noexcept;          // the grid moved (new tempo, relock, stopped)
  void grid_moved() noexcept;        // new tempo or phase: spacing forgotten, fit judged afresh (not smoothed on)
  void relock(double pos) noexcept;  // the same tempo at another phase: next beat at `pos`
  void note_attack(float novelty, std::uint64_t idx,
                   bool audible) noexcept;  // follows the attack the music started with
  void settle_attack() noexcept;            // weighs that attack in the autocorrelation as the music after it
  // Adds `delta` to the value at absolute frame `f` of one autocorrelated series, with every term it is part of.
  void correct_acf(std::vector<float>& series, std::vector<float>& acf, std::vector<float>& lag_energy,
                   float& zero_energy, std::uint64_t f, float delta) noexcept;

  BeatTrackerSettings s_;
  double frame_rate_;
  std::uint32_t hop_;
  double odf_delay_;
  std::size_t min_lag_, max_lag_;  // candidate beat periods (frames)
  std::size_t acf_lo_, acf_hi_;    // lags kept in the autocorrelation
  static constexpr std::size_t kSmoothRadius = 4;
  std::vector<float> history_;        // novelty, circular (power of two)
  std::vector<float> phase_history_;  // novelty for the phase comb (kick band weighted up)
  std::vector<float> smoothed_;       // phase_history_ smoothed, valid up to kSmoothRadius frames back
  std::size_t history_mask_;
  std::vector<float> acf_;          // indexed by lag
  std::vector<float> mid_history_;  // mid-band novelty, circular like history_
  std::vector<float> mid_acf_;      // its autocorrelation, indexed by lag
  float mid_acf_zero_ = 0.0F;
  std::vector<float> lag_energy_, mid_lag_energy_;  // energy of the lagged operand, per lag
  std::vector<float> prior_;                        // tempo prior, indexed by lag
  float acf_zero_ = 0.0F;
  float acf_decay_ = 1.0F;
  std::uint64_t frame_ = 0;  // novelty frames seen

  // Tempo
  double period_ = 0.0;  // frames per beat, 0 = none
  double candidate_period_ = 0.0;
  int candidate_votes_ = 0;
  int beats_at_period_ = 0;  // beats fired since the tempo was last replaced
  float salience_ = 0.0F;

  // Phase: positions are in novelty-frame coordinates (frame index of the
  // novelty peak a beat causes).
  double predicted_ = -1.0;  // next beat's novelty position
  double last_beat_pos_ = -1e12;
  int relock_votes_ = 0;        // consecutive beats a better phase won
  bool phase_checked_ = false;  // relock judged for the coming beat
  bool new_grid_ = false;       // the tempo was just replaced: judge the phase at once

  // Activity and confidence
  float onset_rate_ = 0.0F, rate_decay_ = 1.0F;  // detected onsets per second
  float grid_fit_ = 0.0F, fit_decay_ = 1.0F;     // smoothed share of recent grid points with an onset
  std::vector<std::uint64_t> onset_frames_;      // recent detected onsets (frame index), circular
  std::size_t onset_next_ = 0, onset_count_ = 0;
  bool fit_primed_ = false;
  bool refit_ = false;          // the tempo was replaced: the grid fit follows the raw share until the next beat
  bool music_started_ = false;  // an onset since the input was last inaudible
  double music_start_ = 0.0;    // frame of that first onset
  bool grooved_ = false;        // a tempo has fired kGrooveBeats beats since the music started
  // The attack the music started with (out of silence): its frames, and the
  // largest novelty heard after it until it is judged (see settle_attack).
  bool attack_pending_ = false;
  std::uint64_t attack_first_ = 0, attack_last_ = 0, attack_judged_at_ = 0;
  float attack_after_peak_ = 0.0F;
  // Positions of the last fired beats on one grid (circular) and the tempo
  // their spacing gives (0 = not enough of them, or disagreeing with period_).
  std::array<double, 16> spacing_pos_{};
  std::size_t spacing_next_ = 0, spacing_count_ = 0;
  double spacing_period_ = 0.0;
  float stability_ = 1.0F, stability_decay_ = 1.0F;  // share of recent tempo estimates agreeing with period_
  float conf_attack_ = 1.0F, conf_release_ = 1.0F, conf_silence_release_ = 1.0F;
  float confidence_ = 0.0F;
  bool firing_ = false;
  std::uint64_t beat_time_ = 0;
  std::uint64_t last_beat_time_ = 0;
  std::uint64_t next_beat_time_ = 0;
};

}  // namespace lumina
