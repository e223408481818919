#pragma once
// The analysis parameters from the daemon's configuration: one function for
// the daemon and `luminad analyze`, so the two cannot drift apart.
#include <cstdint>

#include "lumina/core/config.hpp"
#include "lumina/dsp/analyzer.hpp"

namespace lumina {

// Not RT-safe. `sample_rate` is the rate the audio actually runs at.
AnalyzerParams analyzer_params_from_config(const Config::Dsp& dsp, std::uint32_t sample_rate);

}  // namespace lumina
