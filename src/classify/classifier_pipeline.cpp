#include "lumina/classify/classifier_pipeline.hpp"

#include "lumina/core/clock.hpp"

namespace lumina {

ClassifierPipeline::ClassifierPipeline(ClassifierModel* model, LabelSmoother::Settings smoothing)
    : model_(model), smoother_(smoothing), probabilities_(model ? model->label_count() : 0, 0.0F) {}

void ClassifierPipeline::consume(const SideChainBlock& block, const WindowSink& sink) {
  if (!extractor_ || extractor_->sample_rate() != block.sample_rate) {
    extractor_ = std::make_unique<FeatureExtractor>(block.sample_rate);
    expected_time_ = block.sample_time;
  }
  if (block.sample_time != expected_time_) {
    // A dropped block (queue full) or lost audio: a window must be contiguous,
    // so start over. The label and its smoothing survive the gap.
    ++gaps_;
    extractor_->reset();
  }
  expected_time_ = block.sample_time + block.frames;

  const std::int64_t started = monotonic_ns();
  std::int64_t inference_ns = 0;
  std::int64_t sink_ns = 0;
  const std::uint32_t rate = block.sample_rate;
  // A window completes somewhere inside the block; it is stamped with the block's end (≤ 43 ms later).
  extractor_->push(block.samples.data(), block.frames, [&](const FeatureVector& features) {
    ClassifiedWindow w;
    w.end_time = block.sample_time + block.frames;
    w.sample_rate = rate;
    w.features = &features;
    if (model_) {
      const std::int64_t t0 = monotonic_ns();
      w.top = model_->infer(features, probabilities_);
      w.inference_ns = monotonic_ns() - t0;
      inference_ns += w.inference_ns;
      w.probabilities = probabilities_;
      w.decision = smoother_.update(probabilities_);
    }
    const std::int64_t t1 = monotonic_ns();
    sink(w);
    sink_ns += monotonic_ns() - t1;
  });
  last_feature_ns_ = monotonic_ns() - started - inference_ns - sink_ns;
}

}  // namespace lumina
