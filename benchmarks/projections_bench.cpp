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
//
// Every query runs kWarmupRuns times unmeasured, then --runs times measured, and each run's
// answer is checked: a query that fails, a list or search that returns no rows, and a
// two-word search that does not return exactly its one ticket exit 1, as do failed commands
// of the generator. The two-word searches pair a ticket's unique word with the first word
// of that ticket's own subject (read from the read model before measuring).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include "commands/command_engine.h"
#include "privacy/subject_key_store.h"
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

constexpr int kWarmupRuns = 10;

// A failed command, query or setup step ends the benchmark with exit status 1 (_Exit: the
// generator's other threads are still running).
[[noreturn]] void fail(std::string_view what, std::string_view why) {
  fmt::print(stderr, "projections_bench: {} failed: {}\n", what, why);
  std::fflush(stdout);
  std::_Exit(1);
}

template <class T>
const T& must(const Result<T>& r, std::string_view what) {
  if (!r) fail(what, r.error().message);
  return *r;
}
inline void must(const Result<void>& r, std::string_view what) {
  if (!r) fail(what, r.error().message);
}

void generate(EventStore& store, FieldCipher& cipher, int tickets, int clients) {
  SystemClock clock;
  RandomIds ids;
  CommandEngine engine(store, clock, ids, cipher);
  TenantConfig acme;
  acme.id = "acme";
  acme.queues = {std::begin(kQueues), std::end(kQueues)};
  must(engine.configure_tenant(acme, Principal{"root", "root", Role::global_admin, "", ""}), "configure_tenant");
  for (int a = 0; a < 20; ++a) {
    const std::string sub = fmt::format("agent-{}", a);
    must(engine.record_user(UserRecord{sub, "acme", "", "", Role::agent}, Principal{sub, "acme", Role::agent, "", ""}),
         "record_user");
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
        const std::string& id = must(created, "create").ticket->id;
        const CommandRequest as_agent{agent, {}, "", "", "", ""};
        if (i % 3 == 0) must(engine.execute(id, AssignTicket{agent.sub, std::nullopt, false}, as_agent), "assign");
        if (i % 6 == 0) must(engine.execute(id, ChangeStatus{Status::in_progress, {}}, as_agent), "start");
        if (i % 4 == 0) {
          must(engine.execute(id,
                              AddComment{ids.next_id(),
                                         fmt::format("Checked the {} logs", kWords[rng() % 16]),
                                         i % 8 ? Visibility::public_ : Visibility::internal,
                                         {},
                                         {}},
                              as_agent),
               "comment");
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

// Runs f(runs .. runs + kWarmupRuns - 1) unmeasured, then f(0 .. runs - 1) measured.
template <class F>
Latency measure(int runs, F f) {
  for (int i = runs; i < runs + kWarmupRuns; ++i) f(i);
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = SteadyClock::now();
    f(i);
    ms.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[ms.size() * 99 / 100], ms.back()};
}

// The rows of a page that must not be empty.
const TicketPage& rows(const Result<TicketPage>& r, std::string_view what) {
  const TicketPage& page = must(r, what);
  if (page.items.empty()) fail(what, "no rows");
  return page;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"read-model benchmark"};
  int tickets = 1'000'000;
  int clients = 64;
  int runs = 200;
  std::string dir = "/tmp/ticketd-projections-bench";
  bool reuse = false;
  cli.add_option("--tickets", tickets,
                 "tickets to generate (at least 1,000: the last-page queries start 400 before the end)")
      ->check(CLI::Range(1000, 999'999 * 2));
  cli.add_option("--clients", clients, "generator threads");
  cli.add_option("--runs", runs, "measured runs per query")->check(CLI::PositiveNumber);
  cli.add_option("--dir", dir, "scratch directory");
  cli.add_flag("--reuse", reuse, "keep an event store generated by an earlier run");
  CLI11_PARSE(cli, argc, argv);

  const std::string events = dir + "/events";
  const std::string db = dir + "/readmodels.sqlite";
  if (!reuse) std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto opened = open_rocksdb_event_store(events);
  if (!opened) fail("opening the event store", opened.error().message);
  auto store = std::move(*opened);
  auto opened_keys = open_subject_key_store(dir + "/keys");
  if (!opened_keys) fail("opening the key store", opened_keys.error().message);
  FieldCipher cipher(**opened_keys);
  if (!reuse || store->head().position == 0) {
    const auto t0 = SteadyClock::now();
    generate(*store, cipher, tickets, clients);
    fmt::print("generated {} tickets, {} events in {:.1f} s\n", tickets, store->head().position,
               std::chrono::duration<double>(SteadyClock::now() - t0).count());
  }

  // Full rebuild from position 0 = the catch-up rate.
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  {
    std::vector<std::unique_ptr<Projection>> projections;
    projections.push_back(std::make_unique<TicketsProjection>(cipher, *store));
    ProjectionRunner runner(*store, db, std::move(projections));
    const auto t0 = SteadyClock::now();
    const std::uint64_t applied = must(runner.catch_up(), "rebuild");
    const double s = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    fmt::print("rebuild: {} events in {:.2f} s = {:.0f} events/s\n", applied, s, applied / s);
  }

  TicketQueries q(db);
  const Timestamp now = SystemClock().now();
  const Principal agent{"agent-1", "acme", Role::agent, "", ""};
  const Principal customer{"customer-7", "acme", Role::customer, "", ""};
  fmt::print("queries: {} unmeasured runs each, then {} measured; every answer checked for rows\n", kWarmupRuns, runs);

  TicketFilter open_by_queue;
  open_by_queue.status = {"new", "open"};
  auto list = measure(runs, [&](int i) {
    open_by_queue.queue = kQueues[i % 4];
    (void)rows(q.list(agent, open_by_queue, now), "list");
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
    if (rows(q.list(agent, f, now), "last page").items.size() != 50) fail("last page", "not 50 rows");
  });
  fmt::print("last page (created order, final 50, via cursor): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n",
             last.p50_ms, last.p99_ms, last.max_ms);

  auto filtered_last = measure(runs, [&](int i) {
    TicketFilter f;
    f.sort = "created";
    f.limit = 50;
    f.queue = kQueues[i % 4];
    f.cursor = fmt::format("created.{}.{}", total - 400, total - 400);
    (void)rows(q.list(agent, f, now), "last page with a queue filter");
  });
  fmt::print("last page with a queue filter (via cursor): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n",
             filtered_last.p50_ms, filtered_last.p99_ms, filtered_last.max_ms);

  // Two words, one rare: ticket u<N>'s unique word and the first word of its own subject, so
  // that each search has exactly one match (a pair drawn at random would mostly match nothing).
  std::vector<std::string> rare_searches;
  {
    sql::Database raw(db, true);
    auto subject = raw.prepare("SELECT subject FROM tickets_fts WHERE tickets_fts MATCH ?");
    for (int i = 0; i < runs + kWarmupRuns; ++i) {
      const std::string unique = fmt::format("u{}", (static_cast<std::int64_t>(i) * 7919) % tickets);
      subject.reset();
      subject.bind(1, fmt::format("\"{}\"", unique));
      if (!subject.step()) fail("search setup", fmt::format("no ticket has the word {}", unique));
      const std::string text = subject.text(0);
      rare_searches.push_back(fmt::format("{} {}", text.substr(0, text.find(' ')), unique));
    }
  }
  auto search = measure(runs, [&](int i) {
    TicketFilter f;
    f.q = rare_searches[i];
    if (rows(q.list(agent, f, now), "search").items.size() != 1) fail("search", f.q + " matched more than 1 ticket");
  });
  fmt::print("search (two words of one ticket, one unique): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n",
             search.p50_ms, search.p99_ms, search.max_ms);

  auto common_search = measure(runs, [&](int i) {
    TicketFilter f;
    f.q = kWords[i % 16];
    (void)rows(q.list(agent, f, now), "common-word search");
  });
  fmt::print("search (one common word, in ~1/4 of tickets): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n",
             common_search.p50_ms, common_search.p99_ms, common_search.max_ms);

  auto customer_list = measure(runs, [&](int) { (void)rows(q.list(customer, TicketFilter{}, now), "customer list"); });
  fmt::print("customer's own tickets (-created, 50): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n",
             customer_list.p50_ms, customer_list.p99_ms, customer_list.max_ms);

  auto queue = measure(runs, [&](int i) {
    (void)rows(q.queue(agent, std::optional<std::string>(kQueues[i % 4]), std::nullopt, 50, "", now), "queue");
  });
  fmt::print("queue (per queue, first 50): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n", queue.p50_ms, queue.p99_ms,
             queue.max_ms);
  return 0;
}
