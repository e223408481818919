#include "lumina/store/ffmpeg_runner.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace lumina {
namespace {

constexpr std::size_t kStderrKeep = 16 * 1024;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

void set_limit(int resource, std::uint64_t value) {
  const rlimit limit{static_cast<rlim_t>(value), static_cast<rlim_t>(value)};
  ::setrlimit(resource, &limit);
}

}  // namespace

std::filesystem::path find_executable(const std::string& program) {
  if (program.empty()) return {};
  if (program.find('/') != std::string::npos) {
    return ::access(program.c_str(), X_OK) == 0 ? std::filesystem::path(program) : std::filesystem::path();
  }
  const char* path_env = std::getenv("PATH");
  const std::string_view path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find(':', start), path.size());
    const std::string dir(path.substr(start, end - start));
    const std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

FfmpegResult run_ffmpeg(const FfmpegLimits& limits, const std::vector<std::string>& args) {
  FfmpegResult result;
  const std::filesystem::path exe = find_executable(limits.program);
  if (exe.empty()) {
    result.not_found = true;
    result.stderr_text = "'" + limits.program + "' not found";
    return result;
  }
  // Everything the child needs is built before fork(): after it, a
  // multithreaded parent's child may only make async-signal-safe calls.
  std::vector<std::string> argv_text;
  argv_text.push_back(exe.string());
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  const auto cpu_seconds = static_cast<std::uint64_t>(limits.timeout.count()) + 1;

  int err_pipe[2] = {-1, -1};   // the child's stderr
  int exec_pipe[2] = {-1, -1};  // errno of a failed execv (CLOEXEC: closes on success)
  if (::pipe2(err_pipe, O_CLOEXEC) != 0 || ::pipe2(exec_pipe, O_CLOEXEC) != 0) {
    close_fd(err_pipe[0]);
    close_fd(err_pipe[1]);
    result.stderr_text = std::string("cannot create a pipe: ") + std::strerror(errno);
    return result;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    for (int fd : {err_pipe[0], err_pipe[1], exec_pipe[0], exec_pipe[1]}) ::close(fd);
    result.stderr_text = std::string("cannot start ffmpeg: ") + std::strerror(err);
    return result;
  }
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the daemon blocks SIGTERM etc. in every thread
    ::setpgid(0, 0);  // its own group: a timeout kills whatever it started too
    // Dies with luminad (a SIGKILLed daemon must not leave ffmpeg writing
    // into tmp/, which the next start empties).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, STDIN_FILENO);
      ::dup2(devnull, STDOUT_FILENO);
    }
    ::dup2(err_pipe[1], STDERR_FILENO);
    // The daemon's sockets and files must not leak into ffmpeg: every
    // descriptor above stderr closes at exec (exec_pipe stays until then).
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    set_limit(RLIMIT_CPU, cpu_seconds);
    set_limit(RLIMIT_AS, limits.max_memory_bytes);
    set_limit(RLIMIT_FSIZE, limits.max_output_bytes);
    set_limit(RLIMIT_CORE, 0);
    ::execv(argv[0], argv.data());
    const int err = errno;
    [[maybe_unused]] const ssize_t n = ::write(exec_pipe[1], &err, sizeof(err));
    ::_exit(127);
  }
  ::close(err_pipe[1]);
  ::close(exec_pipe[1]);

  const auto deadline = std::chrono::steady_clock::now() + limits.timeout;
  char buf[4096];
  bool open = true;
  while (open) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const bool cancelled = limits.cancel != nullptr && limits.cancel->load();
    if (left.count() <= 0 || cancelled) {
      (cancelled ? result.cancelled : result.timed_out) = true;
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{err_pipe[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t n = ::read(err_pipe[0], buf, sizeof(buf));
    if (n > 0) {
      result.stderr_text.append(buf, static_cast<std::size_t>(n));
      if (result.stderr_text.size() > 2 * kStderrKeep) result.stderr_text.erase(0, result.stderr_text.size() - kStderrKeep);
    } else if (n == 0 || errno != EINTR) {
      open = false;
    }
  }
  ::close(err_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  int exec_errno = 0;
  if (::read(exec_pipe[0], &exec_errno, sizeof(exec_errno)) == static_cast<ssize_t>(sizeof(exec_errno))) {
    result.not_found = true;
    result.stderr_text = "cannot execute " + exe.string() + ": " + std::strerror(exec_errno);
  }
  ::close(exec_pipe[0]);
  if (result.stderr_text.size() > kStderrKeep) result.stderr_text.erase(0, result.stderr_text.size() - kStderrKeep);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

}  // namespace lumina
