// The in-process ticketd (tests/in_process_api.h) that the HTTP and command harnesses send
// their inputs to.
#pragma once

#include "tests/in_process_api.h"

namespace ticketd::fuzz {

// The world, renewed every `kRunsPerWorld` inputs so that accepted commands do not grow the
// in-memory log (and the one ticket most of them land on) without bound over millions of
// runs (measured with the per-input leak check: 470 executions/s at 20,000, 800 at 1,000). The last one is never
// destroyed: at exit, RocksDB's own statics may already be gone (it stays reachable, so no leak report).
inline test::InProcessApi& world() {
  static constexpr int kRunsPerWorld = 1000;
  static test::InProcessApi* w = nullptr;
  static int runs = 0;
  if (!w || ++runs % kRunsPerWorld == 0) {
    delete w;
    w = new test::InProcessApi();
  }
  return *w;
}

}  // namespace ticketd::fuzz
