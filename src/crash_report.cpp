#include "crash_report.hpp"

#include <execinfo.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <array>

namespace lumina {

// Sanitizer builds keep the sanitizers' own fatal-signal reports (they say more).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
void install_crash_report() noexcept {}
#else
namespace {

constexpr int kMaxFrames = 64;
constexpr std::array kFatalSignals{SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};

// Only async-signal-safe calls: write(2), backtrace (its library was loaded
// at install time, see below), backtrace_symbols_fd (writes, no malloc).
void write_text(const char* text) noexcept {
  const auto length = strlen(text);
  ssize_t ignored = write(STDERR_FILENO, text, length);
  (void)ignored;
}

void report(int sig) noexcept {
  write_text("luminad: fatal signal ");
  char number[4] = {static_cast<char>('0' + sig / 10 % 10), static_cast<char>('0' + sig % 10), ' ', '\0'};
  write_text(number[0] == '0' ? number + 1 : number);
  const char* name = sigabbrev_np(sig);
  write_text("(SIG");
  write_text(name != nullptr ? name : "?");
  write_text("), backtrace:\n");
  void* frames[kMaxFrames];
  const int count = backtrace(frames, kMaxFrames);
  backtrace_symbols_fd(frames, count, STDERR_FILENO);
  // SA_RESETHAND restored the default action: raising again ends the process
  // as the signal would have (core dump, exit status).
  raise(sig);
}

}  // namespace

void install_crash_report() noexcept {
  // backtrace() loads libgcc on its first call, which allocates: do that
  // now, not inside a handler.
  void* warm[1];
  (void)backtrace(warm, 1);
  struct sigaction action {};
  action.sa_handler = &report;
  action.sa_flags = SA_RESETHAND | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  for (const int sig : kFatalSignals) sigaction(sig, &action, nullptr);
}
#endif

}  // namespace lumina
