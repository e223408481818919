#pragma once
// Test-only allocation guard. Linking tests/support/alloc_guard.cpp into a
// test executable replaces the global operator new/delete for that binary;
// every allocation or free made while a lumina::RealtimeScope is active on
// the calling thread is counted, so tests can prove realtime code never
// touches the heap.
#include <cstdint>

namespace lumina::testing {

// Allocations and frees seen inside a RealtimeScope since the process started.
std::uint64_t realtime_heap_operations() noexcept;

}  // namespace lumina::testing
