#pragma once
// Daemon glue for the side-chain classifier: resolves and loads the model,
// owns the bounded queue, the analysis thread's tap and the worker, turns
// the worker's events into `ai_classifier_event` pushes and label-hook calls,
// and reports status and metrics.
//
// Failure isolation: a missing or unusable model leaves the service
// "degraded" (one clear log line, the reason in status) with no tap and no
// worker; an exception in the worker stops only the worker (logged once by
// poll(), reported degraded). Audio, analysis and DMX never notice either.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lumina/classify/classifier_worker.hpp"
#include "lumina/classify/side_chain_block.hpp"
#include "lumina/core/config.hpp"
#include "lumina/net/server.hpp"

namespace lumina {

// The model file a configured path names: absolute as given; relative, the
// first that exists of <working dir>/<path> and <exe dir>/../share/luminad/models/<file name>.
// Returns every candidate tried, the chosen (existing) one first when there is one.
std::vector<std::filesystem::path> model_path_candidates(const std::string& configured);

class ClassifierService {
 public:
  using EventHook = std::function<void(const ClassifierEvent&)>;

  // Not RT-safe. Never throws for model problems (degraded instead).
  // `publish` is called on the worker thread for every event (≤ 15 Hz).
  ClassifierService(const Config::Classifier& config, EventHook publish);
  ~ClassifierService();
  ClassifierService(const ClassifierService&) = delete;
  ClassifierService& operator=(const ClassifierService&) = delete;

  // The show's hook: called on the worker thread for every published event
  // (event.changed marks a new label). Set before start().
  void set_label_hook(EventHook hook) { label_hook_ = std::move(hook); }

  // The analysis thread's offer point, or nullptr when degraded/disabled.
  ChunkTap* tap() noexcept { return tap_.get(); }
  void start();
  void stop();  // idempotent; call before whatever `publish` uses goes away
  // Control thread, ≈ 1 Hz: logs a worker failure once.
  void poll();

  bool enabled() const noexcept { return config_.enabled; }
  bool degraded() const;
  nlohmann::json status() const;
  std::vector<MetricSample> metrics() const;
  ClassifierWorker* worker() noexcept { return worker_.get(); }

 private:
  void on_event(const ClassifierEvent& event);

  Config::Classifier config_;
  EventHook publish_, label_hook_;
  std::string load_error_;  // set at construction when the model could not be used
  std::unique_ptr<SideChainBlockQueue> queue_;
  std::unique_ptr<SideChainTap> tap_;
  std::unique_ptr<ClassifierWorker> worker_;
  std::vector<std::string> labels_;
  std::int64_t last_event_ns_ = 0;           // worker thread only
  std::atomic<std::uint64_t> events_{0};
  bool failure_logged_ = false;
};

}  // namespace lumina
