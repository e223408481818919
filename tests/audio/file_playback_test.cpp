// File playback through the real pieces: a WAV written with libsndfile, the
// FileReader thread, the engine's transport (fades, seek, pause, end of
// file), and the AudioController's view of what is audible.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <thread>
#include <vector>

#include "lumina/audio/audio_controller.hpp"
#include "lumina/audio/engine.hpp"
#include "lumina/audio/file_reader.hpp"
#include "lumina/audio/sound_file.hpp"

namespace lumina {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Writes a stereo float WAV: left = a ramp that encodes the frame index
// (frame / frames), right = its negation, so every played sample tells
// exactly which frame it came from.
fs::path write_ramp_wav(const fs::path& dir, std::uint32_t rate, std::uint64_t frames, const std::string& name = "ramp.wav") {
  const fs::path path = dir / name;
  SF_INFO info{};
  info.samplerate = static_cast<int>(rate);
  info.channels = 2;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  std::vector<float> data(2 * frames);
  for (std::uint64_t i = 0; i < frames; ++i) {
    data[2 * i] = static_cast<float>(i) / static_cast<float>(frames);
    data[2 * i + 1] = -data[2 * i];
  }
  sf_writef_float(f, data.data(), static_cast<sf_count_t>(frames));
  sf_close(f);
  return path;
}

fs::path write_sine_wav(const fs::path& dir, std::uint32_t rate, double freq, double seconds, const std::string& name) {
  const fs::path path = dir / name;
  SF_INFO info{};
  info.samplerate = static_cast<int>(rate);
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  const auto frames = static_cast<std::size_t>(seconds * rate);
  std::vector<float> data(frames);
  for (std::size_t i = 0; i < frames; ++i) data[i] = static_cast<float>(0.5 * std::sin(2 * std::numbers::pi * freq * i / rate));
  sf_writef_float(f, data.data(), static_cast<sf_count_t>(frames));
  sf_close(f);
  return path;
}

class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "lumina-play-XXXXXX").string();
    path_ = ::mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Drives the engine like a backend would, collecting the monitor output.
class Rig {
 public:
  explicit Rig(std::uint32_t rate = 48000) : reader(rate), controller(engine, reader) {
    engine.prepare(rate);
    engine.attach({}, &reader.ring());
    controller.set_monitor(true);
  }
  // Runs `blocks` callbacks of 256 frames; appends the left output channel.
  void run(int blocks, bool realtime_pace = false) {
    std::vector<float> out(2 * 256);
    for (int b = 0; b < blocks; ++b) {
      engine.process(nullptr, 0, out.data(), 2, 256, 0);
      for (int i = 0; i < 256; ++i) left.push_back(out[2 * i]);
      AudioChunk c;
      while (analysis.try_pop(c)) {
      }
      if (realtime_pace) std::this_thread::sleep_for(5ms);
    }
  }
  // Selects `path`, waits for the reader's read-ahead, plays, and runs `blocks` callbacks.
  void play_file(const fs::path& path, int blocks, std::size_t prebuffer_chunks = 8) {
    controller.select_file(path);
    wait_prebuffer(prebuffer_chunks);
    controller.play();
    run(blocks);
  }
  // Runs blocks until the reader has prebuffered (the reader is a real thread).
  void wait_prebuffer(std::size_t chunks = 8) {
    for (int i = 0; i < 400 && reader.ring().size_approx() < chunks; ++i) std::this_thread::sleep_for(5ms);
  }

  AudioChunkRing analysis{4096};
  AudioEngine engine{analysis};
  FileReader reader;
  AudioController controller;
  std::vector<float> left;
};

TEST(SoundFile, ReadsInfoAndFramesAndRejectsNonAudio) {
  TempDir dir;
  const auto path = write_ramp_wav(dir.path(), 44100, 1000);
  SoundFile f = SoundFile::open(path);
  EXPECT_EQ(f.info().sample_rate, 44100U);
  EXPECT_EQ(f.info().channels, 2U);
  EXPECT_EQ(f.info().frames, 1000U);
  std::vector<float> buf(2 * 10);
  f.seek(500);
  ASSERT_EQ(f.read(buf.data(), 10), 10U);
  EXPECT_FLOAT_EQ(buf[0], 0.5F);
  std::ofstream(dir.path() / "junk.wav") << "definitely not audio";
  try {
    SoundFile::open(dir.path() / "junk.wav");
    FAIL() << "expected SoundFileError";
  } catch (const SoundFileError& e) {
    EXPECT_NE(std::string(e.what()).find("junk.wav"), std::string::npos);
  }
}

TEST(FilePlayback, PlaysEveryFrameInOrderThenStopsAtTheEnd) {
  TempDir dir;
  const std::uint64_t frames = 48000;  // 1 s
  Rig rig;
  rig.controller.select_file(write_ramp_wav(dir.path(), 48000, frames));
  rig.run(1);
  // The whole second in the ring first: the callbacks below run unpaced, and
  // a reader thread descheduled on a loaded machine would otherwise fall
  // behind them (an underrun, then a gap), which says nothing of playback.
  const std::size_t whole_file = (frames + FileChunk::kMaxFrames - 1) / FileChunk::kMaxFrames;
  rig.wait_prebuffer(whole_file);
  ASSERT_GE(rig.reader.ring().size_approx(), whole_file) << "the reader did not buffer the file within 2 s";
  ASSERT_TRUE(rig.controller.play());
  rig.left.clear();
  rig.run(200, /*realtime_pace=*/false);  // 1.07 s of callbacks, all from the prebuffered file
  const FileStatus s = rig.controller.file_status();
  EXPECT_EQ(s.state, TransportState::kStopped);
  EXPECT_TRUE(s.ended);
  EXPECT_EQ(s.position, frames);
  // After the 5 ms fade-in, every sample is the next frame of the ramp: no gap, no repeat.
  // (Frame 0 of the ramp is 0.0, so the first non-zero output is frame 1.)
  std::size_t first = 0;
  while (first < rig.left.size() && rig.left[first] == 0.0F) ++first;
  const std::size_t fade = 240;
  for (std::size_t i = first + fade; i + 1 < first + frames - 1; ++i) {
    ASSERT_NEAR(rig.left[i + 1] - rig.left[i], 1.0F / frames, 1e-6F) << "at output sample " << i;
  }
  EXPECT_EQ(rig.engine.stats().underruns, 0U);
}

TEST(FilePlayback, PlayAfterTheEndRestartsAtZero) {
  TempDir dir;
  Rig rig;
  rig.play_file(write_ramp_wav(dir.path(), 48000, 4800), 40, 4);
  ASSERT_TRUE(rig.controller.file_status().ended);
  ASSERT_TRUE(rig.controller.play());
  rig.wait_prebuffer(4);
  rig.run(5);
  const FileStatus s = rig.controller.file_status();
  EXPECT_EQ(s.state, TransportState::kPlaying);
  EXPECT_LT(s.position, 4800U / 2) << "restarted from the beginning";
}

TEST(FilePlayback, SeekContinuesAtTheTargetWithoutStaleReadAhead) {
  TempDir dir;
  const std::uint64_t frames = 96000;
  Rig rig;
  rig.play_file(write_ramp_wav(dir.path(), 48000, frames), 20);
  ASSERT_TRUE(rig.controller.seek_frames(72000));
  // Reported at once (commanded state), before the engine has applied it.
  EXPECT_EQ(rig.controller.file_status().position, 72000U);
  rig.run(2);  // the fade-out
  rig.wait_prebuffer();
  rig.left.clear();
  rig.run(20);
  // After the fade-in, samples continue from the target frame.
  const std::size_t probe = 1000;
  const float expected_min = 72000.0F / frames;
  EXPECT_GE(rig.left[probe], expected_min);
  EXPECT_LT(rig.left[probe], expected_min + 0.06F);
  const FileStatus s = rig.controller.file_status();
  EXPECT_GT(s.position, 72000U);
  // At most what can have played from the target: the seek applies when the
  // fade-out block ends, so the second block (when the reader had the target
  // ready in time, as it may under a slow sanitizer run) and the 20 blocks;
  // stale read-ahead would count thousands of frames more.
  EXPECT_LE(s.position, 72000U + 21 * 256);
}

TEST(FilePlayback, PauseFadesOutAndResumesWhereItStopped) {
  TempDir dir;
  Rig rig;
  rig.play_file(write_ramp_wav(dir.path(), 48000, 96000), 10);
  rig.controller.pause();
  rig.left.clear();
  rig.run(3);
  // The fade: decreasing gain over 240 frames, never a jump to zero from full level.
  for (std::size_t i = 1; i < 240; ++i) EXPECT_LE(std::fabs(rig.left[i] - rig.left[i - 1]), 0.01F) << i;
  for (std::size_t i = 260; i < rig.left.size(); ++i) EXPECT_EQ(rig.left[i], 0.0F);
  const FileStatus paused = rig.controller.file_status();
  EXPECT_EQ(paused.state, TransportState::kPaused);
  rig.run(10);
  EXPECT_EQ(rig.controller.file_status().position, paused.position) << "a paused file does not move";
  rig.controller.play();
  rig.run(4);
  EXPECT_EQ(rig.controller.file_status().state, TransportState::kPlaying);
  EXPECT_GT(rig.controller.file_status().position, paused.position);
}

TEST(FilePlayback, StopGoesBackToZeroAndAudioStopStopsTheFile) {
  TempDir dir;
  Rig rig;
  rig.play_file(write_ramp_wav(dir.path(), 48000, 96000), 10);
  rig.controller.stop_file();
  rig.run(3);
  FileStatus s = rig.controller.file_status();
  EXPECT_EQ(s.state, TransportState::kStopped);
  EXPECT_EQ(s.position, 0U);
  rig.controller.play();
  rig.wait_prebuffer();
  rig.run(10);
  ASSERT_EQ(rig.controller.file_status().state, TransportState::kPlaying);
  rig.controller.stop();  // audio_stop: the engine and the file
  rig.run(3);
  s = rig.controller.file_status();
  EXPECT_EQ(s.state, TransportState::kStopped);
  EXPECT_FALSE(rig.engine.transport().running);
}

TEST(FilePlayback, ReaderStarvationIsSilenceCountedAsUnderrun) {
  TempDir dir;
  Rig rig;
  rig.controller.select_file(write_ramp_wav(dir.path(), 48000, 480000));
  rig.wait_prebuffer(4);
  rig.controller.play();
  // Far faster than realtime: the callback outruns the reader's read-ahead.
  rig.run(4000);
  EXPECT_GT(rig.engine.stats().underruns, 0U);
  // Underrun output is silence or real ramp data, never garbage or repeats.
  float last = -1.0F;
  for (float v : rig.left) {
    if (v == 0.0F) continue;
    EXPECT_GT(v, last - 1e-3F) << "no repeated or backward samples";
    last = v;
  }
}

TEST(FilePlayback, OtherSampleRatesPlayAtTheRightPitchAndLength) {
  TempDir dir;
  Rig rig(48000);
  const LoadedFile f = rig.controller.select_file(write_sine_wav(dir.path(), 44100, 1000.0, 1.0, "sine441.wav"));
  EXPECT_TRUE(f.resampled);
  EXPECT_EQ(f.frames, 48000U);
  rig.wait_prebuffer(180);  // this test runs the callback far faster than realtime
  rig.controller.play();
  rig.left.clear();
  rig.run(150);
  // Count zero crossings in 0.5 s of steady output: a 1 kHz tone has 1000.
  int crossings = 0;
  for (std::size_t i = 2000; i < 2000 + 24000; ++i) {
    if ((rig.left[i - 1] < 0) != (rig.left[i] < 0)) ++crossings;
  }
  EXPECT_NEAR(crossings, 1000, 4);
  float peak = 0;
  for (std::size_t i = 2000; i < 26000; ++i) peak = std::max(peak, std::fabs(rig.left[i]));
  EXPECT_NEAR(peak, 0.5F, 0.02F) << "level preserved by the resampler";
}

TEST(FilePlayback, UnreadableFileLeavesTheCurrentFileSelected) {
  TempDir dir;
  Rig rig;
  rig.controller.select_file(write_ramp_wav(dir.path(), 48000, 4800));
  std::ofstream(dir.path() / "bad.wav") << "nope";
  EXPECT_THROW(rig.controller.select_file(dir.path() / "bad.wav"), SoundFileError);
  EXPECT_TRUE(rig.controller.file_selected());
  EXPECT_EQ(rig.controller.file_status().frames, 4800U);
}

}  // namespace
}  // namespace lumina
