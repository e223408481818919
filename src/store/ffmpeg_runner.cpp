#include "lumina/store/ffmpeg_runner.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace lumina {
namespace {

constexpr std::size_t kStderrKeep = 16 * 1024;

constexpr std::size_t kChildStackBytes = 64 * 1024;

// What the child needs, all prepared before clone(): the child only reads it
// (and writes exec_errno, which the suspended parent reads afterwards).
struct ChildSetup {
  const char* path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  int devnull_fd = -1;
  int stderr_fd = -1;
  pid_t parent = 0;
  rlimit64 cpu{};  // rlimit64: the layout prlimit64 takes
  rlimit64 address_space{};
  rlimit64 file_size{};
  int exec_errno = 0;
};

// The kernel's struct sigaction (x86-64 and arm64 share this layout), for
// the raw rt_sigaction below.
struct KernelSigaction {
  unsigned long handler;  // 0 is SIG_DFL, 1 is SIG_IGN
  unsigned long flags;
  void* restorer;
  unsigned long mask;
};

// Called in the child only (like place_fd): see child_main.
#define LUMINA_CHILD_CODE __attribute__((no_sanitize_address, no_sanitize_undefined))

LUMINA_CHILD_CODE long raw(long number, long a = 0, long b = 0, long c = 0, long d = 0) {
  return ::syscall(number, a, b, c, d);
}

// Makes `from` the descriptor `to` in the child, without close-on-exec.
LUMINA_CHILD_CODE void place_fd(int from, int to) {
  if (from == to) {
    raw(SYS_fcntl, to, F_SETFD, 0);
  } else {
    raw(SYS_dup3, from, to, 0);
  }
}

// The child of clone(CLONE_VM | CLONE_VFORK): it runs in the daemon's memory
// on its own stack while the calling thread waits, until execve() or exit.
// So it makes raw system calls only: no libc state, no allocation, and no
// sanitizer interceptor that would record the parent's bookkeeping from here.
// Every signal is blocked on entry (the parent blocked them around clone).
LUMINA_CHILD_CODE int child_main(void* arg) {
  auto* setup = static_cast<ChildSetup*>(arg);
  // The daemon's handlers (crash report) must not run in this child: reset
  // them before signals are let in. Ignored signals stay ignored, as with exec.
  for (long sig = 1; sig < _NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    KernelSigaction current{};
    if (raw(SYS_rt_sigaction, sig, 0, reinterpret_cast<long>(&current), 8) != 0) continue;
    if (current.handler <= 1) continue;  // SIG_DFL or SIG_IGN
    KernelSigaction reset{};             // SIG_DFL, no flags, nothing masked
    raw(SYS_rt_sigaction, sig, reinterpret_cast<long>(&reset), 0, 8);
  }
  raw(SYS_setpgid, 0, 0);  // its own group: a timeout kills whatever it started too
  // Dies with luminad (a SIGKILLed daemon must not leave ffmpeg writing into
  // tmp/, which the next start empties).
  raw(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
  if (raw(SYS_getppid) != setup->parent) raw(SYS_exit, 127);
  place_fd(setup->devnull_fd, STDIN_FILENO);
  place_fd(setup->devnull_fd, STDOUT_FILENO);
  place_fd(setup->stderr_fd, STDERR_FILENO);
  // The daemon's sockets and files must not leak into ffmpeg: every
  // descriptor above stderr closes at exec.
  raw(SYS_close_range, 3, static_cast<long>(~0U), CLOSE_RANGE_CLOEXEC);
  raw(SYS_prlimit64, 0, RLIMIT_CPU, reinterpret_cast<long>(&setup->cpu), 0);
  raw(SYS_prlimit64, 0, RLIMIT_AS, reinterpret_cast<long>(&setup->address_space), 0);
  raw(SYS_prlimit64, 0, RLIMIT_FSIZE, reinterpret_cast<long>(&setup->file_size), 0);
  const rlimit64 no_core{0, 0};
  raw(SYS_prlimit64, 0, RLIMIT_CORE, reinterpret_cast<long>(&no_core), 0);
  const unsigned long none = 0;  // the daemon blocks SIGTERM etc. in every thread
  raw(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&none), 0, 8);
  const long rc = raw(SYS_execve, reinterpret_cast<long>(setup->path), reinterpret_cast<long>(setup->argv),
                      reinterpret_cast<long>(setup->envp));
  setup->exec_errno = rc == -1 ? errno : ENOEXEC;
  raw(SYS_exit, 127);
  return 127;
}

#undef LUMINA_CHILD_CODE

rlimit64 limit_of(std::uint64_t value) { return rlimit64{value, value}; }

// Starts `setup.path` without copying the daemon's address space. fork()
// would copy its page tables and write-protect every page, so the audio
// and DMX threads would then fault on their own buffers (59 and 18 faults
// per conversion, measured), each fault taking the memory-map lock that any
// other thread's mmap can hold. clone(CLONE_VM | CLONE_VFORK) shares the
// memory until execve, as posix_spawn does; unlike posix_spawn it lets the
// child set the limits and the parent-death signal.
pid_t spawn_child(ChildSetup& setup, int& err) {
  void* stack =
      ::mmap(nullptr, kChildStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    err = errno;
    return -1;
  }
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid =
      ::clone(child_main, static_cast<char*>(stack) + kChildStackBytes, CLONE_VM | CLONE_VFORK | SIGCHLD, &setup);
  err = pid < 0 ? errno : 0;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::munmap(stack, kChildStackBytes);
  return pid;
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
  // Everything the child needs is built before it starts: it may only make
  // raw system calls (see child_main).
  std::vector<std::string> argv_text;
  argv_text.push_back(exe.string());
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  const auto cpu_seconds = static_cast<std::uint64_t>(limits.timeout.count()) + 1;

  int err_pipe[2] = {-1, -1};  // the child's stderr
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.stderr_text = std::string("cannot create a pipe: ") + std::strerror(errno);
    return result;
  }
  const int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) {
    const int err = errno;
    for (int fd : err_pipe) ::close(fd);
    result.stderr_text = std::string("cannot open /dev/null: ") + std::strerror(err);
    return result;
  }
  ChildSetup setup;
  setup.path = argv[0];
  setup.argv = argv.data();
  setup.envp = environ;
  setup.devnull_fd = devnull;
  setup.stderr_fd = err_pipe[1];
  setup.parent = ::getpid();
  setup.cpu = limit_of(cpu_seconds);
  setup.address_space = limit_of(limits.max_memory_bytes);
  setup.file_size = limit_of(limits.max_output_bytes);
  int spawn_errno = 0;
  const pid_t pid = spawn_child(setup, spawn_errno);
  ::close(devnull);
  ::close(err_pipe[1]);
  if (pid < 0) {
    ::close(err_pipe[0]);
    result.stderr_text = std::string("cannot start ffmpeg: ") + std::strerror(spawn_errno);
    return result;
  }

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
  if (setup.exec_errno != 0) {
    result.not_found = true;
    result.stderr_text = "cannot execute " + exe.string() + ": " + std::strerror(setup.exec_errno);
  }
  if (result.stderr_text.size() > kStderrKeep) result.stderr_text.erase(0, result.stderr_text.size() - kStderrKeep);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

}  // namespace lumina
