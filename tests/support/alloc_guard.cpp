#include "support/alloc_guard.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

#include "lumina/core/realtime.hpp"

// gcc 12 at -O3 wrongly reports replaced operator delete (free) as mismatched
// with the replaced operator new (malloc) once both are inlined into callers.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {

std::atomic<std::uint64_t> g_realtime_heap_operations{0};

void* guarded_alloc(std::size_t size) {
  if (lumina::in_realtime_context()) g_realtime_heap_operations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}

void guarded_free(void* p) noexcept {
  if (p && lumina::in_realtime_context()) g_realtime_heap_operations.fetch_add(1, std::memory_order_relaxed);
  std::free(p);
}

}  // namespace

namespace lumina::testing {
std::uint64_t realtime_heap_operations() noexcept { return g_realtime_heap_operations.load(); }
}  // namespace lumina::testing

void* operator new(std::size_t size) { return guarded_alloc(size); }
void* operator new[](std::size_t size) { return guarded_alloc(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return guarded_alloc(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { guarded_free(p); }
void operator delete[](void* p) noexcept { guarded_free(p); }
void operator delete(void* p, std::size_t) noexcept { guarded_free(p); }
void operator delete[](void* p, std::size_t) noexcept { guarded_free(p); }
