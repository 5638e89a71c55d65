#include <doctest/doctest.h>
#include <fmt/format.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "eventstore/chain_verifier.h"
#include "eventstore/event_store.h"
#include "tests/test_support.h"

using namespace ticketd;
using ticketd::test::make_event;
using ticketd::test::TempDir;

TEST_CASE("16 threads racing on one stream: exactly one winner per version") {
  TempDir dir;
  auto store = std::move(*open_rocksdb_event_store(dir.sub("events")));
  constexpr int kThreads = 16;
  constexpr std::uint64_t kTargetVersion = 200;
  std::mutex mu;
  std::map<std::uint64_t, int> winners;  // version -> thread
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int attempt = 0;; ++attempt) {
        const std::uint64_t seen = *store->stream_version("race");
        if (seen >= kTargetVersion) return;
        auto r = store->append("race", ExpectedVersion::exact(seen), {make_event(fmt::format("t{}-a{}", t, attempt))});
        if (r) {
          std::lock_guard lock(mu);
          CHECK(r->stream_version == seen + 1);
          CHECK(winners.emplace(r->stream_version, t).second);
        } else {
          CHECK(r.error().code == Errc::wrong_expected_version);
          ++conflicts;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  const std::uint64_t final_version = *store->stream_version("race");
  CHECK(final_version >= kTargetVersion);
  CHECK(winners.size() == final_version);
  CHECK(winners.begin()->first == 1);
  CHECK(winners.rbegin()->first == final_version);
  CHECK(conflicts > 0);  // 16 racers on 2 cores must collide at least once
  auto events = store->read_stream("race", 1, 10000);
  REQUIRE(events->size() == final_version);
  for (std::size_t i = 0; i < events->size(); ++i) CHECK((*events)[i].version == i + 1);
  CHECK(verify_chain(*store)->ok);
}

TEST_CASE("16 threads appending to distinct streams: all land, no gaps") {
  TempDir dir;
  auto store = std::move(*open_rocksdb_event_store(dir.sub("events")));
  constexpr int kThreads = 16;
  constexpr int kPerThread = 300;
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {  // no REQUIRE here: on another thread it terminates
      for (int i = 0; i < kPerThread; ++i) {
        auto r =
            store->append(fmt::format("s{}", t), ExpectedVersion::exact(i), {make_event(fmt::format("{}-{}", t, i))});
        if (!r) {
          ++failed;
          return;
        }
        CHECK(r->stream_version == static_cast<std::uint64_t>(i + 1));
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(failed == 0);
  CHECK(store->head().position == kThreads * kPerThread);
  auto all = store->read_all(0, kThreads * kPerThread + 10);
  REQUIRE(all->size() == kThreads * kPerThread);
  std::map<std::string, std::uint64_t> last_version;
  for (std::size_t i = 0; i < all->size(); ++i) {
    const auto& r = (*all)[i];
    CHECK(r.position == i + 1);
    CHECK(r.version == last_version[r.stream] + 1);
    last_version[r.stream] = r.version;
  }
  CHECK(verify_chain(*store)->ok);
}

TEST_CASE("asynchronous appends share syncs and complete in order") {
  TempDir dir;
  auto store = std::move(*open_rocksdb_event_store(dir.sub("events")));
  constexpr int kAppends = 5000;
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  std::uint64_t last_seen = 0;
  bool ordered = true;
  for (int i = 0; i < kAppends; ++i) {
    store->append_async(AppendRequest{"a", ExpectedVersion::any(), {make_event(std::to_string(i))}},
                        [&](Result<AppendOk> r) {
                          std::lock_guard lock(mu);
                          if (!r || r->first_position <= last_seen) ordered = false;
                          if (r) last_seen = r->first_position;
                          ++done;
                          cv.notify_one();
                        });
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done == kAppends; });
  CHECK(ordered);
  CHECK(store->head().position == kAppends);
}

TEST_CASE("no append is acknowledged before a WAL sync covered it, and concurrent appends share syncs") {
  TempDir dir;
  std::mutex mu;
  std::uint64_t synced = 0;  // the highest position a successful sync covered
  EventStoreOptions options;
  options.before_sync = [&](std::uint64_t position) {
    std::lock_guard lock(mu);
    synced = std::max(synced, position);  // the sync follows at once and succeeds
    return true;
  };
  auto store = std::move(*open_rocksdb_event_store(dir.sub("events"), options));
  constexpr int kThreads = 64, kEach = 40;
  std::atomic<int> early{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = store->append("s" + std::to_string(t), ExpectedVersion::any(), {make_event(std::to_string(i))});
        if (!r) {
          failed.fetch_add(1);
          continue;
        }
        std::lock_guard lock(mu);
        if (r->last_position > synced) early.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failed == 0);
  CHECK(early == 0);  // an acknowledgement without a covering sync would count here
  const auto stats = store->stats();
  CHECK(stats.appends == kThreads * kEach);
  CHECK(stats.syncs < stats.appends);  // group commit: one sync acknowledges many appends
  MESSAGE("syncs ", stats.syncs, " for ", stats.appends, " appends");
}

TEST_CASE("a failed sync refuses its events and every later one, and the reopened log does not hold them") {
  TempDir dir;
  std::atomic<bool> disk_full{false};
  EventStoreOptions options;
  options.before_sync = [&](std::uint64_t) { return !disk_full.load(); };
  {
    auto store = std::move(*open_rocksdb_event_store(dir.sub("events"), options));
    REQUIRE(store->append("t", ExpectedVersion::exact(0), {make_event("kept-1")}));
    REQUIRE(store->append("t", ExpectedVersion::exact(1), {make_event("kept-2")}));
    disk_full = true;
    auto refused = store->append("t", ExpectedVersion::exact(2), {make_event("refused-1")});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Errc::unavailable);
    CHECK(store->stats().failed);
    disk_full = false;  // space is back, but this process acknowledges nothing more
    auto later = store->append("u", ExpectedVersion::any(), {make_event("refused-2")});
    REQUIRE_FALSE(later);
    CHECK(later.error().code == Errc::unavailable);
    CHECK(store->head().position == 2);
  }
  // Reopened (the documented clean restart): the refused events are gone although they
  // reached the WAL, the chain verifies, and appends continue after the last kept one.
  auto store = std::move(*open_rocksdb_event_store(dir.sub("events")));
  CHECK_FALSE(store->stats().failed);
  CHECK(store->head().position == 2);
  CHECK(store->stream_version("t").value() == 2);
  CHECK(store->stream_version("u").value() == 0);
  auto all = store->read_all(0, 100);
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  CHECK(all->back().event_id == "kept-2");
  CHECK(verify_chain(*store).value().ok);
  auto next = store->append("t", ExpectedVersion::exact(2), {make_event("refused-1")});  // the id is free again
  REQUIRE(next);
  CHECK(next->first_position == 3);
  CHECK(store->read_all(0, 100)->back().prev_hash == all->back().hash);
}
