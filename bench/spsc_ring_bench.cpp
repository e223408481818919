// Throughput of the SPSC ring between two threads, for the chunk type the
// callback hands to analysis and for a plain integer (baseline in the same run).
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include "lumina/core/audio_chunk.hpp"

namespace {

template <typename T>
void BM_SpscTransfer(benchmark::State& state) {
  lumina::SpscRing<T> ring(512);
  std::atomic<bool> stop{false};
  std::thread consumer([&] {
    T value{};
    while (!stop.load(std::memory_order_relaxed)) {
      if (!ring.try_pop(value)) std::this_thread::yield();
    }
  });
  T item{};
  for (auto _ : state) {
    while (!ring.try_push(item)) {
    }
  }
  stop = true;
  consumer.join();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * sizeof(T)));
}

BENCHMARK(BM_SpscTransfer<std::uint64_t>)->UseRealTime();
BENCHMARK(BM_SpscTransfer<lumina::AudioChunk>)->UseRealTime();

}  // namespace
