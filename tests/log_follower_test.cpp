// The LogFollower contract (eventstore/log_follower.h): order, exactly-once across
// catch-up and live, batches, handler errors, seek, restart from a checkpoint, stop.
// The live test runs on RocksDB with concurrent writers; the rest on the in-memory store.
#include "eventstore/log_follower.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "eventstore/memory_event_store.h"
#include "tests/test_support.h"

using namespace ticketd;
using ticketd::test::make_event;
using ticketd::test::TempDir;

namespace {

// Appends n events to `stream`; returns how many were stored. No assertion inside, so it
// can run on a thread of its own (a REQUIRE there would terminate, not report).
int try_append_n(EventStore& store, const std::string& stream, int n) {
  int stored = 0;
  for (int i = 0; i < n; ++i) {
    if (store.append(stream, ExpectedVersion::any(), {make_event(fmt::format("{}-{}", stream, i))})) ++stored;
  }
  return stored;
}

void append_n(EventStore& store, const std::string& stream, int n) { REQUIRE(try_append_n(store, stream, n) == n); }

// A handler that records every position it is handed.
struct Recorder {
  std::mutex mu;
  std::vector<std::uint64_t> positions;
  std::vector<std::size_t> batch_sizes;
  LogFollower::Handler handler() {
    return [this](std::span<const EventRecord> batch) -> Result<void> {
      std::lock_guard lock(mu);
      batch_sizes.push_back(batch.size());
      for (const auto& r : batch) positions.push_back(r.position);
      return {};
    };
  }
};

std::vector<std::uint64_t> range(std::uint64_t from, std::uint64_t to) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t p = from; p <= to; ++p) out.push_back(p);
  return out;
}

}  // namespace

TEST_CASE("live: each event once, in order, across catch-up and concurrent appends (RocksDB)") {
  TempDir dir;
  auto store = std::move(*open_rocksdb_event_store(dir.sub("events")));
  constexpr int kBefore = 3000, kWriters = 4, kPerWriter = 1500;
  for (int i = 0; i < kBefore; i += 100) {
    std::vector<NewEvent> events;
    for (int j = i; j < i + 100; ++j) events.push_back(make_event("pre-" + std::to_string(j)));
    REQUIRE(store->append("pre", ExpectedVersion::any(), std::move(events)));
  }
  constexpr std::uint64_t kTotal = kBefore + kWriters * kPerWriter;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::uint64_t> positions;
  std::set<std::string> ids;
  LogFollower follower(*store, 0, [&](std::span<const EventRecord> batch) -> Result<void> {
    std::lock_guard lock(mu);
    for (const auto& r : batch) {
      positions.push_back(r.position);
      ids.insert(r.stream + "/" + r.event_id);
    }
    cv.notify_one();
    return {};
  });
  follower.start();
  std::vector<std::thread> writers;
  std::atomic<int> stored{0};
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] { stored += try_append_n(*store, fmt::format("live{}", w), kPerWriter); });
  }
  for (auto& t : writers) t.join();
  REQUIRE(stored == kWriters * kPerWriter);
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return positions.size() >= kTotal; }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // room for a wrong extra delivery
  follower.stop();
  CHECK_FALSE(follower.error().has_value());
  std::lock_guard lock(mu);
  CHECK(positions == range(1, kTotal));
  CHECK(ids.size() == kTotal);
  CHECK(follower.position() == kTotal);
}

TEST_CASE("from a middle position, catch_up hands exactly the later events in bounded batches") {
  auto store = make_memory_event_store();
  append_n(*store, "s", 25);
  Recorder rec;
  LogFollower follower(*store, 7, rec.handler(), LogFollower::Options{5, std::chrono::milliseconds(10)});
  auto at = follower.catch_up();
  REQUIRE(at);
  CHECK(*at == 25);
  CHECK(rec.positions == range(8, 25));
  CHECK(rec.batch_sizes == std::vector<std::size_t>{5, 5, 5, 3});
  // Nothing new: poll hands nothing and calls no handler.
  auto none = follower.poll();
  REQUIRE(none);
  CHECK(*none == 0);
  CHECK(rec.batch_sizes.size() == 4);
}

TEST_CASE("a handler error leaves the position and is returned; the batch comes again") {
  auto store = make_memory_event_store();
  append_n(*store, "s", 10);
  int calls = 0;
  std::vector<std::uint64_t> accepted;
  LogFollower follower(
      *store, 0,
      [&](std::span<const EventRecord> batch) -> Result<void> {
        if (++calls == 2) return make_error(Errc::internal, "disk full");
        for (const auto& r : batch) accepted.push_back(r.position);
        return {};
      },
      LogFollower::Options{4, std::chrono::milliseconds(10)});
  REQUIRE(follower.poll());
  CHECK(follower.position() == 4);
  auto failed = follower.poll();
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message == "disk full");
  CHECK(follower.position() == 4);
  REQUIRE(follower.catch_up());  // the failed batch is handed again, then the rest
  CHECK(accepted == range(1, 10));
}

TEST_CASE("on its thread, a handler error stops the follower and is kept in error()") {
  auto store = make_memory_event_store();
  append_n(*store, "s", 3);
  LogFollower follower(*store, 0, [](std::span<const EventRecord>) -> Result<void> {
    return make_error(Errc::internal, "cannot apply");
  });
  follower.start();
  for (int i = 0; i < 200 && !follower.error(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(follower.error());
  CHECK(follower.error()->message == "cannot apply");
  CHECK(follower.position() == 0);
  follower.stop();
}

TEST_CASE("with retry_after_error, a failed batch is handed again until it passes") {
  auto store = make_memory_event_store();
  append_n(*store, "s", 3);
  std::atomic<int> calls{0};
  std::atomic<std::uint64_t> last{0};
  LogFollower follower(
      *store, 0,
      [&](std::span<const EventRecord> batch) -> Result<void> {
        if (++calls <= 2) return make_error(Errc::unavailable, "not now");
        last = batch.back().position;
        return {};
      },
      LogFollower::Options{.retry_after_error = std::chrono::milliseconds(10), .name = "retrying"});
  follower.start();
  REQUIRE(test::eventually([&] { return follower.position() == 3; }));
  follower.stop();
  CHECK(calls == 3);
  CHECK(last == 3);
  CHECK_FALSE(follower.error());
}

TEST_CASE("stop cuts a retry wait short") {
  auto store = make_memory_event_store();
  append_n(*store, "s", 1);
  LogFollower follower(
      *store, 0, [](std::span<const EventRecord>) -> Result<void> { return make_error(Errc::unavailable, "never"); },
      LogFollower::Options{.retry_after_error = std::chrono::hours(1)});
  follower.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto before = std::chrono::steady_clock::now();
  follower.stop();
  CHECK(std::chrono::steady_clock::now() - before < std::chrono::seconds(5));
  CHECK(follower.position() == 0);
}

TEST_CASE("seek restarts after the given position; a new follower at a checkpoint continues exactly") {
  auto store = make_memory_event_store();
  append_n(*store, "s", 12);
  Recorder first;
  LogFollower a(*store, 0, first.handler(), LogFollower::Options{100, std::chrono::milliseconds(10)});
  REQUIRE(a.catch_up());
  a.seek(9);
  append_n(*store, "t", 2);
  REQUIRE(a.catch_up());
  CHECK(first.positions == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 10, 11, 12, 13, 14});

  Recorder second;  // "restarted" at checkpoint 12
  LogFollower b(*store, 12, second.handler());
  REQUIRE(b.catch_up());
  CHECK(second.positions == std::vector<std::uint64_t>{13, 14});
}

TEST_CASE("live on its thread, then stop: the batch in hand completes, nothing after stop") {
  auto store = make_memory_event_store();
  Recorder rec;
  LogFollower follower(*store, 0, rec.handler(), LogFollower::Options{1000, std::chrono::milliseconds(20)});
  follower.start();
  append_n(*store, "s", 50);
  for (int i = 0; i < 400 && follower.position() < 50; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  follower.stop();
  CHECK(follower.position() == 50);
  append_n(*store, "s2", 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  std::lock_guard lock(rec.mu);
  CHECK(rec.positions == range(1, 50));
}
