#pragma once
// The analysis core shared by the daemon's analysis thread and (later) the
// offline `luminad analyze` mode: feed samples with their sample-clock time,
// get one AnalysisFrame per hop. All allocation happens in the constructor.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "lumina/dsp/analysis_frame.hpp"
#include "lumina/dsp/band_layout.hpp"
#include "lumina/dsp/fft.hpp"

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
};

// dBFS → meter 0..1 over [floor_db, 0]. RT-safe.
float db_to_meter(float db, float floor_db) noexcept;

class Analyzer {
 public:
  using FrameSink = std::function<void(const AnalysisFrame&)>;

  // Not RT-safe: allocates buffers and plans the FFT. Throws std::invalid_argument
  // naming the parameter when params are out of range.
  Analyzer(const AnalyzerParams& params, FrameSink sink);

  // No allocation (RT-safe in principle; runs on the analysis thread). Calls the
  // sink once per completed hop. `sample_time` is the clock index of samples[0].
  void feed(const float* samples, std::size_t count, std::uint64_t sample_time, std::int64_t captured_ns);

  const AnalyzerParams& params() const noexcept { return params_; }
  const std::vector<BinRange>& layout() const noexcept { return layout_; }
  // Discontinuities seen in the input clock (dropped audio upstream).
  std::uint64_t gaps() const noexcept { return gaps_; }

 private:
  void finish_hop(std::uint64_t end_time, std::int64_t captured_ns);

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
};

}  // namespace lumina
