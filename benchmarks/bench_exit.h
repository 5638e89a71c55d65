// Giving up in a benchmark program: the reason on stderr, prefixed with the program's name,
// and exit status 1. Shared by the benchmark programs.
#pragma once

#include <errno.h>  // program_invocation_short_name (glibc)
#include <fmt/format.h>

#include <cstdlib>
#include <string>

#include "base/error.h"

namespace ticketd::bench {

[[noreturn]] inline void fail(const std::string& what) {
  fmt::print(stderr, "{}: {}\n", program_invocation_short_name, what);
  std::exit(1);
}

// The value of `r`, or fail() naming `what`.
template <class T>
T must(Result<T> r, const char* what) {
  if (!r) fail(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}
inline void must(Result<void> r, const char* what) {
  if (!r) fail(std::string(what) + ": " + r.error().message);
}

}  // namespace ticketd::bench
