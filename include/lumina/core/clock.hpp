#pragma once
#include <cstdint>

namespace lumina {

// CLOCK_MONOTONIC in nanoseconds. RT-safe (vDSO, no syscall on Linux).
std::int64_t monotonic_ns() noexcept;

// Wall clock as float Unix seconds (the protocol's `ts`). Not for intervals.
double unix_seconds() noexcept;

// Sleeps until the absolute CLOCK_MONOTONIC deadline (restarts on EINTR).
// Absolute deadlines keep periodic threads from drifting. Not RT-safe.
void sleep_until_ns(std::int64_t deadline_ns) noexcept;

}  // namespace lumina
