#include "lumina/classify/file_windows.hpp"

#include <vector>

#include "lumina/audio/sound_file.hpp"
#include "lumina/core/audio_chunk.hpp"

namespace lumina {

void classify_file(const std::filesystem::path& path, ClassifierModel* model, LabelSmoother::Settings smoothing,
                   const ClassifierPipeline::WindowSink& sink) {
  SoundFile file = SoundFile::open(path);
  const SoundFileInfo info = file.info();
  // Room for one chunk's worth of blocks: drained after every chunk, so nothing drops offline.
  SideChainBlockQueue queue(4);
  SideChainTap tap(queue);
  ClassifierPipeline pipeline(model, smoothing);
  std::vector<float> interleaved(static_cast<std::size_t>(AudioChunk::kMaxFrames) * info.channels);
  AudioChunk chunk;
  chunk.sample_rate = info.sample_rate;
  SideChainBlock block;
  std::uint64_t position = 0;
  while (true) {
    const std::size_t got = file.read(interleaved.data(), AudioChunk::kMaxFrames);
    if (got == 0) break;
    mix_to_mono(interleaved.data(), got, info.channels, chunk.samples.data());
    chunk.sample_time = position;
    chunk.frames = static_cast<std::uint32_t>(got);
    tap.on_chunk(chunk);
    while (queue.try_take(block)) pipeline.consume(block, sink);
    position += got;
  }
}

}  // namespace lumina
