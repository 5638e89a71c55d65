// Replication benchmark, in one process against the embedded cluster (librdkafka's mock
// brokers on loopback): the relay's and the replica's throughput, and the end-to-end
// replication lag at a steady write rate.
//
//   build/benchmarks/replication_bench [--records N] [--rate R] [--seconds S] [--dir DIR]
//
// 1. N ticket.commented records (a ~400-byte sealed-looking body each, 100 per durable
//    append) fill a leader's RocksDB log.
// 2. Ceiling: librdkafka's idempotent producer alone (acks=all) sends N messages of the same
//    size to ticketd.log, timed until all are delivered.
// 3. Relay: a LogRelay publishes the N records (both topics), timed until delivered == N,
// 4. Replica: the embedded cluster keeps only the newest 5 MiB of a partition, so a replica
//    rebuilds a log that fits (5,000 records, three rounds, each on a fresh cluster), timed
//    until its head holds them all.
// 5. Lag: on a fresh cluster and an empty leader log, with relay and replica running, 8 writers append one event per
// durable append at R
//    events/s in all for S seconds; for each position, lag = the moment the follower's log
//    holds it minus the moment the leader acknowledged it (sampled every 200 µs).
// Exits 1 when anything fails or does not finish within a minute.
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "base/subject_keys.h"
#include "benchmarks/bench_exit.h"
#include "events/field_cipher.h"
#include "eventstore/event_store.h"
#include "replication/embedded_kafka.h"
#include "replication/log_relay.h"
#include "replication/log_replica.h"
#include "replication/topics.h"

namespace {

using namespace ticketd;
using Steady = std::chrono::steady_clock;

using bench::fail;
using bench::must;

NewEvent comment_event(std::uint64_t n, Timestamp now) {
  NewEvent e;
  e.event_id = fmt::format("e{}", n);
  e.type = "ticket.commented";
  e.time = now;
  e.actor = Actor{"alex", "agent", "acme"};
  e.data = fmt::format(
      R"({{"comment_id":"c{}","body":{{"sealed":{{"key":"k0123456789abcdef0123456789abcdef","nonce":"AAAAAAAAAAAAAAAA","ct":"{}","tag":"AAAAAAAAAAAAAAAAAAAAAA=="}}}},"visibility":"public"}})",
      n, std::string(300, 'Q'));
  return e;
}

template <class F>
double time_until(F&& done) {
  const auto start = Steady::now();
  while (!done()) {
    if (Steady::now() - start > std::chrono::seconds(60)) fail("did not finish within 60 s");
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return std::chrono::duration<double>(Steady::now() - start).count();
}

double producer_ceiling(const std::string& bootstrap, std::uint64_t n, std::size_t bytes) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err);
  rd_kafka_conf_set(conf, "acks", "all", err, sizeof err);
  rd_kafka_conf_set(conf, "linger.ms", "2", err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) fail(err);
  const std::string value(bytes, 'v');
  const auto start = Steady::now();
  for (std::uint64_t i = 1; i <= n; ++i) {
    const std::string key = std::to_string(i);
    while (rd_kafka_producev(
               rk, RD_KAFKA_V_TOPIC("ceiling"), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY(key.data(), key.size()),
               RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk, 10);
    }
    rd_kafka_poll(rk, 0);
  }
  if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) fail("the ceiling producer did not finish");
  const double s = std::chrono::duration<double>(Steady::now() - start).count();
  rd_kafka_destroy(rk);
  return static_cast<double>(n) / s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"replication benchmark"};
  std::uint64_t records = 200000;
  double rate = 5000;
  double seconds = 10;
  std::string dir = "/tmp/ticketd-replication-bench";
  cli.add_option("--records", records, "records for the throughput runs")->check(CLI::Range(100, 100000000));
  cli.add_option("--rate", rate, "events/s written during the lag run")->check(CLI::Range(1.0, 1e6));
  cli.add_option("--seconds", seconds, "length of the lag run")->check(CLI::PositiveNumber);
  cli.add_option("--dir", dir, "scratch directory (deleted first)");
  CLI11_PARSE(cli, argc, argv);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  SystemClock clock;
  auto leader = must(open_rocksdb_event_store(dir + "/leader"), "opening the leader's log");
  for (std::uint64_t n = 0; n < records;) {
    std::vector<NewEvent> batch;
    for (int i = 0; i < 100 && n < records; ++i) batch.push_back(comment_event(++n, clock.now()));
    must(leader->append(fmt::format("t{}", n / 1000), ExpectedVersion::any(), std::move(batch)), "filling the log");
  }
  const std::size_t record_bytes = must(leader->read_raw(1), "reading a record").size();
  fmt::print("{} records of {} bytes in the leader's log\n", records, record_bytes);

  auto cluster = must(EmbeddedKafka::start(), "starting the embedded cluster");
  const double ceiling = producer_ceiling(cluster->bootstrap(), records, record_bytes);
  fmt::print("ceiling: librdkafka's idempotent producer alone, acks=all: {:.0f} messages/s\n", ceiling);

  auto relay = std::make_unique<LogRelay>(
      *leader, cluster->bootstrap(), [](const EventRecord&) { return std::string("acme"); }, clock);
  must(relay->start(), "starting the relay");
  const double relay_s = time_until([&] { return relay->stats().delivered == records; });
  fmt::print(
      "relay: {} records to ticketd.log and tickets.events in {:.2f} s = {:.0f} records/s ({:.0f} % of the "
      "ceiling)\n",
      records, relay_s, records / relay_s, 100.0 * records / relay_s / ceiling);
  relay->stop();

  // The replica: the embedded cluster keeps only the newest 5 MiB of a partition (librdkafka's
  // mock), so it reads a log that fits: kReplicaRounds rounds of a fresh cluster holding the
  // first kReplicaRecords records, each into an empty follower log.
  const std::uint64_t kReplicaRecords = std::min<std::uint64_t>(5000, records);
  constexpr int kReplicaRounds = 3;
  for (int round = 1; round <= kReplicaRounds; ++round) {
    auto small = must(open_rocksdb_event_store(fmt::format("{}/small{}", dir, round)), "opening a small log");
    auto all = must(leader->read_all(0, kReplicaRecords), "reading records");
    for (const EventRecord& r : all) {
      NewEvent e{r.event_id, r.type, r.schema, r.time, r.actor, r.correlation_id, r.causation_id, r.data};
      must(small->append(r.stream, ExpectedVersion::any(), {std::move(e)}), "filling a small log");
    }
    auto fresh = must(EmbeddedKafka::start(), "starting a cluster");
    LogRelay feeder(
        *small, fresh->bootstrap(), [](const EventRecord&) { return std::string("acme"); }, clock);
    must(feeder.start(), "starting a relay");
    time_until([&] { return feeder.stats().delivered == kReplicaRecords; });
    auto follower_log = must(open_rocksdb_event_store(fmt::format("{}/follower{}", dir, round)), "opening a log");
    auto round_keys = make_memory_subject_keys();
    FieldCipher round_cipher(*round_keys);
    LogReplica reader(
        *follower_log, round_cipher, fresh->bootstrap(),
        [](const std::vector<std::string>&) { return Result<std::vector<FetchedKey>>{}; }, nullptr, clock);
    must(reader.start(), "starting the replica");
    const double start_s = time_until([&] { return follower_log->head().position > 0 || reader.error().has_value(); });
    const double s_round =
        time_until([&] { return follower_log->head().position == kReplicaRecords || reader.error().has_value(); });
    if (reader.error()) fail(reader.error()->message);
    fmt::print(
        "replica, round {}: first record after {:.3f} s (consumer start), then {} records read, verified and appended "
        "in {:.3f} s = {:.0f} records/s\n",
        round, start_s, kReplicaRecords - 1, s_round, (kReplicaRecords - 1) / s_round);
  }

  // The lag run: a follower following the leader live (relay and replica both running).
  auto follower = must(open_rocksdb_event_store(dir + "/follower"), "opening the follower's log");
  auto keys = make_memory_subject_keys();
  FieldCipher cipher(*keys);
  auto lag_cluster = must(EmbeddedKafka::start(), "starting the lag run's cluster");
  auto lag_leader = must(open_rocksdb_event_store(dir + "/lag-leader"), "opening the lag run's log");
  relay = std::make_unique<LogRelay>(
      *lag_leader, lag_cluster->bootstrap(), [](const EventRecord&) { return std::string("acme"); }, clock);
  must(relay->start(), "starting the lag run's relay");
  LogReplica replica(
      *follower, cipher, lag_cluster->bootstrap(),
      [](const std::vector<std::string>&) { return Result<std::vector<FetchedKey>>{}; }, nullptr, clock);
  must(replica.start(), "starting the replica");

  // Lag at a steady rate, once both ends run (a first record has gone through).
  must(lag_leader->append("warm-up", ExpectedVersion::any(), {comment_event(0, clock.now())}), "the warm-up append");
  time_until([&] { return follower->head().position == 1 || replica.error().has_value(); });
  constexpr int kWriters = 8;
  const std::uint64_t first = 2;
  const auto total = static_cast<std::uint64_t>(rate * seconds);
  std::vector<Steady::time_point> acked(total), seen(total);
  const auto sampler_deadline =
      Steady::now() + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(seconds + 60));
  std::thread sampler([&] {
    std::uint64_t next = first;
    while (next < first + total && Steady::now() < sampler_deadline) {
      const std::uint64_t head = follower->head().position;
      const auto now = Steady::now();
      for (; next <= head && next < first + total; ++next) seen[next - first] = now;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  std::mutex acked_mu;
  std::atomic<std::uint64_t> issued{0};
  const auto start = Steady::now();
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (;;) {
        const std::uint64_t k = issued.fetch_add(1);
        if (k >= total) return;
        const auto due = start + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(k / rate));
        std::this_thread::sleep_until(due);
        auto ok =
            lag_leader->append(fmt::format("lag{}", w), ExpectedVersion::any(), {comment_event(k + 2, clock.now())});
        const auto now = Steady::now();
        if (!ok) fail("a lag-run append failed: " + ok.error().message);
        std::lock_guard lock(acked_mu);
        acked[ok->first_position - first] = now;
      }
    });
  }
  for (auto& t : writers) t.join();
  const double wrote_s = std::chrono::duration<double>(Steady::now() - start).count();
  sampler.join();
  if (follower->head().position < first + total - 1) fail("the follower did not receive every record of the lag run");
  std::vector<double> lags;
  for (std::uint64_t i = 0; i < total; ++i)
    lags.push_back(std::chrono::duration<double, std::milli>(seen[i] - acked[i]).count());
  std::sort(lags.begin(), lags.end());
  auto at = [&](double q) { return lags[std::min(lags.size() - 1, static_cast<std::size_t>(q * lags.size()))]; };
  fmt::print(
      "lag at {:.0f} events/s (written: {:.0f} events/s for {:.1f} s, one event per durable append, {} writers): "
      "p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms (goal: p99 <= 100 ms)\n",
      rate, total / wrote_s, wrote_s, kWriters, at(0.50), at(0.99), lags.back());
  replica.stop();
  relay->stop();
  return 0;
}
