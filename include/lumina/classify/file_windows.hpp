#pragma once
// Offline use of the classifier: a sound file is mixed to mono, cut into
// AudioChunks exactly as the audio callback cuts them, and sent through the
// daemon's SideChainTap, SideChainQueue and ClassifierPipeline. Training
// features and file classification therefore match the live path.
#include <filesystem>

#include "lumina/classify/classifier_pipeline.hpp"

namespace lumina {

// Not RT-safe. Calls `sink` for every window of the file. `model` may be null
// (features only). Throws SoundFileError for an unreadable file and
// std::invalid_argument for an unsupported sample rate.
void classify_file(const std::filesystem::path& path, ClassifierModel* model, LabelSmoother::Settings smoothing,
                   const ClassifierPipeline::WindowSink& sink);

}  // namespace lumina
