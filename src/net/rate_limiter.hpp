#pragma once
// A token bucket: `rate` tokens per second accumulate up to `burst`; each
// message takes one. Time is passed in, so tests need no sleeping. Not
// thread-safe (one per session, io thread); not RT-safe only by being
// unneeded there: no allocation, no locks.
#include <algorithm>
#include <chrono>

namespace lumina::net {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // rate <= 0: unlimited (try_take always succeeds). Starts full.
  TokenBucket(double rate_per_sec, double burst) : rate_(rate_per_sec), burst_(std::max(1.0, burst)), tokens_(burst_) {}

  bool unlimited() const noexcept { return rate_ <= 0.0; }

  bool try_take(Clock::time_point now) noexcept {
    if (unlimited()) return true;
    if (last_ != Clock::time_point{} && now > last_) {
      const double elapsed = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    }
    if (now > last_ || last_ == Clock::time_point{}) last_ = now;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_{};
};

}  // namespace lumina::net
