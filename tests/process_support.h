// Running the project's programs from tests: capture stdout and the exit status.
#pragma once

#include <cstdio>
#include <string>
#include <sys/wait.h>

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

}  // namespace ticketd::test
