#include "classifier_service.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "lumina/core/clock.hpp"

namespace lumina {
namespace {
// ai_classifier_event is specified at ≤ 15 Hz; windows come at ≈ 2 Hz, this is the hard cap.
constexpr std::int64_t kMinEventIntervalNs = 1'000'000'000 / 15;
}  // namespace

std::vector<std::filesystem::path> model_path_candidates(const std::string& configured) {
  namespace fs = std::filesystem;
  const fs::path path(configured);
  if (path.is_absolute()) return {path};
  std::vector<fs::path> candidates{fs::absolute(path)};
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share" / "luminad" / "models" / path.filename());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (fs::exists(candidates[i], ec)) {
      std::rotate(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(i),
                  candidates.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      break;
    }
  }
  return candidates;
}

ClassifierService::ClassifierService(const Config::Classifier& config, EventHook publish)
    : config_(config), publish_(std::move(publish)) {
  if (!config_.enabled) {
    spdlog::info("classifier: disabled by configuration (classifier.enabled = false)");
    return;
  }
  const auto candidates = model_path_candidates(config_.model);
  try {
    ClassifierModel model = ClassifierModel::load(candidates.front());
    labels_ = model.labels();
    spdlog::info("classifier: model {} from {} (labels: {})", model.id(), candidates.front().string(),
                 fmt::join(labels_, ", "));
    queue_ = std::make_unique<SideChainBlockQueue>(config_.queue_size);
    tap_ = std::make_unique<SideChainTap>(*queue_);
    LabelSmoother::Settings smoothing;
    smoothing.switch_windows = config_.hysteresis_windows;
    smoothing.min_confidence = static_cast<float>(config_.min_confidence);
    worker_ = std::make_unique<ClassifierWorker>(std::move(model), *queue_, smoothing,
                                                 [this](const ClassifierEvent& e) { on_event(e); });
    // Test hook (integration tests of the overload path): slow the worker down.
    if (const char* delay = std::getenv("LUMINA_TEST_CLASSIFIER_DELAY_US")) {
      worker_->set_block_delay(std::chrono::microseconds(std::strtoll(delay, nullptr, 10)));
      spdlog::warn("classifier: test hook LUMINA_TEST_CLASSIFIER_DELAY_US = {} us per block", delay);
    }
  } catch (const ModelError& e) {
    load_error_ = e.what();
    if (candidates.size() > 1 && !std::filesystem::exists(candidates.front())) {
      load_error_ += " (also looked for " + candidates[1].string() + ")";
    }
    spdlog::error("classifier disabled, the rest of the daemon runs on: {}", load_error_);
  }
}

ClassifierService::~ClassifierService() { stop(); }

void ClassifierService::start() {
  if (worker_) worker_->start();
}

void ClassifierService::stop() {
  if (worker_) worker_->stop();
}

void ClassifierService::poll() {
  if (!worker_ || failure_logged_) return;
  if (auto failure = worker_->failure()) {
    failure_logged_ = true;
    spdlog::error("classifier worker stopped after an error; classification is off until restart: {}", *failure);
  }
}

bool ClassifierService::degraded() const {
  if (!config_.enabled) return false;
  return !load_error_.empty() || (worker_ && worker_->stats().failed);
}

void ClassifierService::on_event(const ClassifierEvent& event) {
  const std::int64_t now = monotonic_ns();
  if (!event.changed && now - last_event_ns_ < kMinEventIntervalNs) return;
  last_event_ns_ = now;
  events_.fetch_add(1, std::memory_order_relaxed);
  if (publish_) publish_(event);
  if (label_hook_) label_hook_(event);
}

nlohmann::json ClassifierService::status() const {
  using nlohmann::json;
  json s = {{"enabled", config_.enabled}, {"degraded", degraded()}};
  std::string reason = load_error_;
  if (worker_) {
    if (auto failure = worker_->failure()) reason = "worker stopped: " + *failure;
  }
  s["reason"] = reason.empty() ? json(nullptr) : json(reason);
  if (!worker_) {
    s["model"] = nullptr;
    return s;
  }
  const SideChainCounters q = queue_->counters();
  const ClassifierWorkerStats w = worker_->stats();
  s["model"] = worker_->model().id();
  s["running"] = w.running;
  s["queueSize"] = q.capacity;
  s["queueDepth"] = q.depth;
  s["offered"] = q.offered;
  s["enqueued"] = q.enqueued;
  s["dropped"] = q.dropped;
  s["windows"] = w.windows;
  s["gaps"] = w.gaps;
  s["events"] = events_.load(std::memory_order_relaxed);
  s["inferenceUsLast"] = static_cast<double>(w.inference_last_ns) / 1e3;
  s["inferenceUsMax"] = static_cast<double>(w.inference_max_ns) / 1e3;
  s["featureUsLast"] = static_cast<double>(w.feature_last_ns) / 1e3;
  s["featureUsMax"] = static_cast<double>(w.feature_max_ns) / 1e3;
  s["lastLabel"] = w.last_label >= 0 ? json(labels_[static_cast<std::size_t>(w.last_label)]) : json(nullptr);
  s["confidence"] = w.confidence;
  return s;
}

std::vector<MetricSample> ClassifierService::metrics() const {
  std::vector<MetricSample> out;
  out.push_back({.name = "lumina_classifier_degraded",
                 .help = "1 when the classifier is enabled but not working (model not loaded or worker stopped).",
                 .type = MetricType::kGauge,
                 .value = degraded() ? 1.0 : 0.0});
  if (!worker_) return out;
  const SideChainCounters q = queue_->counters();
  const ClassifierWorkerStats w = worker_->stats();
  auto add = [&](const char* name, const char* help, MetricType type, double value) {
    out.push_back({.name = name, .help = help, .type = type, .value = value});
  };
  add("lumina_classifier_enqueued_total", "Side-chain blocks queued for the classifier.", MetricType::kCounter,
      static_cast<double>(q.enqueued));
  add("lumina_classifier_dropped_total", "Side-chain blocks dropped because the classifier queue was full.",
      MetricType::kCounter, static_cast<double>(q.dropped));
  add("lumina_classifier_queue_depth", "Side-chain blocks waiting for the classifier.", MetricType::kGauge,
      static_cast<double>(q.depth));
  add("lumina_classifier_queue_capacity", "Side-chain blocks the classifier queue holds (classifier.queueSize).",
      MetricType::kGauge, static_cast<double>(q.capacity));
  add("lumina_classifier_windows_total", "Windows classified.", MetricType::kCounter, static_cast<double>(w.windows));
  add("lumina_classifier_events_total", "ai_classifier_event pushes.", MetricType::kCounter,
      static_cast<double>(events_.load(std::memory_order_relaxed)));
  add("lumina_classifier_inference_seconds", "Duration of the last model inference.", MetricType::kGauge,
      static_cast<double>(w.inference_last_ns) / 1e9);
  add("lumina_classifier_inference_max_seconds", "Worst model inference duration since start.", MetricType::kGauge,
      static_cast<double>(w.inference_max_ns) / 1e9);
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    MetricSample m{.name = "lumina_classifier_label",
                   .help = "1 for the label the classifier currently reports.",
                   .type = MetricType::kGauge,
                   .labels = {{"label", labels_[i]}},
                   .value = static_cast<int>(i) == w.last_label ? 1.0 : 0.0};
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace lumina
