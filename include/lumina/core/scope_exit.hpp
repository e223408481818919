#pragma once
// Runs a callable when the scope ends, on every path out (return or throw):
//   ScopeExit cleanup{[&] { remove(temp); }};
// release() cancels it (the work succeeded and someone else owns the result).
#include <utility>

namespace lumina {

template <typename F>
class ScopeExit {
 public:
  explicit ScopeExit(F f) : f_(std::move(f)) {}
  ~ScopeExit() {
    if (armed_) f_();
  }
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  void release() noexcept { armed_ = false; }

 private:
  F f_;
  bool armed_ = true;
};

}  // namespace lumina
