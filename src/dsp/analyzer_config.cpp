#include "lumina/dsp/analyzer_config.hpp"

namespace lumina {

AnalyzerParams analyzer_params_from_config(const Config::Dsp& dsp, std::uint32_t sample_rate) {
  AnalyzerParams params;
  params.sample_rate = sample_rate;
  params.fft_size = dsp.fft_size;
  params.hop = dsp.hop;
  params.bands = dsp.bands;
  params.analysis_gain = dsp.analysis_gain;
  params.gate_rms = dsp.gate_rms;
  params.meter_floor_db = dsp.meter_floor_db;
  params.auto_gain = dsp.auto_gain;
  params.auto_gain_target_db = dsp.auto_gain_target_db;
  params.auto_gain_max_db = dsp.auto_gain_max_db;
  return params;
}

}  // namespace lumina
