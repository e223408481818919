#pragma once
// A real-to-complex FFTW (single precision) plan with its aligned buffers.
// Planning is serialised behind a process-wide mutex because FFTW's planner
// is not thread-safe; executing distinct plans concurrently is.
#include <complex>
#include <cstddef>
#include <span>

namespace lumina {

class RealFft {
 public:
  // Not RT-safe: allocates aligned buffers and plans (FFTW_ESTIMATE: no timing runs).
  explicit RealFft(std::size_t size);
  ~RealFft();
  RealFft(const RealFft&) = delete;
  RealFft& operator=(const RealFft&) = delete;

  std::size_t size() const noexcept { return size_; }
  // The time-domain input (size() floats) to fill before execute().
  std::span<float> input() noexcept { return {input_, size_}; }
  // RT-safe: no allocation. Transforms input() into spectrum().
  void execute() noexcept;
  // size()/2 + 1 bins, valid after execute().
  std::span<const std::complex<float>> spectrum() const noexcept { return {output_, size_ / 2 + 1}; }

 private:
  std::size_t size_;
  float* input_ = nullptr;
  std::complex<float>* output_ = nullptr;  // layout-compatible with fftwf_complex
  void* plan_ = nullptr;
};

}  // namespace lumina
