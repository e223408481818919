#include "analyze.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <string>
#include <system_error>
#include <vector>

#include "lumina/audio/sound_file.hpp"
#include "lumina/core/audio_chunk.hpp"
#include "lumina/dsp/analyzer.hpp"
#include "lumina/dsp/analyzer_config.hpp"

namespace lumina {
namespace {

// Appends printf-formatted text (numbers only; no user strings go through here).
__attribute__((format(printf, 2, 3))) void append(std::string& line, const char* format, ...) {
  char buf[256];
  va_list args;
  va_start(args, format);
  const int n = std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  if (n > 0) line.append(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      append(out, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Everything the summary needs, gathered from the frames as they go by.
struct Summary {
  std::uint64_t frames = 0;
  std::uint64_t onsets = 0, beats = 0, kicks = 0, snares = 0, hihats = 0;
  double first_beat = -1.0;
  std::vector<float> confident_bpm;  // bpm of frames with confidence ≥ 0.5
  double rms_power_sum = 0.0;
  std::uint64_t rms_hops = 0;
  float max_peak_db = -120.0F;
};

double median(std::vector<float> v) {
  if (v.empty()) return 0.0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

}  // namespace

int run_analyze(const AnalyzeOptions& options, const Config& config, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  if (!std::filesystem::exists(options.file, ec)) {
    err << "luminad: analyze: no such file: " << options.file << "\n";
    return 1;
  }
  std::optional<SoundFile> file;
  try {
    file.emplace(SoundFile::open(options.file));
  } catch (const SoundFileError& e) {
    err << "luminad: analyze: " << e.what() << "\n";
    return 1;
  }
  const SoundFileInfo info = file->info();
  const AnalyzerParams params = analyzer_params_from_config(config.dsp, info.sample_rate);
  if (auto error = validate_analyzer_params(params)) {
    err << "luminad: analyze: " << options.file << ": " << *error << "\n";
    return 1;
  }

  const double rate = info.sample_rate;
  const auto frame_every = static_cast<std::uint64_t>(std::max(1.0, options.frame_interval_seconds * rate));
  std::uint64_t next_frame_out = 0;
  AnalysisFrame previous{};
  Summary summary;
  std::string line;
  line.reserve(1024);

  auto on_frame = [&](const AnalysisFrame& f) {
    ++summary.frames;
    summary.rms_power_sum += std::pow(10.0, f.rms_db / 10.0);
    ++summary.rms_hops;
    summary.max_peak_db = std::max(summary.max_peak_db, f.peak_db);
    if (f.bpm_confidence >= 0.5F && f.bpm > 0.0F) summary.confident_bpm.push_back(f.bpm);
    // Events exactly as a network consumer sees them: counters that moved.
    if (f.onset_count != previous.onset_count) {
      summary.onsets += f.onset_count - previous.onset_count;
      if (options.json) {
        line = "{\"type\":\"onset\"";
        append(line, ",\"time\":%.6f,\"frameTime\":%.6f", static_cast<double>(f.last_onset_time) / rate,
               static_cast<double>(f.sample_time) / rate);
        append(line, ",\"strength\":%.3f,\"kick\":%.3f,\"snare\":%.3f,\"hihat\":%.3f}\n", f.onset_strength, f.kick,
               f.snare, f.hihat);
        out << line;
      }
    }
    summary.kicks = f.kick_count;
    summary.snares = f.snare_count;
    summary.hihats = f.hihat_count;
    if (f.beat_count != previous.beat_count) {
      summary.beats += f.beat_count - previous.beat_count;
      const double t = static_cast<double>(f.last_beat_time) / rate;
      if (summary.first_beat < 0.0) summary.first_beat = t;
      if (options.json) {
        line = "{\"type\":\"beat\"";
        append(line, ",\"time\":%.6f,\"frameTime\":%.6f,\"bpm\":%.3f,\"confidence\":%.3f}\n", t,
               static_cast<double>(f.sample_time) / rate, f.bpm, f.bpm_confidence);
        out << line;
      }
    }
    if (options.json && f.sample_time >= next_frame_out) {
      next_frame_out += frame_every;
      line = "{\"type\":\"frame\"";
      append(line, ",\"time\":%.6f,\"rms\":%.4f,\"peak\":%.4f,\"rmsDb\":%.2f,\"peakDb\":%.2f,\"energy\":%.4f",
             static_cast<double>(f.sample_time) / rate, f.rms, f.peak, f.rms_db, f.peak_db, f.energy);
      line += ",\"bands\":[";
      for (std::uint32_t b = 0; b < f.band_count; ++b) append(line, b ? ",%.4f" : "%.4f", f.bands[b]);
      line += "]";
      append(line, ",\"kick\":%.4f,\"snare\":%.4f,\"hihat\":%.4f,\"onsetStrength\":%.4f", f.kick, f.snare, f.hihat,
             f.onset_strength);
      append(line, ",\"bpm\":%.3f,\"bpmConfidence\":%.4f,\"beatPhase\":%.4f", f.bpm, f.bpm_confidence, f.beat_phase);
      append(line, ",\"onsetCount\":%llu,\"beatCount\":%llu}\n", static_cast<unsigned long long>(f.onset_count),
             static_cast<unsigned long long>(f.beat_count));
      out << line;
    }
    previous = f;
  };

  Analyzer analyzer(params, on_frame);
  // The daemon's analysis thread receives chunks of at most this many frames.
  constexpr std::size_t kBlock = AudioChunk::kMaxFrames;
  std::vector<float> interleaved(kBlock * info.channels);
  std::vector<float> mono(kBlock);
  std::uint64_t position = 0;
  const auto started = std::chrono::steady_clock::now();
  try {
    while (true) {
      const std::size_t got = file->read(interleaved.data(), kBlock);
      if (got == 0) break;
      mix_to_mono(interleaved.data(), got, info.channels, mono.data());
      analyzer.feed(mono.data(), got, position, 0);
      position += got;
    }
  } catch (const SoundFileError& e) {
    err << "luminad: analyze: " << e.what() << "\n";
    return 1;
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double duration = static_cast<double>(position) / rate;
  const double tempo = median(summary.confident_bpm);
  const double mean_rms_db =
      summary.rms_hops
          ? 10.0 * std::log10(std::max(summary.rms_power_sum / static_cast<double>(summary.rms_hops), 1e-12))
          : -120.0;

  if (options.json) {
    line = "{\"type\":\"end\",\"file\":" + json_string(options.file);
    append(line, ",\"duration\":%.6f,\"sampleRate\":%u,\"channels\":%u", duration, info.sample_rate, info.channels);
    append(line, ",\"onsets\":%llu,\"beats\":%llu", static_cast<unsigned long long>(summary.onsets),
           static_cast<unsigned long long>(summary.beats));
    append(line, ",\"bpm\":%.3f,\"analysisSeconds\":%.4f}\n", tempo, elapsed);
    out << line;
    return 0;
  }

  line.clear();
  append(line, "%.2f s, %u Hz, %u channel(s)", duration, info.sample_rate, info.channels);
  out << options.file << ": " << info.format << ", " << line << "\n";
  line.clear();
  append(line, "analysed in %.2f s (%.0fx real time), fftSize %u, hop %u, %u bands, onset hop %u\n", elapsed,
         elapsed > 0 ? duration / elapsed : 0.0, params.fft_size, params.hop, params.bands,
         analyzer.onset_detector().hop());
  out << line;
  line.clear();
  append(line, "loudness: mean %.1f dBFS RMS, peak %.1f dBFS\n", mean_rms_db, static_cast<double>(summary.max_peak_db));
  out << line;
  line.clear();
  append(line, "onsets:   %llu (%.1f per second); kick %llu, snare %llu, hihat %llu\n",
         static_cast<unsigned long long>(summary.onsets),
         duration > 0 ? static_cast<double>(summary.onsets) / duration : 0.0,
         static_cast<unsigned long long>(summary.kicks), static_cast<unsigned long long>(summary.snares),
         static_cast<unsigned long long>(summary.hihats));
  out << line;
  line.clear();
  if (summary.beats > 0) {
    append(line, "beats:    %llu, first at %.2f s; tempo %.1f BPM (median while confident)\n",
           static_cast<unsigned long long>(summary.beats), summary.first_beat, tempo);
  } else {
    append(line, "beats:    none (no steady beat found)\n");
  }
  out << line;
  return 0;
}

}  // namespace lumina
