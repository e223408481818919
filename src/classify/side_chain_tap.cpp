#include "lumina/classify/side_chain_block.hpp"

#include <algorithm>
#include <cstring>

namespace lumina {

void SideChainTap::on_chunk(const AudioChunk& chunk) noexcept {
  if (block_.frames > 0 && (chunk.sample_time != expected_time_ || chunk.sample_rate != block_.sample_rate)) {
    block_.frames = 0;  // discontinuity: a block never spans a gap
  }
  std::uint32_t offset = 0;
  while (offset < chunk.frames) {
    if (block_.frames == 0) {
      block_.sample_time = chunk.sample_time + offset;
      block_.sample_rate = chunk.sample_rate;
    }
    const std::uint32_t n = std::min(chunk.frames - offset, SideChainBlock::kFrames - block_.frames);
    std::memcpy(block_.samples.data() + block_.frames, chunk.samples.data() + offset, n * sizeof(float));
    block_.frames += n;
    offset += n;
    if (block_.frames == SideChainBlock::kFrames) {
      queue_.try_offer(block_);  // false = dropped and counted; the analysis thread moves on
      block_.frames = 0;
    }
  }
  expected_time_ = chunk.sample_time + chunk.frames;
}

}  // namespace lumina
