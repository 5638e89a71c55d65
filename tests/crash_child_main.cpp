// Helper process for the crash test: appends from many threads forever and writes
// each acknowledged event id, one per line, to stdout (single write() calls below
// PIPE_BUF, so lines never interleave). The parent SIGKILLs it.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/event_store.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: crash_child DIR THREADS\n");
    return 2;
  }
  auto store = ticketd::open_rocksdb_event_store(argv[1]);
  if (!store) {
    std::fprintf(stderr, "crash_child: %s\n", store.error().message.c_str());
    return 1;
  }
  const int threads = std::stoi(argv[2]);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&store, t] {
      for (long i = 0;; ++i) {
        const int n = (i % 5 == 0) ? 3 : 1;  // some multi-event appends
        std::vector<ticketd::NewEvent> events;
        for (int k = 0; k < n; ++k) {
          ticketd::NewEvent e;
          e.event_id = "t" + std::to_string(t) + "-" + std::to_string(i) + "-" + std::to_string(k);
          e.type = "ticket.commented";
          e.actor = {"u", "agent", "acme"};
          e.data = R"({"body":"crash test payload, roughly the size of a short comment"})";
          events.push_back(std::move(e));
        }
        auto r = (*store)->append("s" + std::to_string(t) + "-" + std::to_string(i % 7),
                                  ticketd::ExpectedVersion::any(), events);
        if (!r) {
          std::fprintf(stderr, "crash_child: append failed: %s\n", r.error().message.c_str());
          _exit(1);
        }
        std::string line;
        for (const auto& e : events) line += e.event_id + "\n";
        if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(1);
      }
    });
  }
  for (auto& w : workers) w.join();
}
