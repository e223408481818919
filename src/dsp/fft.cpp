#include "lumina/dsp/fft.hpp"

#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

#include <fftw3.h>

namespace lumina {
namespace {
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

RealFft::RealFft(std::size_t size) : size_(size) {
  if (size < 2) throw std::invalid_argument("FFT size must be at least 2, got " + std::to_string(size));
  input_ = fftwf_alloc_real(size);
  output_ = reinterpret_cast<std::complex<float>*>(fftwf_alloc_complex(size / 2 + 1));
  if (!input_ || !output_) {
    fftwf_free(input_);
    fftwf_free(output_);
    throw std::bad_alloc();
  }
  std::lock_guard lock(planner_mutex());
  plan_ = fftwf_plan_dft_r2c_1d(static_cast<int>(size), input_, reinterpret_cast<fftwf_complex*>(output_),
                                FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
  if (!plan_) {
    fftwf_free(input_);
    fftwf_free(output_);
    throw std::runtime_error("FFTW could not plan a real FFT of size " + std::to_string(size));
  }
}

RealFft::~RealFft() {
  {
    std::lock_guard lock(planner_mutex());
    fftwf_destroy_plan(static_cast<fftwf_plan>(plan_));
  }
  fftwf_free(input_);
  fftwf_free(output_);
}

void RealFft::execute() noexcept { fftwf_execute(static_cast<fftwf_plan>(plan_)); }

}  // namespace lumina
