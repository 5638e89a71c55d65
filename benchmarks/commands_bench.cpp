// Command handling benchmark: durable commands/s through the real handler and event
// store for a realistic mix, and the time to load a 1,000-event ticket.
//
//   build/benchmarks/commands_bench [--seconds S] [--dir DIR]
//
// Each client repeats: create a ticket, comment 5 times, assign it to itself, start,
// resolve (9 commands, each appended durably before the next). Clients are OS threads
// calling the blocking handler.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

#include "commands/command_engine.h"

namespace {

using namespace ticketd;
using Clock_ = std::chrono::steady_clock;

// A store and the command side wired on it.
struct Engine {
  explicit Engine(const std::string& dir, TicketRepositoryOptions repo = {})
      : store(std::move(*open_rocksdb_event_store(dir))), engine(*store, clock, ids, repo), replay(*store) {}
  std::unique_ptr<EventStore> store;
  SystemClock clock;
  RandomIds ids;
  CommandEngine engine;
  TicketRepository replay;  // no cache: load_fresh() reads the log
};

void must(const Result<CommandOutcome>& r, const char* what) {
  if (!r) {
    fmt::print(stderr, "{} failed: {}\n", what, r.error().message);
    std::exit(1);
  }
}

struct Figures {
  double per_second = 0, p50_us = 0, p99_us = 0;
  std::size_t commands = 0;
};

Figures run_mix(Engine& e, int clients, double seconds) {
  std::vector<std::vector<double>> latencies(clients);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    const std::string sub = fmt::format("agent-{}", c);
    (void)e.engine.record_user(UserRecord{sub, "acme", "", "", Role::agent},
                               Principal{sub, "acme", Role::agent, "", ""});
  }
  const auto start = Clock_::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      const Principal customer{fmt::format("customer-{}", c), "acme", Role::customer, "", ""};
      const Principal agent{fmt::format("agent-{}", c), "acme", Role::agent, "", ""};
      CommandRequest as_customer{customer, {}, "", "", "", ""};
      CommandRequest as_agent{agent, {}, "", "", "", ""};
      auto timed = [&](auto&& f) {
        const auto t0 = Clock_::now();
        f();
        latencies[c].push_back(std::chrono::duration<double, std::micro>(Clock_::now() - t0).count());
      };
      while (!stop.load(std::memory_order_relaxed)) {
        std::string id;
        timed([&] {
          CreateTicket create;
          create.tenant = "acme";
          create.subject = "VPN drops every few minutes";
          create.description = "Since this morning the VPN client disconnects every 3-5 minutes.";
          auto r = e.engine.create(std::move(create), as_customer);
          must(r, "create");
          id = r->ticket->id;
        });
        for (int k = 0; k < 5; ++k) {
          timed([&] {
            must(e.engine.execute(id,
                                  AddComment{e.ids.next_id(),
                                             "We are looking into it; please send the client log.",
                                             k % 2 ? Visibility::internal : Visibility::public_,
                                             {},
                                             {}},
                                  as_agent),
                 "comment");
          });
        }
        timed([&] { must(e.engine.execute(id, AssignTicket{agent.sub, std::nullopt, false}, as_agent), "assign"); });
        timed([&] { must(e.engine.execute(id, ChangeStatus{Status::in_progress, {}}, as_agent), "start"); });
        timed([&] {
          must(e.engine.execute(id, ChangeStatus{Status::resolved, Resolution{ResolutionCode::resolved, "New profile"}},
                                as_agent),
               "resolve");
        });
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock_::now() - start).count();
  std::vector<double> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  Figures f;
  f.commands = all.size();
  f.per_second = all.size() / elapsed;
  f.p50_us = all[all.size() / 2];
  f.p99_us = all[all.size() * 99 / 100];
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"command handling benchmark"};
  double seconds = 5;
  std::string dir = "/tmp/ticketd-commands-bench";
  std::vector<int> client_counts{1, 64};
  cli.add_option("--seconds", seconds, "seconds per configuration");
  cli.add_option("--dir", dir, "scratch directory (deleted first)");
  cli.add_option("--clients", client_counts, "concurrent client counts");
  CLI11_PARSE(cli, argc, argv);
  std::filesystem::remove_all(dir);
  {
    Engine e(dir);
    fmt::print("{:>8} {:>12} {:>10} {:>10} {:>10}\n", "clients", "commands/s", "p50 us", "p99 us", "commands");
    for (int clients : client_counts) {
      auto f = run_mix(e, clients, seconds);
      fmt::print("{:>8} {:>12.0f} {:>10.0f} {:>10.0f} {:>10}\n", clients, f.per_second, f.p50_us, f.p99_us, f.commands);
      std::fflush(stdout);
    }
  }

  // Loading a 1,000-event ticket: replay from the first event vs snapshot + tail.
  const std::string load_dir = dir + "-load";
  std::filesystem::remove_all(load_dir);
  Engine e(load_dir, TicketRepositoryOptions{.cache_bytes = 64u << 20, .snapshot_every = 1000});
  const Principal agent{"agent-1", "acme", Role::agent, "", ""};
  CreateTicket create;
  create.tenant = "acme";
  create.subject = "Long-running ticket";
  auto t = e.engine.create(create, CommandRequest{agent, {}, "", "", "", ""});
  must(t, "create");
  for (int i = 1; i < 1000; ++i) {
    must(e.engine.execute(t->ticket->id,
                          AddComment{e.ids.next_id(),
                                     fmt::format("Update {}: still investigating the root cause.", i),
                                     Visibility::public_,
                                     {},
                                     {}},
                          CommandRequest{agent, {}, "", "", "", ""}),
         "comment");
  }
  constexpr int kLoads = 50;
  for (bool snapshot : {false, true}) {
    std::vector<double> us;
    for (int i = 0; i < kLoads; ++i) {
      const auto t0 = Clock_::now();
      auto loaded = e.replay.load_fresh(t->ticket->id, snapshot);
      us.push_back(std::chrono::duration<double, std::micro>(Clock_::now() - t0).count());
      if (!loaded || loaded->version != 1000) {
        fmt::print(stderr, "load failed\n");
        return 1;
      }
    }
    std::sort(us.begin(), us.end());
    fmt::print("load 1000-event ticket {}: p50 {:.0f} us, max {:.0f} us ({} loads)\n",
               snapshot ? "with snapshot   " : "without snapshot", us[us.size() / 2], us.back(), kLoads);
  }
  return 0;
}
