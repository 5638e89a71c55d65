// Helper process for the crash tests; the parent SIGKILLs it.
//   crash_child DIR THREADS           appends events from many threads forever and writes
//                                     each acknowledged event id, one per line, to stdout
//   crash_child DIR THREADS tickets   creates tickets through the command handler and writes
//                                     "<ticket id> <number>" per acknowledged ticket (subject
//                                     keys in the key store DIR-keys)
//   crash_child DIR 1 project DB      projects the log into the read-model database DB,
//                                     after writing "start" (subject keys read-only from
//                                     DIR-keys, which the parent keeps open)
// Lines go out in single write() calls below PIPE_BUF, so they never interleave.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "commands/command_engine.h"
#include "eventstore/event_store.h"
#include "privacy/subject_key_store.h"
#include "projections/projection_runner.h"
#include "projections/tickets_projection.h"

namespace {

void write_line(const std::string& line) {
  if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(1);
}

int create_tickets(ticketd::EventStore& store, const std::string& key_dir, int threads) {
  using namespace ticketd;
  auto keys = open_subject_key_store(key_dir);
  if (!keys) {
    std::fprintf(stderr, "crash_child: %s\n", keys.error().message.c_str());
    return 1;
  }
  FieldCipher cipher(**keys);
  SystemClock clock;
  RandomIds ids;
  CommandEngine engine(store, clock, ids, cipher);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const Principal customer{"c" + std::to_string(t), "acme", Role::customer, "", ""};
      for (;;) {
        CreateTicket c;
        c.tenant = "acme";
        c.subject = "crash test ticket";
        auto r = engine.create(std::move(c), CommandRequest{customer, {}, "", "", "", ""});
        if (!r) {
          std::fprintf(stderr, "crash_child: create failed: %s\n", r.error().message.c_str());
          _exit(1);
        }
        write_line(r->ticket->id + " " + r->ticket->number + "\n");
      }
    });
  }
  for (auto& w : workers) w.join();
  return 0;
}

}  // namespace

int project(const ticketd::EventStore& store, const std::string& key_dir, const std::string& db) {
  auto keys = ticketd::open_subject_key_store(key_dir, true);
  if (!keys) {
    std::fprintf(stderr, "crash_child: %s\n", keys.error().message.c_str());
    return 1;
  }
  ticketd::FieldCipher cipher(**keys);
  std::vector<std::unique_ptr<ticketd::Projection>> projections;
  projections.push_back(std::make_unique<ticketd::TicketsProjection>(cipher, store));
  ticketd::ProjectionRunner runner(store, db, std::move(projections));
  write_line("start\n");
  auto r = runner.catch_up();
  if (!r) {
    std::fprintf(stderr, "crash_child: %s\n", r.error().message.c_str());
    return 1;
  }
  write_line("done\n");
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::fprintf(stderr, "usage: crash_child DIR THREADS [tickets | project DB]\n");
    return 2;
  }
  auto store = ticketd::open_rocksdb_event_store(argv[1]);
  if (!store) {
    std::fprintf(stderr, "crash_child: %s\n", store.error().message.c_str());
    return 1;
  }
  const int threads = std::stoi(argv[2]);
  if (argc == 5 && std::string(argv[3]) == "project") return project(**store, std::string(argv[1]) + "-keys", argv[4]);
  if (argc == 4) return create_tickets(**store, std::string(argv[1]) + "-keys", threads);
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
        write_line(line);
      }
    });
  }
  for (auto& w : workers) w.join();
}
