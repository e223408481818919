#include "daemon_process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "loopback.hpp"

extern char** environ;

namespace lumina::testing {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "lumina-it-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::uint16_t free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

namespace {

// fork+exec luminad with the current environment plus `env`, output to `log_path`.
pid_t spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const fs::path& log_path) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (!env.count(name)) env_strings.push_back(entry);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::vector<std::string> argv_strings{LUMINAD_PATH};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout, bool& exited) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  exited = false;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      exited = true;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      // Not an exit: say how it ended (the test only sees "no exit code").
      if (WIFSIGNALED(status)) {
        std::cerr << "luminad (pid " << pid << ") was ended by signal " << WTERMSIG(status) << " ("
                  << ::strsignal(WTERMSIG(status)) << ")" << (WCOREDUMP(status) ? ", core dumped" : "") << "\n";
      }
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

RunResult run_luminad(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                      std::chrono::milliseconds timeout) {
  TempDir dir;
  const fs::path log = dir.path() / "out.log";
  const pid_t pid = spawn(args, env, log);
  bool exited = false;
  RunResult result;
  if (auto code = wait_exit(pid, timeout, exited)) result.exit_code = *code;
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  result.output = read_file(log);
  return result;
}

DaemonProcess::DaemonProcess(std::map<std::string, std::string> env, std::vector<std::string> args)
    : port_(free_tcp_port()) {
  env.emplace("LUMINA_PORT", std::to_string(port_));
  env.emplace("LUMINA_LISTEN", "127.0.0.1");
  env.emplace("LUMINA_DATA_DIR", data_dir_.path().string());
  env.emplace("LUMINA_LOG_LEVEL", "debug");
  // Nothing leaves this machine: unless a test says otherwise, Art-Net goes to a discard port on loopback.
  env.emplace("LUMINA_ARTNET_TARGETS", "127.0.0.1:9");
  pid_ = spawn(args, env, log_dir_.path() / "luminad.log");
}

DaemonProcess::~DaemonProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

bool DaemonProcess::running() {
  if (exit_code_ || pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return false;
  }
  return true;
}

bool DaemonProcess::wait_healthy(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return false;
    const HttpResponse r = http_request(port_, "GET", "/health");
    if (r.status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::optional<int> DaemonProcess::stop(int sig, std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  ::kill(pid_, sig);
  bool exited = false;
  auto code = wait_exit(pid_, timeout, exited);
  if (exited) exit_code_ = code ? *code : -1;
  return code;
}

std::string DaemonProcess::log() const { return read_file(log_dir_.path() / "luminad.log"); }

}  // namespace lumina::testing
