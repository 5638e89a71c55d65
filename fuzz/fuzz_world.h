// The in-process ticketd (tests/in_process_api.h) that the HTTP and command harnesses send
// their inputs to.
#pragma once

#include <cstdlib>

#include "tests/in_process_api.h"

namespace ticketd::fuzz {

// The world, renewed every `kRunsPerWorld` inputs so that accepted commands do not grow the
// in-memory log (and the one ticket most of them land on) without bound over millions of
// runs (measured with the per-input leak check: 470 executions/s at 20,000, 800 at 1,000).
// The last one is destroyed by an exit handler registered after the first world was built:
// handlers and static destructors run in reverse order of registration, so it runs before
// RocksDB's statics (built by that first world) are gone, and its worker threads are joined
// (their thread-local parser buffers freed) before LeakSanitizer's exit check.
inline test::InProcessApi& world() {
  static constexpr int kRunsPerWorld = 1000;
  static test::InProcessApi* w = nullptr;
  static int runs = 0;
  if (!w) {
    w = new test::InProcessApi();
    std::atexit([] {
      delete w;
      w = nullptr;
    });
  } else if (++runs % kRunsPerWorld == 0) {
    delete w;
    w = new test::InProcessApi();
  }
  return *w;
}

}  // namespace ticketd::fuzz
