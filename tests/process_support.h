// Running the project's programs from tests: capture stdout and the exit status.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ticketd::test {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
};

// Runs `command` through /bin/sh, capturing stdout (stderr is merged in).
inline ProcessResult run_command(const std::string& command) {
  ProcessResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) result.out.append(buf, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Starts argv[0] with `argv`; returns its pid and the read end of its stdout.
inline std::pair<pid_t, int> spawn_with_stdout(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // A test that dies (a crash, a failed REQUIRE) takes its server with it, so ctest does
    // not wait on the server's open stdout until its timeout.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

// Reads from `fd` into `out` until `deadline`, or until EOF when deadline is nullopt.
inline void read_until(int fd, std::string& out, std::optional<std::chrono::steady_clock::time_point> deadline) {
  char buf[65536];
  for (;;) {
    int timeout_ms = -1;
    if (deadline) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      timeout_ms = static_cast<int>(left.count());
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) == 0) return;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

// Reads until at least one byte arrived or `limit` passed (a sanitizer build starts slowly).
inline void read_first(int fd, std::string& out, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (out.empty() && std::chrono::steady_clock::now() < deadline) {
    read_until(fd, out, std::chrono::steady_clock::now() + std::chrono::milliseconds(10));
  }
}

}  // namespace ticketd::test
