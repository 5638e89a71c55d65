// Event store benchmark: durable appends/s and append latency at 1, 16 and 64 concurrent
// appenders of ~300-byte events, then read throughput of one stream and of the whole log.
//
//   build/benchmarks/eventstore_bench [--seconds S] [--dir DIR]
//
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
#include <mutex>
#include <thread>
#include <vector>

#include "eventstore/event_store.h"

namespace {

using Clock = std::chrono::steady_clock;
using ticketd::EventStore;

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

Figures run_threads(EventStore& store, int appenders, double seconds) {
  std::vector<std::vector<double>> per_thread(appenders);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int t = 0; t < appenders; ++t) {
    threads.emplace_back([&, t] {
      auto& lat = per_thread[t];
      const std::string stream = fmt::format("bench-t{}-{}", appenders, t);
      while (!stop.load(std::memory_order_relaxed)) {
        const auto t0 = Clock::now();
        auto r = store.append(stream, ticketd::ExpectedVersion::any(), make_events());
        if (!r) {
          fmt::print(stderr, "append failed: {}\n", r.error().message);
          std::exit(1);
        }
        lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : threads) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  return summarize(all, elapsed);
}

Figures run_async(EventStore& store, int appenders, double seconds) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<double> latencies;
  int in_flight = 0;
  std::atomic<bool> stop{false};
  const auto start = Clock::now();
  std::function<void(int)> issue = [&](int slot) {
    const auto t0 = Clock::now();
    {
      std::lock_guard lock(mu);
      ++in_flight;
    }
    store.append_async(ticketd::AppendRequest{fmt::format("bench-a{}-{}", appenders, slot),
                                              ticketd::ExpectedVersion::any(), make_events()},
                       [&, slot, t0](ticketd::Result<ticketd::AppendOk> r) {
                         if (!r) {
                           fmt::print(stderr, "append failed: {}\n", r.error().message);
                           std::exit(1);
                         }
                         {
                           std::lock_guard lock(mu);
                           latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
                           --in_flight;
                         }
                         cv.notify_one();
                         if (!stop.load(std::memory_order_relaxed)) issue(slot);  // the next request of this client
                       });
  };
  for (int slot = 0; slot < appenders; ++slot) issue(slot);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return in_flight == 0; });
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return summarize(latencies, elapsed);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"event store benchmark"};
  double seconds = 5;
  std::string dir = "/tmp/ticketd-eventstore-bench";
  cli.add_option("--seconds", seconds, "seconds per configuration");
  cli.add_option("--dir", dir, "scratch directory (deleted first)");
  std::vector<std::string> modes{"threads", "async"};
  std::vector<int> appender_counts{1, 16, 64};
  bool skip_reads = false;
  cli.add_option("--events-per-append", g_events_per_append, "events in each append (default 1)")
      ->check(CLI::Range(1, 1000));
  cli.add_option("--modes", modes, "threads and/or async");
  cli.add_option("--appenders", appender_counts, "concurrent appender counts");
  cli.add_flag("--skip-reads", skip_reads, "only measure appends");
  CLI11_PARSE(cli, argc, argv);

  std::filesystem::remove_all(dir);
  auto opened = ticketd::open_rocksdb_event_store(dir);
  if (!opened) {
    fmt::print(stderr, "{}\n", opened.error().message);
    return 1;
  }
  auto& store = **opened;
  fmt::print("event: {} bytes of data, {} bytes stored per record\n", make_event(0).data.size(), [&] {
    (void)store.append("probe", ticketd::ExpectedVersion::any(), {make_event(g_next_id++)});
    return store.read_raw(store.head().position).value_or("").size();
  }());
  fmt::print("{:<8} {:>10} {:>14} {:>10} {:>10} {:>10} {:>12} {:>12}\n", "mode", "appenders", "events/s", "p50 us",
             "p99 us", "appends", "events/sync", "writes/sync");
  for (const std::string& mode : modes) {
    for (int appenders : appender_counts) {
      const bool threads = mode == "threads";
      const auto before = store.stats();
      Figures f = threads ? run_threads(store, appenders, seconds) : run_async(store, appenders, seconds);
      const auto after = store.stats();
      const double syncs = static_cast<double>(after.syncs - before.syncs);
      fmt::print("{:<8} {:>10} {:>14.0f} {:>10.0f} {:>10.0f} {:>10} {:>12.1f} {:>12.1f}\n", mode, appenders,
                 f.events_per_s, f.p50_us, f.p99_us, f.appends,
                 static_cast<double>(after.events - before.events) / syncs,
                 static_cast<double>(after.write_batches - before.write_batches) / syncs);
      std::fflush(stdout);
    }
  }

  if (skip_reads) return 0;
  // Reads: one long stream, then the whole log.
  constexpr int kStreamEvents = 100'000;
  for (int i = 0; i < kStreamEvents; i += 500) {
    std::vector<ticketd::NewEvent> events;
    for (int j = 0; j < 500; ++j) events.push_back(make_event(g_next_id++));
    (void)store.append("long-stream", ticketd::ExpectedVersion::any(), std::move(events));
  }
  auto t0 = Clock::now();
  std::size_t read = 0;
  for (std::uint64_t from = 1;;) {
    auto page = store.read_stream("long-stream", from, 1000);
    if (!page || page->empty()) break;
    read += page->size();
    from = page->back().version + 1;
  }
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  fmt::print("read_stream: {} events in {:.3f} s = {:.0f} events/s\n", read, s, read / s);

  t0 = Clock::now();
  read = 0;
  for (std::uint64_t after = 0;;) {
    auto page = store.read_all(after, 4096);
    if (!page || page->empty()) break;
    read += page->size();
    after = page->back().position;
  }
  s = std::chrono::duration<double>(Clock::now() - t0).count();
  fmt::print("read_all:    {} events in {:.3f} s = {:.0f} events/s\n", read, s, read / s);
  return 0;
}
