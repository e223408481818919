#pragma once
// A fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) is reported on
// stderr -- the journal under systemd -- with the signal and a backtrace,
// then raised again with its default action (core dump, non-zero status,
// systemd's Restart=). Without it a crash leaves nothing but "status=11".

namespace lumina {

// Installs the handlers. Call once, early in main(), before any thread starts.
void install_crash_report() noexcept;

}  // namespace lumina
