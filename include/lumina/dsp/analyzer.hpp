#pragma once
// The analysis core shared by the daemon's analysis thread and the offline
// `luminad analyze` mode: feed samples with their sample-clock time, get one
// AnalysisFrame per hop. All allocation happens in the constructor.
//
// Two paths run on the same samples:
//  - meters: Hann + FFT of fftSize every `hop` samples → RMS, peak, bands;
//  - events: a short-window onset detector every sub-hop (≈ 2.7 ms, see
//    OnsetDetector) → onsets, kick/snare/hihat, and the beat tracker.
// Events from the sub-hops that end inside a hop are reported in that hop's
// frame, so the frame rate stays the meters' while detection delay does not
// depend on fftSize.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lumina/dsp/analysis_frame.hpp"
#include "lumina/dsp/auto_gain.hpp"
#include "lumina/dsp/band_layout.hpp"
#include "lumina/dsp/beat_tracker.hpp"
#include "lumina/dsp/fft.hpp"
#include "lumina/dsp/onset_detector.hpp"

namespace lumina {

struct AnalyzerParams {
  std::uint32_t sample_rate = 48000;
  std::uint32_t fft_size = 2048;
  std::uint32_t hop = 512;
  std::uint32_t bands = 8;
  BandScale band_scale = BandScale::kLog;
  double analysis_gain = 1.0;     // applied to analysis input only
  double gate_rms = 0.0;          // hop RMS (after gain) below this reads as silence
  double meter_floor_db = -60.0;  // dBFS mapped to meter 0; 0 dBFS maps to 1
  // Automatic gain for the meters (rms, peak, bands); off by default.
  bool auto_gain = false;
  double auto_gain_target_db = -20.0;  // hop RMS the meters are steered to (dBFS)
  double auto_gain_max_db = 24.0;      // largest boost or cut
};

// The error for the first out-of-range field, naming it (as in the config
// and protocol: fftSize, hop, ...) and its allowed range; nullopt when valid.
std::optional<std::string> validate_analyzer_params(const AnalyzerParams& params);

// dBFS → meter 0..1 over [floor_db, 0]. RT-safe.
float db_to_meter(float db, float floor_db) noexcept;

class Analyzer {
 public:
  using FrameSink = std::function<void(const AnalysisFrame&)>;

  // Not RT-safe: allocates buffers and plans the FFTs. Throws
  // std::invalid_argument with validate_analyzer_params()'s message.
  Analyzer(const AnalyzerParams& params, FrameSink sink);
  ~Analyzer();
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  // No allocation (runs on the analysis thread). Calls the sink once per
  // completed hop. `sample_time` is the clock index of samples[0].
  void feed(const float* samples, std::size_t count, std::uint64_t sample_time, std::int64_t captured_ns);

  // Samples until the current hop completes (0 right after a hop boundary).
  std::uint32_t samples_to_hop_boundary() const noexcept { return hop_fill_ == 0 ? 0 : params_.hop - hop_fill_; }

  // Takes over the running state of `previous` (which keeps working but is
  // no longer fed): audio history, smoothed meters, automatic gain, event
  // counters and, at the same sample rate, the onset detector and beat
  // tracker themselves, so onsets, tempo and phase continue seamlessly.
  // No allocation (ownership of sub-objects is swapped, not copied); call at
  // a hop boundary of `previous`.
  void adopt(Analyzer& previous) noexcept;

  const AnalyzerParams& params() const noexcept { return params_; }
  const std::vector<BinRange>& layout() const noexcept { return layout_; }
  const OnsetDetector& onset_detector() const noexcept { return *onsets_; }
  // Discontinuities seen in the input clock (dropped audio upstream).
  std::uint64_t gaps() const noexcept { return gaps_; }

 private:
  void finish_hop(std::uint64_t end_time, std::int64_t captured_ns);
  void on_onset_frame(const OnsetResult& r) noexcept;

  AnalyzerParams params_;
  FrameSink sink_;
  RealFft fft_;
  std::vector<float> window_;
  std::vector<float> history_;  // circular, fft_size samples
  std::vector<BinRange> layout_;
  std::size_t write_pos_ = 0;
  std::uint32_t hop_fill_ = 0;
  double hop_sum_squares_ = 0.0;
  float hop_peak_ = 0.0F;
  double window_power_ = 0.0;  // N * sum(w^2): normalises band power to sine power
  std::uint64_t expected_time_ = 0;
  bool started_ = false;
  std::uint64_t gaps_ = 0;
  // Smoothing coefficients per hop (one-pole, exp(-hop/tau)).
  float attack_ = 0.0F, release_ = 0.0F, peak_release_ = 0.0F;
  AnalysisFrame smoothed_{};
  AutoGain auto_gain_;

  // Event path.
  std::unique_ptr<OnsetDetector> onsets_;
  std::unique_ptr<BeatTracker> beats_;
  double sub_sum_squares_ = 0.0;  // current onset sub-hop
  std::uint32_t sub_fill_ = 0;
  std::uint32_t audible_hold_ = 0;  // sub-hops the input still counts as audible
  std::uint32_t audible_hold_frames_ = 0;
  // Aggregated over the sub-hops of the current hop.
  bool hop_onset_ = false;
  float hop_strength_ = 0.0F;
  std::array<float, kOnsetBandCount> hop_band_{};
  // Committed beats not yet reported (a beat is committed one sub-hop ahead).
  std::array<std::uint64_t, 4> pending_beats_{};
  std::size_t pending_count_ = 0;
};

}  // namespace lumina
