// Event store benchmark: durable appends/s and append latency at 1, 16 and 64 concurrent
// appenders of ~300-byte events, then read throughput of one stream and of the whole log.
//
//   build/benchmarks/eventstore_bench [--seconds S] [--warmup S] [--dir DIR]
//
// Each configuration runs --warmup seconds unmeasured, then --seconds measured; only appends
// issued and acknowledged inside the measured window count. Any failed append or read, or a
// read that returns fewer events than were written, exits 1.
// "threads" mode: N OS threads each call the blocking append() in a loop.
// "async" mode: N appenders kept in flight through append_async() from one thread, as
// the HTTP server's few I/O threads serving many connections do.
// Every append is one event, acknowledged only after its WAL sync.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "benchmarks/measure_window.h"
#include "eventstore/event_store.h"

namespace {

using ticketd::EventStore;
using ticketd::Result;
using ticketd::bench::Clock;
using ticketd::bench::micros;
using ticketd::bench::Window;

int g_events_per_append = 1;

ticketd::NewEvent make_event(std::uint64_t n) {
  ticketd::NewEvent e;
  e.event_id = fmt::format("{:08x}-bench-4000-8000-{:012x}", n >> 32, n);
  e.type = "ticket.commented";
  e.time = ticketd::Timestamp{std::chrono::microseconds{1'790'000'000'000'000 + static_cast<std::int64_t>(n)}};
  e.actor = {"agent-17", "agent", "acme"};
  e.correlation_id = "req-0001";
  // ~300 bytes of payload, a typical comment event.
  e.data =
      R"({"comment_id":"c-4f1d2a9e","ticket":"TICK-2026-004711","visibility":"public","body":"Hello Maria, we rebooted the VPN gateway in Frankfurt and renewed the certificate that had expired last night. Please reconnect and tell us whether the error 809 is gone; if not, send us the client log from the tray menu."})";
  return e;
}

struct Figures {
  double events_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
  std::size_t appends = 0;
};

Figures summarize(std::vector<double>& latencies_us, double seconds) {
  Figures f;
  f.appends = latencies_us.size();
  if (latencies_us.empty()) return f;
  std::sort(latencies_us.begin(), latencies_us.end());
  f.events_per_s = static_cast<double>(latencies_us.size()) * g_events_per_append / seconds;
  f.p50_us = latencies_us[latencies_us.size() / 2];
  f.p99_us = latencies_us[latencies_us.size() * 99 / 100];
  return f;
}

std::atomic<std::uint64_t> g_next_id{0};

std::vector<ticketd::NewEvent> make_events() {
  std::vector<ticketd::NewEvent> events;
  for (int i = 0; i < g_events_per_append; ++i) events.push_back(make_event(g_next_id++));
  return events;
}

Result<Figures> run_threads(EventStore& store, int appenders, const Window& window) {
  std::vector<std::vector<double>> per_thread(appenders);
  std::mutex mu;
  std::optional<ticketd::Error> failure;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < appenders; ++t) {
    threads.emplace_back([&, t] {
      auto& lat = per_thread[t];
      const std::string stream = fmt::format("bench-t{}-{}", appenders, t);
      while (!stop.load(std::memory_order_relaxed) && Clock::now() < window.to) {
        const auto t0 = Clock::now();
        auto r = store.append(stream, ticketd::ExpectedVersion::any(), make_events());
        const auto t1 = Clock::now();
        if (!r) {
          std::lock_guard lock(mu);
          if (!failure) failure = r.error();
          stop = true;
          return;
        }
        if (window.counts(t0, t1)) lat.push_back(micros(t0, t1));
      }
    });
  }
  for (auto& th : threads) th.join();
  if (failure) return std::unexpected(*failure);
  std::vector<double> all;
  for (auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  return summarize(all, window.seconds());
}

// `appenders` appends kept in flight: each completion issues the next append of its slot
// until the window closes. A slot stays in `in_flight` from its first append until its
// last completion, which decrements it under the mutex as the callback's final access to
// anything of this frame; so once the count is 0 no callback of this run is running or
// will run, and returning (destroying the mutex, the counters and later the store) is safe.
Result<Figures> run_async(EventStore& store, int appenders, const Window& window) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<double> latencies;
  std::optional<ticketd::Error> failure;
  int in_flight = appenders;
  std::function<void(int)> issue = [&](int slot) {
    const auto t0 = Clock::now();
    store.append_async(ticketd::AppendRequest{fmt::format("bench-a{}-{}", appenders, slot),
                                              ticketd::ExpectedVersion::any(), make_events()},
                       [&, slot, t0](ticketd::Result<ticketd::AppendOk> r) {
                         const auto t1 = Clock::now();
                         bool again = false;
                         {
                           std::lock_guard lock(mu);
                           if (!r && !failure) failure = r.error();
                           if (r && window.counts(t0, t1)) latencies.push_back(micros(t0, t1));
                           again = !failure && t1 < window.to;
                           if (!again && --in_flight == 0) cv.notify_one();
                         }
                         if (again) issue(slot);  // the next request of this client
                       });
  };
  for (int slot = 0; slot < appenders; ++slot) issue(slot);
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return in_flight == 0; });
  if (failure) return std::unexpected(*failure);
  return summarize(latencies, window.seconds());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"event store benchmark"};
  double seconds = 5;
  double warmup = 1;
  std::string dir = "/tmp/ticketd-eventstore-bench";
  cli.add_option("--seconds", seconds, "measured seconds per configuration")->check(CLI::PositiveNumber);
  cli.add_option("--warmup", warmup, "unmeasured seconds before each configuration (default 1)")
      ->check(CLI::NonNegativeNumber);
  cli.add_option("--dir", dir, "scratch directory (deleted first)");
  std::vector<std::string> modes{"threads", "async"};
  std::vector<int> appender_counts{1, 16, 64};
  bool skip_reads = false;
  cli.add_option("--events-per-append", g_events_per_append, "events in each append (default 1)")
      ->check(CLI::Range(1, 1000));
  cli.add_option("--modes", modes, "threads and/or async")->check(CLI::IsMember({"threads", "async"}));
  cli.add_option("--appenders", appender_counts, "concurrent appender counts")->check(CLI::Range(1, 4096));
  cli.add_flag("--skip-reads", skip_reads, "only measure appends");
  CLI11_PARSE(cli, argc, argv);
  auto fail = [](std::string_view what, const ticketd::Error& e) {
    fmt::print(stderr, "eventstore_bench: {} failed: {}\n", what, e.message);
    return 1;
  };

  std::filesystem::remove_all(dir);
  auto opened = ticketd::open_rocksdb_event_store(dir);
  if (!opened) return fail("open", opened.error());
  auto& store = **opened;
  auto probe = store.append("probe", ticketd::ExpectedVersion::any(), {make_event(g_next_id++)});
  if (!probe) return fail("probe append", probe.error());
  auto probe_record = store.read_raw(store.head().position);
  if (!probe_record) return fail("probe read", probe_record.error());
  fmt::print("event: {} bytes of data, {} bytes stored per record; {} event(s) per append\n", make_event(0).data.size(),
             probe_record->size(), g_events_per_append);
  fmt::print(
      "per configuration: {} s warm-up (not counted), then {} s measured; counted are the appends issued and "
      "acknowledged (durable) inside the measured window; latency from call to acknowledgement; closed loop "
      "(each appender issues its next append when the previous one is acknowledged)\n",
      warmup, seconds);
  fmt::print("{:<8} {:>10} {:>14} {:>10} {:>10} {:>10} {:>12} {:>12}\n", "mode", "appenders", "events/s", "p50 us",
             "p99 us", "appends", "events/sync", "writes/sync");
  for (const std::string& mode : modes) {
    for (int appenders : appender_counts) {
      const bool threads = mode == "threads";
      const Window window(warmup, seconds);
      const auto before = store.stats();
      auto f = threads ? run_threads(store, appenders, window) : run_async(store, appenders, window);
      const auto after = store.stats();
      if (!f) return fail(fmt::format("{} append", mode), f.error());
      if (f->appends == 0) {
        fmt::print(stderr, "eventstore_bench: no append completed inside the {} s window ({} {})\n", seconds, mode,
                   appenders);
        return 1;
      }
      // The store's counters span the warm-up as well: a ratio, not a count, of this run.
      const double syncs = static_cast<double>(after.syncs - before.syncs);
      fmt::print("{:<8} {:>10} {:>14.0f} {:>10.0f} {:>10.0f} {:>10} {:>12.1f} {:>12.1f}\n", mode, appenders,
                 f->events_per_s, f->p50_us, f->p99_us, f->appends,
                 static_cast<double>(after.events - before.events) / syncs,
                 static_cast<double>(after.write_batches - before.write_batches) / syncs);
      std::fflush(stdout);
    }
  }

  if (skip_reads) return 0;
  // Reads: one long stream, then the whole log.
  constexpr std::size_t kStreamEvents = 100'000;
  for (std::size_t i = 0; i < kStreamEvents; i += 500) {
    std::vector<ticketd::NewEvent> events;
    for (int j = 0; j < 500; ++j) events.push_back(make_event(g_next_id++));
    auto r = store.append("long-stream", ticketd::ExpectedVersion::any(), std::move(events));
    if (!r) return fail("long-stream append", r.error());
  }
  auto t0 = Clock::now();
  std::size_t read = 0;
  for (std::uint64_t from = 1;;) {
    auto page = store.read_stream("long-stream", from, 1000);
    if (!page) return fail("read_stream", page.error());
    if (page->empty()) break;
    read += page->size();
    from = page->back().version + 1;
  }
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (read != kStreamEvents) {
    fmt::print(stderr, "eventstore_bench: read_stream returned {} of {} events\n", read, kStreamEvents);
    return 1;
  }
  fmt::print("read_stream: {} events in {:.3f} s = {:.0f} events/s\n", read, s, read / s);

  const std::uint64_t head = store.head().position;
  t0 = Clock::now();
  read = 0;
  for (std::uint64_t after = 0;;) {
    auto page = store.read_all(after, 4096);
    if (!page) return fail("read_all", page.error());
    if (page->empty()) break;
    read += page->size();
    after = page->back().position;
  }
  s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (read != head) {
    fmt::print(stderr, "eventstore_bench: read_all returned {} events, the log's head is at {}\n", read, head);
    return 1;
  }
  fmt::print("read_all:    {} events in {:.3f} s = {:.0f} events/s\n", read, s, read / s);
  return 0;
}
