// Read-model benchmark: generate a data set through the real command path, then
// measure the projection's catch-up rate (a full rebuild from position 0) and the
// latency of list, last-page, search and queue queries.
//
//   build/benchmarks/projections_bench [--tickets N] [--clients C] [--dir DIR] [--reuse]
//
// The generator: C client threads create tickets for 100 customers of tenant "acme"
// (4 queues, 6 categories, random priorities, subjects drawn from a small vocabulary
// plus a unique word), and comment on / assign / start every few tickets. Every
// command is durable before the next. Half the tickets are dated a year back (ticket
// numbers allow 999,999 per year).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include "commands/command_engine.h"
#include "projections/projection_runner.h"
#include "projections/ticket_queries.h"
#include "projections/tickets_projection.h"

namespace {

using namespace ticketd;
using SteadyClock = std::chrono::steady_clock;

const char* kWords[] = {"printer", "vpn",     "laptop", "password", "email",   "invoice", "monitor",  "badge",
                        "wifi",    "license", "backup", "phone",    "account", "server",  "keyboard", "portal"};
const char* kQueues[] = {"general", "network", "hardware", "billing"};
const char* kCategories[] = {"technical", "billing", "access", "feature_request", "bug", "general"};

void generate(EventStore& store, int tickets, int clients) {
  SystemClock clock;
  RandomIds ids;
  CommandEngine engine(store, clock, ids);
  TenantConfig acme;
  acme.id = "acme";
  acme.queues = {std::begin(kQueues), std::end(kQueues)};
  (void)engine.configure_tenant(acme, Principal{"root", "root", Role::global_admin, "", ""});
  for (int a = 0; a < 20; ++a) {
    const std::string sub = fmt::format("agent-{}", a);
    (void)engine.record_user(UserRecord{sub, "acme", "", "", Role::agent}, Principal{sub, "acme", Role::agent, "", ""});
  }
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  const auto start = SteadyClock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937 rng(c);
      for (int i = next++; i < tickets; i = next++) {
        const Principal customer{fmt::format("customer-{}", i % 100), "acme", Role::customer, "", ""};
        const Principal agent{fmt::format("agent-{}", i % 20), "acme", Role::agent, "", ""};
        CreateTicket t;
        t.tenant = "acme";
        t.subject = fmt::format("{} {} problem u{}", kWords[rng() % 16], kWords[rng() % 16], i);
        t.description = fmt::format("Since this morning the {} does not work; tried restarting the {}.",
                                    kWords[rng() % 16], kWords[rng() % 16]);
        t.priority = Priority(rng() % 4);
        t.queue = kQueues[rng() % 4];
        t.category = kCategories[rng() % 6];
        auto created = engine.create(std::move(t), CommandRequest{customer, {}, "", "", "", ""});
        if (!created) {
          fmt::print(stderr, "create failed: {}\n", created.error().message);
          std::_Exit(1);
        }
        const std::string& id = created->ticket->id;
        const CommandRequest as_agent{agent, {}, "", "", "", ""};
        if (i % 3 == 0) (void)engine.execute(id, AssignTicket{agent.sub, std::nullopt, false}, as_agent);
        if (i % 6 == 0) (void)engine.execute(id, ChangeStatus{Status::in_progress, {}}, as_agent);
        if (i % 4 == 0) {
          (void)engine.execute(id,
                               AddComment{ids.next_id(),
                                          fmt::format("Checked the {} logs", kWords[rng() % 16]),
                                          i % 8 ? Visibility::public_ : Visibility::internal,
                                          {},
                                          {}},
                               as_agent);
        }
        const int n = ++done;
        if (n % 100000 == 0) {
          const double s = std::chrono::duration<double>(SteadyClock::now() - start).count();
          fmt::print("generated {} tickets in {:.1f} s\n", n, s);
          std::fflush(stdout);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
}

struct Latency {
  double p50_ms, p99_ms, max_ms;
};

template <class F>
Latency measure(int runs, F f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = SteadyClock::now();
    f(i);
    ms.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[ms.size() * 99 / 100], ms.back()};
}

template <class T>
const T& must(const Result<T>& r) {
  if (!r) {
    fmt::print(stderr, "query failed: {}\n", r.error().message);
    std::exit(1);
  }
  return *r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"read-model benchmark"};
  int tickets = 1'000'000;
  int clients = 64;
  int runs = 200;
  std::string dir = "/tmp/ticketd-projections-bench";
  bool reuse = false;
  cli.add_option("--tickets", tickets, "tickets to generate");
  cli.add_option("--clients", clients, "generator threads");
  cli.add_option("--runs", runs, "runs per query");
  cli.add_option("--dir", dir, "scratch directory");
  cli.add_flag("--reuse", reuse, "keep an event store generated by an earlier run");
  CLI11_PARSE(cli, argc, argv);

  const std::string events = dir + "/events";
  const std::string db = dir + "/readmodels.sqlite";
  if (!reuse) std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = std::move(*open_rocksdb_event_store(events));
  if (!reuse || store->head().position == 0) {
    const auto t0 = SteadyClock::now();
    generate(*store, tickets, clients);
    fmt::print("generated {} tickets, {} events in {:.1f} s\n", tickets, store->head().position,
               std::chrono::duration<double>(SteadyClock::now() - t0).count());
  }

  // Full rebuild from position 0 = the catch-up rate.
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  {
    std::vector<std::unique_ptr<Projection>> projections;
    projections.push_back(std::make_unique<TicketsProjection>());
    ProjectionRunner runner(*store, db, std::move(projections));
    const auto t0 = SteadyClock::now();
    const std::uint64_t applied = must(runner.catch_up());
    const double s = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    fmt::print("rebuild: {} events in {:.2f} s = {:.0f} events/s\n", applied, s, applied / s);
  }

  TicketQueries q(db);
  const Timestamp now = SystemClock().now();
  const Principal agent{"agent-1", "acme", Role::agent, "", ""};
  const Principal customer{"customer-7", "acme", Role::customer, "", ""};
  std::mt19937 rng(1);

  TicketFilter open_by_queue;
  open_by_queue.status = {"new", "open"};
  auto list = measure(runs, [&](int i) {
    open_by_queue.queue = kQueues[i % 4];
    (void)must(q.list(agent, open_by_queue, now));
  });
  fmt::print("list (status=new,open & queue, -created, 50): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n", list.p50_ms,
             list.p99_ms, list.max_ms);

  // The last page of the oldest-first listing, reached through a cursor. Cursors are
  // opaque to clients; this benchmark builds one ("created.<seq>.<seq>") to land 50
  // tickets before the end without walking 20,000 pages.
  std::int64_t total = 0;
  {
    sql::Database raw(db, true);
    auto count = raw.prepare("SELECT MAX(seq) FROM tickets");
    count.step();
    total = count.int64(0);
  }
  auto last = measure(runs, [&](int) {
    TicketFilter f;
    f.sort = "created";
    f.limit = 50;
    f.cursor = fmt::format("created.{}.{}", total - 50, total - 50);
    if (must(q.list(agent, f, now)).items.size() != 50) std::exit(1);
  });
  fmt::print("last page (created order, final 50, via cursor): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n",
             last.p50_ms, last.p99_ms, last.max_ms);

  auto filtered_last = measure(runs, [&](int i) {
    TicketFilter f;
    f.sort = "created";
    f.limit = 50;
    f.queue = kQueues[i % 4];
    f.cursor = fmt::format("created.{}.{}", total - 400, total - 400);
    (void)must(q.list(agent, f, now));
  });
  fmt::print("last page with a queue filter (via cursor): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n",
             filtered_last.p50_ms, filtered_last.p99_ms, filtered_last.max_ms);

  auto search = measure(runs, [&](int i) {
    TicketFilter f;
    f.q = fmt::format("{} u{}", kWords[i % 16], (i * 7919) % tickets);
    (void)must(q.list(agent, f, now));
  });
  fmt::print("search (two words, one of them rare): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n", search.p50_ms,
             search.p99_ms, search.max_ms);

  auto common_search = measure(runs, [&](int i) {
    TicketFilter f;
    f.q = kWords[i % 16];
    (void)must(q.list(agent, f, now));
  });
  fmt::print("search (one common word, ~1/8 of tickets): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n",
             common_search.p50_ms, common_search.p99_ms, common_search.max_ms);

  auto customer_list = measure(runs, [&](int) { (void)must(q.list(customer, TicketFilter{}, now)); });
  fmt::print("customer's own tickets (-created, 50): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n",
             customer_list.p50_ms, customer_list.p99_ms, customer_list.max_ms);

  auto queue = measure(runs, [&](int i) {
    (void)must(q.queue(agent, std::optional<std::string>(kQueues[i % 4]), std::nullopt, 50, "", now));
  });
  fmt::print("queue (per queue, first 50): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n", queue.p50_ms, queue.p99_ms,
             queue.max_ms);
  return 0;
}
