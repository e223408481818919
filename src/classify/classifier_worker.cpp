#include "lumina/classify/classifier_worker.hpp"

#include <pthread.h>

#include <exception>

namespace lumina {
namespace {
// The analysis thread never signals (it only try-offers), so the worker
// polls. Blocks arrive every ≈ 43 ms; 5 ms of polling latency is invisible.
constexpr auto kIdlePoll = std::chrono::milliseconds(5);

void raise_max(std::atomic<std::int64_t>& max, std::int64_t value) {
  if (value > max.load(std::memory_order_relaxed)) max.store(value, std::memory_order_relaxed);
}
}  // namespace

ClassifierWorker::ClassifierWorker(ClassifierModel model, SideChainBlockQueue& queue, LabelSmoother::Settings smoothing,
                                   EventSink sink)
    : model_(std::move(model)), queue_(queue), pipeline_(&model_, smoothing), sink_(std::move(sink)) {}

ClassifierWorker::~ClassifierWorker() { stop(); }

void ClassifierWorker::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { run(); });
}

void ClassifierWorker::stop() {
  running_.store(false);
  if (thread_.joinable()) thread_.join();
}

void ClassifierWorker::run() noexcept {
  pthread_setname_np(pthread_self(), "lumina-classify");
  try {
    while (running_.load(std::memory_order_relaxed)) {
      if (!queue_.try_take(block_)) {
        std::this_thread::sleep_for(kIdlePoll);
        continue;
      }
      process(block_);
      if (const auto delay = block_delay_us_.load(std::memory_order_relaxed); delay > 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(delay));
      }
    }
  } catch (const std::exception& e) {
    std::lock_guard lock(failure_mutex_);
    failure_ = e.what();
    failed_.store(true);
  } catch (...) {
    std::lock_guard lock(failure_mutex_);
    failure_ = "unknown exception";
    failed_.store(true);
  }
}

void ClassifierWorker::process(const SideChainBlock& block) {
  pipeline_.consume(block, [this](const ClassifiedWindow& w) {
    windows_.fetch_add(1, std::memory_order_relaxed);
    inference_last_ns_.store(w.inference_ns, std::memory_order_relaxed);
    raise_max(inference_max_ns_, w.inference_ns);
    last_label_.store(static_cast<int>(w.decision.label), std::memory_order_relaxed);
    confidence_.store(w.decision.confidence, std::memory_order_relaxed);
    ClassifierEvent event;
    event.label = model_.labels()[w.decision.label];
    event.confidence = w.decision.confidence;
    event.model = model_.id();
    event.changed = w.decision.changed;
    event.sample_time = w.end_time;
    event.sample_rate = w.sample_rate;
    if (sink_) sink_(event);
  });
  blocks_.fetch_add(1, std::memory_order_relaxed);
  gaps_.store(pipeline_.gaps(), std::memory_order_relaxed);
  feature_last_ns_.store(pipeline_.last_feature_ns(), std::memory_order_relaxed);
  raise_max(feature_max_ns_, pipeline_.last_feature_ns());
}

ClassifierWorkerStats ClassifierWorker::stats() const noexcept {
  ClassifierWorkerStats s;
  s.blocks = blocks_.load(std::memory_order_relaxed);
  s.windows = windows_.load(std::memory_order_relaxed);
  s.gaps = gaps_.load(std::memory_order_relaxed);
  s.inference_last_ns = inference_last_ns_.load(std::memory_order_relaxed);
  s.inference_max_ns = inference_max_ns_.load(std::memory_order_relaxed);
  s.feature_last_ns = feature_last_ns_.load(std::memory_order_relaxed);
  s.feature_max_ns = feature_max_ns_.load(std::memory_order_relaxed);
  s.last_label = last_label_.load(std::memory_order_relaxed);
  s.confidence = confidence_.load(std::memory_order_relaxed);
  s.failed = failed_.load();
  s.running = running_.load() && !s.failed;
  return s;
}

std::optional<std::string> ClassifierWorker::failure() const {
  std::lock_guard lock(failure_mutex_);
  if (!failed_.load()) return std::nullopt;
  return failure_;
}

}  // namespace lumina
