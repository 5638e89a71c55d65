// Command handling benchmark: durable commands/s through the real handler and event
// store for a realistic mix, and the time to load a long ticket from the log.
//
//   build/benchmarks/commands_bench [--seconds S] [--warmup S] [--clients N...] [--dir DIR] [--relay]
//                                   [--automations]
//
// --relay runs the Kafka relay (replication/log_relay.h) on the same log, publishing to an
// embedded cluster in the same process, while the commands are measured.
// --automations runs the automation runner (automations/automation_runner.h) on the log,
// with the tickets' queue in round_robin mode over 8 available member agents, so every
// created ticket is assigned by it while the clients work (they then take it themselves).
//
// Each client repeats: create a ticket, comment 5 times, assign it to itself, start,
// resolve (9 commands, each appended durably before the next). Clients are OS threads
// calling the blocking handler (closed loop). Each configuration runs --warmup seconds
// unmeasured, then --seconds measured: only commands started and finished inside the
// measured window count, in the rate and in the latencies.
//
// Ticket load: a ticket of kLoadEvents events written with the default snapshot interval
// (TicketRepositoryOptions::snapshot_every), so its last snapshot lies kLoadTail events
// behind its head (the longest tail that interval leaves); loaded without the cache, once
// replaying from the first event and once from the snapshot plus the tail.
//
// Any failed command or load exits 1.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

#include "automations/automation_runner.h"
#include "benchmarks/measure_window.h"
#include "commands/command_engine.h"
#include "privacy/subject_key_store.h"
#include "replication/embedded_kafka.h"
#include "replication/log_relay.h"

namespace {

using namespace ticketd;
using Clock_ = bench::Clock;
using bench::Window;

std::unique_ptr<EventStore> open_store(const std::string& dir);

std::unique_ptr<SubjectKeys> open_keys(const std::string& dir);

// A store and the command side wired on it; subject keys in their own store beside it.
struct Engine {
  explicit Engine(const std::string& dir, TicketRepositoryOptions repo = {})
      : store(open_store(dir)),
        keys(open_keys(dir + "-keys")),
        cipher(*keys),
        engine(*store, clock, ids, cipher, repo),
        replay(*store, cipher) {}
  std::unique_ptr<EventStore> store;
  std::unique_ptr<SubjectKeys> keys;
  FieldCipher cipher;
  SystemClock clock;
  RandomIds ids;
  CommandEngine engine;
  TicketRepository replay;  // no cache: load_fresh() reads the log
};

// A failed command ends the benchmark with exit status 1, from whichever client thread it
// failed on (_Exit: the other clients are still running).
template <class T>
void must(const Result<T>& r, const char* what) {
  if (!r) {
    fmt::print(stderr, "commands_bench: {} failed: {}\n", what, r.error().message);
    std::fflush(stdout);
    std::_Exit(1);
  }
}

std::unique_ptr<SubjectKeys> open_keys(const std::string& dir) {
  auto opened = open_subject_key_store(dir);
  must(opened, "opening the key store");
  return std::move(*opened);
}

std::unique_ptr<EventStore> open_store(const std::string& dir) {
  auto opened = open_rocksdb_event_store(dir);
  must(opened, "opening the event store");
  return std::move(*opened);
}

struct Figures {
  double per_second = 0, p50_us = 0, p99_us = 0;
  std::size_t commands = 0;
};

Figures run_mix(Engine& e, int clients, double warmup, double seconds) {
  std::vector<std::vector<double>> latencies(clients);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    const std::string sub = fmt::format("agent-{}", c);
    must(
        e.engine.record_user(UserRecord{sub, "acme", "", "", Role::agent}, Principal{sub, "acme", Role::agent, "", ""}),
        "record_user");
  }
  const Window window(warmup, seconds);
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      const Principal customer{fmt::format("customer-{}", c), "acme", Role::customer, "", ""};
      const Principal agent{fmt::format("agent-{}", c), "acme", Role::agent, "", ""};
      CommandRequest as_customer{customer, {}, "", "", "", ""};
      CommandRequest as_agent{agent, {}, "", "", "", ""};
      auto timed = [&](auto&& f) {
        const auto t0 = Clock_::now();
        f();
        const auto t1 = Clock_::now();
        if (window.counts(t0, t1)) latencies[c].push_back(bench::micros(t0, t1));
      };
      while (Clock_::now() < window.to) {
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
  for (auto& t : threads) t.join();
  std::vector<double> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  Figures f;
  if (all.empty()) return f;
  std::sort(all.begin(), all.end());
  f.commands = all.size();
  f.per_second = all.size() / window.seconds();
  f.p50_us = all[all.size() / 2];
  f.p99_us = all[all.size() * 99 / 100];
  return f;
}

// The loaded ticket: kLoadEvents events (a create, then comments in alternating visibility
// with a priority change every tenth command), its newest snapshot kLoadTail events behind:
// at the default interval of 100, 999 events with the snapshot at 900 and 99 to replay, the
// longest tail a ticket of about 1,000 events can have (at 1,000 exactly the tail is 0).
constexpr std::uint64_t kSnapshotEvery = TicketRepositoryOptions{}.snapshot_every;
constexpr std::uint64_t kLoadEvents = 10 * kSnapshotEvery - 1;
constexpr std::uint64_t kLoadTail = kSnapshotEvery - 1;
constexpr int kLoads = 50;

int load_benchmark(const std::string& dir) {
  std::filesystem::remove_all(dir);
  Engine e(dir, TicketRepositoryOptions{10, kSnapshotEvery});
  const Principal agent{"agent-1", "acme", Role::agent, "", ""};
  const CommandRequest as_agent{agent, {}, "", "", "", ""};
  CreateTicket create;
  create.tenant = "acme";
  create.subject = "Long-running ticket";
  create.description = "The nightly export to the warehouse fails intermittently.";
  create.priority = Priority::medium;
  auto t = e.engine.create(create, as_agent);
  must(t, "create");
  const std::string id = t->ticket->id;
  for (std::uint64_t version = t->ticket->version, k = 1; version < kLoadEvents; ++k) {
    Result<CommandOutcome> r;
    if (k % 10 == 0) {
      UpdateTicket update;
      update.priority = k % 20 ? Priority::high : Priority::medium;  // a change each time
      r = e.engine.execute(id, update, as_agent);
    } else {
      r = e.engine.execute(id,
                           AddComment{e.ids.next_id(),
                                      fmt::format("Update {}: still investigating the root cause.", k),
                                      k % 2 ? Visibility::internal : Visibility::public_,
                                      {},
                                      {}},
                           as_agent);
    }
    must(r, "append to the loaded ticket");
    if (r->events_written == 0) {
      fmt::print(stderr, "commands_bench: command {} on the loaded ticket wrote no event\n", k);
      return 1;
    }
    version = r->ticket->version;
  }
  auto snapshot = e.store->load_snapshot(id);
  must(snapshot, "load_snapshot");
  const std::uint64_t head = e.replay.load_fresh(id, false).value_or(Ticket{}).version;
  if (!*snapshot || head != kLoadEvents || head - (*snapshot)->version != kLoadTail) {
    fmt::print(stderr, "commands_bench: the loaded ticket has {} events and its snapshot is at version {}, not {}\n",
               head, *snapshot ? (*snapshot)->version : 0, kLoadEvents - kLoadTail);
    return 1;
  }
  fmt::print(
      "load a {}-event ticket without the cache (snapshot at version {}, a tail of {} events behind it; "
      "snapshot every {} events)\n",
      kLoadEvents, (*snapshot)->version, kLoadTail, kSnapshotEvery);
  for (bool use_snapshot : {false, true}) {
    std::vector<double> us;
    for (int i = 0; i < kLoads + 1; ++i) {
      const auto t0 = Clock_::now();
      auto loaded = e.replay.load_fresh(id, use_snapshot);
      const auto t1 = Clock_::now();
      must(loaded, "load");
      if (loaded->version != kLoadEvents) {
        fmt::print(stderr, "commands_bench: loaded version {}, not {}\n", loaded->version, kLoadEvents);
        return 1;
      }
      if (i > 0) us.push_back(bench::micros(t0, t1));  // the first warms up
    }
    std::sort(us.begin(), us.end());
    fmt::print("  {}: p50 {:.0f} us, max {:.0f} us ({} loads after one unmeasured)\n",
               use_snapshot ? fmt::format("snapshot + {} events", kLoadTail)
                            : fmt::format("replay of all {} events", kLoadEvents),
               us[us.size() / 2], us.back(), kLoads);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"command handling benchmark"};
  double seconds = 5;
  double warmup = 1;
  std::string dir = "/tmp/ticketd-commands-bench";
  std::vector<int> client_counts{1, 64};
  cli.add_option("--seconds", seconds, "measured seconds per configuration")->check(CLI::PositiveNumber);
  cli.add_option("--warmup", warmup, "unmeasured seconds before each configuration (default 1)")
      ->check(CLI::NonNegativeNumber);
  cli.add_option("--dir", dir, "scratch directory (deleted first)");
  cli.add_option("--clients", client_counts, "concurrent client counts")->check(CLI::Range(1, 4096));
  bool relay_on = false;
  cli.add_flag("--relay", relay_on, "run the Kafka relay (embedded cluster) on the log while measuring");
  bool automations_on = false;
  cli.add_flag("--automations", automations_on, "run automatic assignment (round robin, 8 agents) while measuring");
  CLI11_PARSE(cli, argc, argv);
  std::filesystem::remove_all(dir);
  {
    Engine e(dir);
    std::unique_ptr<EmbeddedKafka> cluster;
    std::unique_ptr<LogRelay> relay;
    if (relay_on) {
      auto started = EmbeddedKafka::start();
      must(started, "starting the embedded Kafka cluster");
      cluster = std::move(*started);
      relay = std::make_unique<LogRelay>(
          *e.store, cluster->bootstrap(), [&e](const EventRecord& r) { return e.engine.tenant_of(r); }, e.clock);
      must(relay->start(), "starting the relay");
      fmt::print("relay on: publishing to the embedded cluster at {}\n", cluster->bootstrap());
    }
    std::unique_ptr<AutomationRunner> automations;
    if (automations_on) {
      TenantConfig acme;
      acme.id = "acme";
      acme.name = "Acme";
      acme.assignment = {{"general", AssignmentMode::round_robin}};
      must(e.engine.configure_tenant(acme, Principal{"root", "acme", Role::global_admin, "", ""}), "configuring");
      for (int i = 0; i < 8; ++i) {
        UserRecord pool{fmt::format("pool-{}", i), "acme", "", "", Role::agent};
        pool.queues = {"general"};
        must(e.engine.record_user(pool, Principal{pool.sub, "acme", Role::agent, "", ""}), "record_user");
      }
      automations =
          std::make_unique<AutomationRunner>(e.engine, *e.store, e.cipher, e.clock, AutomationRunner::Options{});
      must(automations->start(), "starting the automations");
      fmt::print("automations on: queue general round_robin over 8 agents\n");
    }
    fmt::print(
        "per configuration: {} s warm-up (not counted), then {} s measured; counted are the commands started "
        "and made durable inside the measured window; closed loop\n",
        warmup, seconds);
    fmt::print("{:>8} {:>12} {:>10} {:>10} {:>10}\n", "clients", "commands/s", "p50 us", "p99 us", "commands");
    for (int clients : client_counts) {
      auto f = run_mix(e, clients, warmup, seconds);
      if (f.commands == 0) {
        fmt::print(stderr, "commands_bench: no command finished inside the {} s window ({} clients)\n", seconds,
                   clients);
        return 1;
      }
      fmt::print("{:>8} {:>12.0f} {:>10.0f} {:>10.0f} {:>10}\n", clients, f.per_second, f.p50_us, f.p99_us, f.commands);
      if (relay) {
        const auto r = relay->stats();
        fmt::print("         relay: head {}, delivered {}, lag {:.3f} s\n", r.head, r.delivered, r.lag_seconds);
      }
      if (automations) {
        const auto a = automations->stats();
        fmt::print("         automations: assigned {}, refused {} (the ticket moved on first), behind the head by {}\n",
                   a.assigned, a.refused, e.store->head().position - a.position);
      }
      std::fflush(stdout);
    }
  }
  return load_benchmark(dir + "-load");
}
