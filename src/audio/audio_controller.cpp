#include "lumina/audio/audio_controller.hpp"

#include <algorithm>

namespace lumina {

AudioController::AudioController(AudioEngine& engine, FileReader& reader) : engine_(engine), reader_(reader) {}

bool AudioController::post(EngineCommand command) {
  command.seq = seq_ + 1;
  if (!engine_.post(command)) return false;
  ++seq_;
  return true;
}

bool AudioController::select_live(SourceKind kind) {
  std::lock_guard lock(mutex_);
  EngineCommand c;
  c.kind = EngineCommand::Kind::kSetSource;
  c.source = kind;
  if (!post(c)) return false;
  file_.reset();
  reader_.unload();
  target_state_ = TransportState::kStopped;
  target_position_.reset();
  return true;
}

bool AudioController::select_device() { return select_live(SourceKind::kDeviceInput); }

bool AudioController::select_demo() { return select_live(SourceKind::kDemo); }

LoadedFile AudioController::select_file(const std::filesystem::path& path) {
  std::lock_guard lock(mutex_);
  const std::uint32_t generation = generation_ + 1;
  LoadedFile loaded = reader_.load(path, generation);  // throws before anything changes
  EngineCommand c;
  c.kind = EngineCommand::Kind::kSetSource;
  c.source = SourceKind::kFile;
  c.generation = generation;
  c.total_frames = loaded.frames;
  if (!post(c)) {
    reader_.unload();
    throw SoundFileError("the audio engine is not accepting commands (is the audio stream running?)");
  }
  generation_ = generation;
  file_ = loaded;
  target_state_ = TransportState::kStopped;
  target_position_ = 0;
  return loaded;
}

bool AudioController::start() {
  std::lock_guard lock(mutex_);
  EngineCommand c;
  c.kind = EngineCommand::Kind::kStart;
  if (!post(c)) return false;
  running_ = true;
  return true;
}

bool AudioController::stop() {
  std::lock_guard lock(mutex_);
  EngineCommand c;
  c.kind = EngineCommand::Kind::kStop;
  if (!post(c)) return false;
  running_ = false;
  if (file_) {
    // "audio_stop really stops a playing file" (protocol B.2): back to 0.
    EngineCommand s;
    s.kind = EngineCommand::Kind::kFileStop;
    s.generation = ++generation_;
    reader_.seek(0, s.generation);
    post(s);
    target_state_ = TransportState::kStopped;
    target_position_ = 0;
  }
  return true;
}

bool AudioController::set_monitor(bool on) {
  std::lock_guard lock(mutex_);
  EngineCommand c;
  c.kind = EngineCommand::Kind::kSetMonitor;
  c.flag = on;
  return post(c);
}

bool AudioController::play() {
  std::lock_guard lock(mutex_);
  if (!file_) return false;
  const TransportSnapshot t = engine_.transport();
  if (!running_) {
    EngineCommand start;
    start.kind = EngineCommand::Kind::kStart;
    if (!post(start)) return false;
    running_ = true;
  }
  // Play after the end of the file starts again from the beginning (protocol B.3).
  const bool at_end = (t.applied_seq == seq_ && t.ended) || (t.total_frames > 0 && t.position >= t.total_frames &&
                                                                t.state != TransportState::kPlaying);
  if (at_end) {
    EngineCommand seek;
    seek.kind = EngineCommand::Kind::kFileSeek;
    seek.generation = ++generation_;
    seek.frame = 0;
    reader_.seek(0, seek.generation);
    if (!post(seek)) return false;
    target_position_ = 0;
  }
  EngineCommand c;
  c.kind = EngineCommand::Kind::kFilePlay;
  if (!post(c)) return false;
  target_state_ = TransportState::kPlaying;
  if (!at_end) target_position_.reset();  // continues from wherever it is
  return true;
}

bool AudioController::pause() {
  std::lock_guard lock(mutex_);
  if (!file_) return false;
  EngineCommand c;
  c.kind = EngineCommand::Kind::kFilePause;
  if (!post(c)) return false;
  if (target_state_ == TransportState::kPlaying) target_state_ = TransportState::kPaused;
  target_position_.reset();  // stays wherever the fade-out ends
  return true;
}

bool AudioController::stop_file() {
  std::lock_guard lock(mutex_);
  if (!file_) return false;
  EngineCommand c;
  c.kind = EngineCommand::Kind::kFileStop;
  c.generation = ++generation_;
  reader_.seek(0, c.generation);
  if (!post(c)) return false;
  target_state_ = TransportState::kStopped;
  target_position_ = 0;
  return true;
}

bool AudioController::seek_frames(std::uint64_t frame) {
  std::lock_guard lock(mutex_);
  if (!file_) return false;
  frame = std::min(frame, file_->frames);
  EngineCommand c;
  c.kind = EngineCommand::Kind::kFileSeek;
  c.generation = ++generation_;
  c.frame = frame;
  reader_.seek(frame, c.generation);
  if (!post(c)) return false;
  target_position_ = frame;
  return true;
}

FileStatus AudioController::file_status() const {
  std::lock_guard lock(mutex_);
  FileStatus s;
  if (!file_) return s;
  s.has_file = true;
  s.frames = file_->frames;
  s.sample_rate = file_->sample_rate;
  s.channels = file_->source.channels;
  s.file_sample_rate = file_->source.sample_rate;
  const TransportSnapshot t = engine_.transport();
  if (t.applied_seq == seq_) {
    // The engine has applied everything: it is the truth (including end of file).
    s.state = t.state;
    s.position = std::min(t.position, s.frames);
    s.ended = t.ended;
  } else {
    s.state = target_state_;
    s.position = target_position_.value_or(std::min(t.position, s.frames));
  }
  return s;
}

bool AudioController::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

bool AudioController::file_selected() const {
  std::lock_guard lock(mutex_);
  return file_.has_value();
}

}  // namespace lumina
