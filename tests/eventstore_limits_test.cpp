// The event store's limits (EventStoreLimits, docs/event-log.md "Limits"), each driven to
// its bound and one past it: at the bound the append is stored, past it the documented error
// comes back and nothing is written. The defaults are the documented numbers; the queue and
// batch bounds are driven with small configured values.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "eventstore/event_store.h"
#include "eventstore/memory_event_store.h"
#include "tests/test_support.h"

using namespace ticketd;
using ticketd::test::make_event;
using ticketd::test::TempDir;

namespace {

struct OnRocksDb {
  static std::unique_ptr<EventStore> open(const TempDir& dir, const EventStoreOptions& options = {}) {
    auto store = open_rocksdb_event_store(dir.sub("events"), options);
    REQUIRE(store.has_value());
    return std::move(*store);
  }
};
struct InMemory {
  static std::unique_ptr<EventStore> open(const TempDir&, const EventStoreOptions& = {}) {
    return make_memory_event_store();
  }
};

// `count` events with distinct ids.
std::vector<NewEvent> events(std::size_t count) {
  std::vector<NewEvent> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(make_event("e-" + std::to_string(i)));
  return out;
}

// An event whose data is a JSON object of exactly `bytes` bytes.
NewEvent event_with_data_bytes(std::string id, std::size_t bytes) {
  const std::string frame = R"({"a":""})";
  return make_event(std::move(id), "ticket.commented", R"({"a":")" + std::string(bytes - frame.size(), 'x') + R"("})");
}

// Expects `r` refused with `code` and the log unchanged at `head`.
void expect_refused(EventStore& store, const Result<AppendOk>& r, Errc code, std::uint64_t head) {
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == code);
  CHECK(store.head().position == head);
}

}  // namespace

TEST_CASE("the event store's default limits are the documented numbers") {
  const EventStoreLimits limits;
  CHECK(limits.max_events_per_append == 1000);
  CHECK(limits.max_event_data_bytes == 1024 * 1024);
  CHECK(limits.max_stream_id_bytes == 128);
  CHECK(limits.max_field_bytes == 256);
  CHECK(limits.max_queued_events == 262144);
  CHECK(limits.max_batch_events == 8192);
}

TEST_CASE_TEMPLATE("each append limit: the bound is stored, one past it is refused and writes nothing", Kind, OnRocksDb,
                   InMemory) {
  TempDir dir;
  auto store = Kind::open(dir);
  std::uint64_t head = 0;
  auto stored = [&](const Result<AppendOk>& r, std::uint64_t added) {
    REQUIRE_MESSAGE(r.has_value(), r.error().message);
    head += added;
    CHECK(store->head().position == head);
  };

  SUBCASE("1000 events per append") {
    stored(store->append("s", ExpectedVersion::any(), events(1000)), 1000);
    expect_refused(*store, store->append("t", ExpectedVersion::any(), events(1001)), Errc::validation, head);
    CHECK(store->stream_version("t").value() == 0);
  }
  SUBCASE("1 MiB of data per event") {
    stored(store->append("s", ExpectedVersion::any(), {event_with_data_bytes("a", 1024 * 1024)}), 1);
    auto records = store->read_stream("s", 1, 1);
    REQUIRE(records.has_value());
    REQUIRE(records->size() == 1);
    CHECK(records->front().data.size() == 1024 * 1024);
    expect_refused(*store, store->append("s", ExpectedVersion::any(), {event_with_data_bytes("b", 1024 * 1024 + 1)}),
                   Errc::too_large, head);
  }
  SUBCASE("128-byte stream ids") {
    stored(store->append(std::string(128, 's'), ExpectedVersion::any(), {make_event("a")}), 1);
    expect_refused(*store, store->append(std::string(129, 's'), ExpectedVersion::any(), {make_event("a")}),
                   Errc::validation, head);
  }
  SUBCASE("256-byte ids and actor fields") {
    const std::string at_bound(256, 'f');
    const std::string past(257, 'f');
    NewEvent full = make_event(at_bound, at_bound);
    full.actor = Actor{at_bound, at_bound, at_bound};
    full.correlation_id = at_bound;
    full.causation_id = at_bound;
    stored(store->append("s", ExpectedVersion::any(), {full}), 1);
    // One field past the bound at a time; every other field stays valid.
    std::vector<std::function<void(NewEvent&)>> one_too_long{
        [&](NewEvent& e) { e.event_id = past; },     [&](NewEvent& e) { e.type = past; },
        [&](NewEvent& e) { e.actor.sub = past; },    [&](NewEvent& e) { e.actor.role = past; },
        [&](NewEvent& e) { e.actor.tenant = past; }, [&](NewEvent& e) { e.correlation_id = past; },
        [&](NewEvent& e) { e.causation_id = past; },
    };
    for (std::size_t i = 0; i < one_too_long.size(); ++i) {
      CAPTURE(i);
      NewEvent e = make_event("b-" + std::to_string(i));
      one_too_long[i](e);
      expect_refused(*store, store->append("s", ExpectedVersion::any(), {e}), Errc::validation, head);
    }
  }
}

TEST_CASE("queued events: an append that would take the queue past max_queued_events is refused as unavailable") {
  TempDir dir;
  EventStoreOptions options;
  options.limits.max_queued_events = 3;
  auto store = OnRocksDb::open(dir, options);
  // The queue is empty between these blocking appends: 3 events fit, 4 never can.
  REQUIRE(store->append("s", ExpectedVersion::any(), events(3)));
  CHECK(store->head().position == 3);
  auto refused = store->append("t", ExpectedVersion::any(), events(4));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::unavailable);
  CHECK(refused.error().message.find("max_queued_events") != std::string::npos);
  CHECK(store->head().position == 3);
  CHECK_FALSE(store->stats().failed);  // a full queue is back-pressure, not a failure
  REQUIRE(store->append("t", ExpectedVersion::any(), events(3)));
  CHECK(store->head().position == 6);
}

TEST_CASE("write batches hold at most max_batch_events events") {
  TempDir dir;
  EventStoreOptions options;
  options.limits.max_batch_events = 2;
  auto store = OnRocksDb::open(dir, options);
  constexpr int kAppends = 40;
  std::atomic<int> acknowledged{0};
  std::atomic<int> refused{0};
  std::mutex done_mu;
  std::condition_variable done_cv;
  for (int i = 0; i < kAppends; ++i) {
    AppendRequest request;
    request.stream = "s-" + std::to_string(i);
    request.expected = ExpectedVersion::no_stream();
    request.events = {make_event("a")};
    store->append_async(std::move(request), [&](Result<AppendOk> r) {
      if (!r) refused.fetch_add(1);
      {
        std::lock_guard lock(done_mu);
        acknowledged.fetch_add(1);
      }
      done_cv.notify_one();
    });
  }
  {
    std::unique_lock lock(done_mu);
    done_cv.wait(lock, [&] { return acknowledged.load() == kAppends; });
  }
  CHECK(refused == 0);
  const auto stats = store->stats();
  CHECK(stats.events == kAppends);
  // Appends queued from one thread faster than the sequencer takes them; whatever backlog it
  // found, every batch held at most two events, so at least kAppends / 2 writes were needed.
  CHECK(stats.write_batches >= kAppends / 2);
  MESSAGE(stats.write_batches, " write batches for ", kAppends, " one-event appends");
}
