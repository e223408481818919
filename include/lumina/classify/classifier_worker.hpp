#pragma once
// The classifier's own thread: pops side-chain blocks, runs the pipeline
// (features, model, hysteresis) and hands each classified window to a sink
// as a ClassifierEvent. It is the only consumer of the queue; the analysis
// thread only ever try-offers into it, so however slow or broken this thread
// is, analysis (and therefore audio and DMX) never waits for it.
//
// An exception escaping the pipeline or the sink stops this thread only: it
// is recorded (failure()), logged by the owner, and the queue simply fills
// up and drops.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "lumina/classify/classifier_pipeline.hpp"
#include "lumina/classify/model.hpp"
#include "lumina/classify/side_chain_block.hpp"

namespace lumina {

struct ClassifierEvent {
  std::string_view label;    // the smoothed (hysteresis) label; valid during the sink call
  float confidence = 0.0F;   // its smoothed probability, 0..1
  std::string_view model;    // "name@version"
  bool changed = false;      // first label, or a different one than the last event's
  std::uint64_t sample_time = 0;  // sample clock at the end of the window
  std::uint32_t sample_rate = 0;
};

struct ClassifierWorkerStats {
  std::uint64_t blocks = 0;    // blocks taken from the queue
  std::uint64_t windows = 0;   // windows classified
  std::uint64_t gaps = 0;      // discontinuities seen (dropped blocks restart the window)
  std::int64_t inference_last_ns = 0, inference_max_ns = 0;
  std::int64_t feature_last_ns = 0, feature_max_ns = 0;  // per block
  int last_label = -1;         // index into the model's labels; -1 before the first window
  float confidence = 0.0F;
  bool running = false;
  bool failed = false;
};

class ClassifierWorker {
 public:
  using EventSink = std::function<void(const ClassifierEvent&)>;

  // `queue` must outlive the worker; the worker owns the model.
  ClassifierWorker(ClassifierModel model, SideChainBlockQueue& queue, LabelSmoother::Settings smoothing,
                   EventSink sink);
  ~ClassifierWorker();
  ClassifierWorker(const ClassifierWorker&) = delete;
  ClassifierWorker& operator=(const ClassifierWorker&) = delete;

  void start();
  void stop();  // idempotent
  ClassifierWorkerStats stats() const noexcept;
  // Why the worker stopped on its own (an exception), if it did.
  std::optional<std::string> failure() const;
  const ClassifierModel& model() const noexcept { return model_; }

  // Test hook: sleep this long after each block, to overload the queue.
  void set_block_delay(std::chrono::microseconds delay) noexcept { block_delay_us_.store(delay.count()); }

 private:
  void run() noexcept;
  void process(const SideChainBlock& block);

  ClassifierModel model_;
  SideChainBlockQueue& queue_;
  ClassifierPipeline pipeline_;
  EventSink sink_;
  std::thread thread_;
  std::atomic<bool> running_{false}, failed_{false};
  std::atomic<std::int64_t> block_delay_us_{0};
  std::atomic<std::uint64_t> blocks_{0}, windows_{0}, gaps_{0};
  std::atomic<std::int64_t> inference_last_ns_{0}, inference_max_ns_{0}, feature_last_ns_{0}, feature_max_ns_{0};
  std::atomic<int> last_label_{-1};
  std::atomic<float> confidence_{0.0F};
  mutable std::mutex failure_mutex_;
  std::string failure_;
  SideChainBlock block_{};  // the popped block (8 KB: kept off the stack)
};

}  // namespace lumina
