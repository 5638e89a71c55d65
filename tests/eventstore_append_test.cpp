#include <doctest/doctest.h>

#include <thread>

#include "eventstore/chain_verifier.h"
#include "eventstore/event_store.h"
#include "eventstore/memory_event_store.h"
#include "eventstore/record_codec.h"
#include "tests/test_support.h"

using namespace ticketd;
using ticketd::test::make_event;
using ticketd::test::TempDir;

namespace {

std::unique_ptr<EventStore> open_store(const TempDir& dir) {
  auto store = open_rocksdb_event_store(dir.sub("events"));
  REQUIRE(store.has_value());
  return std::move(*store);
}

// The stores a contract test runs on (TEST_CASE_TEMPLATE): RocksDB and the in-memory
// store must behave alike.
struct OnRocksDb {
  static std::unique_ptr<EventStore> open(const TempDir& dir) { return open_store(dir); }
};
struct InMemory {
  static std::unique_ptr<EventStore> open(const TempDir&) { return make_memory_event_store(); }
};

Result<AppendOk> append_one(EventStore& store, const std::string& stream, ExpectedVersion ev, const std::string& id) {
  return store.append(stream, ev, {make_event(id)});
}

}  // namespace

TEST_CASE_TEMPLATE("expected version matrix", Kind, OnRocksDb, InMemory) {
  TempDir dir;
  auto store = Kind::open(dir);
  // stream "s" is at version 2, stream "empty" does not exist.
  REQUIRE(store->append("s", ExpectedVersion::no_stream(), {make_event("a"), make_event("b")}));

  struct Row {
    const char* name;
    const char* stream;
    ExpectedVersion expected;
    bool succeeds;
  };
  const Row rows[] = {
      {"any on existing", "s", ExpectedVersion::any(), true},
      {"any on missing", "empty", ExpectedVersion::any(), true},
      {"no_stream on existing", "s", ExpectedVersion::no_stream(), false},
      {"no_stream on missing", "empty", ExpectedVersion::no_stream(), true},
      {"exists on existing", "s", ExpectedVersion::exists(), true},
      {"exists on missing", "empty", ExpectedVersion::exists(), false},
      {"exact current", "s", ExpectedVersion::exact(2), true},
      {"exact stale", "s", ExpectedVersion::exact(1), false},
      {"exact ahead", "s", ExpectedVersion::exact(3), false},
      {"exact 0 on missing", "empty", ExpectedVersion::exact(0), true},
      {"exact 1 on missing", "empty", ExpectedVersion::exact(1), false},
  };
  int n = 0;
  for (const auto& row : rows) {
    CAPTURE(row.name);
    // Each row runs against a copy of the starting state: a fresh stream name keeps rows apart.
    const std::string stream = std::string(row.stream) == "s" ? "s" + std::to_string(n) : "m" + std::to_string(n);
    if (std::string(row.stream) == "s") {
      REQUIRE(
          store->append(stream, ExpectedVersion::no_stream(), {make_event(stream + "-1"), make_event(stream + "-2")}));
    }
    const auto before = store->head().position;
    auto r = append_one(*store, stream, row.expected, "row-" + std::to_string(n));
    CHECK(r.has_value() == row.succeeds);
    if (r) {
      CHECK(r->first_position == before + 1);
      CHECK(r->stream_version == (std::string(row.stream) == "s" ? 3u : 1u));
      CHECK_FALSE(r->duplicate);
    } else {
      CHECK(r.error().code == Errc::wrong_expected_version);
      REQUIRE(r.error().actual_version.has_value());
      CHECK(*r.error().actual_version == (std::string(row.stream) == "s" ? 2u : 0u));
      CHECK(store->head().position == before);  // nothing written
    }
    ++n;
  }
}

TEST_CASE_TEMPLATE("positions and versions are contiguous and reads return what was appended", Kind, OnRocksDb,
                   InMemory) {
  TempDir dir;
  auto store = Kind::open(dir);
  REQUIRE(store->append("t1", ExpectedVersion::no_stream(), {make_event("e1"), make_event("e2")}));
  REQUIRE(
      store->append("t2", ExpectedVersion::no_stream(), {make_event("e3", "ticket.created", R"({ "x" : [1, 2] })")}));
  REQUIRE(store->append("t1", ExpectedVersion::exact(2), {make_event("e4")}));

  auto all = store->read_all(0, 100);
  REQUIRE(all);
  REQUIRE(all->size() == 4);
  for (std::size_t i = 0; i < all->size(); ++i) CHECK((*all)[i].position == i + 1);
  CHECK((*all)[2].data == R"({"x":[1,2]})");  // stored minified
  CHECK((*all)[0].prev_hash == kGenesisHash);
  CHECK((*all)[1].prev_hash == (*all)[0].hash);

  auto t1 = store->read_stream("t1", 1, 100);
  REQUIRE(t1);
  REQUIRE(t1->size() == 3);
  CHECK((*t1)[0].version == 1);
  CHECK((*t1)[2].version == 3);
  CHECK((*t1)[2].position == 4);
  CHECK((*t1)[2].event_id == "e4");
  CHECK((*t1)[0].actor == Actor{"u-1", "agent", "acme"});

  auto tail = store->read_stream("t1", 2, 1);
  REQUIRE(tail);
  REQUIRE(tail->size() == 1);
  CHECK((*tail)[0].event_id == "e2");
  CHECK(store->read_stream("nope", 1, 10)->empty());
  CHECK(*store->stream_version("t1") == 3);
  CHECK(*store->stream_version("nope") == 0);
  CHECK(store->read_all(2, 1)->front().position == 3);
}

TEST_CASE_TEMPLATE("a retried event id is acknowledged without a second write", Kind, OnRocksDb, InMemory) {
  TempDir dir;
  auto store = Kind::open(dir);
  auto first = store->append("t", ExpectedVersion::no_stream(), {make_event("x"), make_event("y")});
  REQUIRE(first);
  // The same retry, even with the now-stale expected version, is acknowledged.
  auto retry = store->append("t", ExpectedVersion::no_stream(), {make_event("x"), make_event("y")});
  REQUIRE(retry);
  CHECK(retry->duplicate);
  CHECK(retry->first_position == first->first_position);
  CHECK(retry->last_position == first->last_position);
  CHECK(retry->stream_version == 2);
  CHECK(store->head().position == 2);

  SUBCASE("partly repeated ids are a conflict") {
    auto mixed = store->append("t", ExpectedVersion::any(), {make_event("y"), make_event("z")});
    REQUIRE_FALSE(mixed);
    CHECK(mixed.error().code == Errc::conflict);
    CHECK(store->head().position == 2);
  }
  SUBCASE("the same id in another stream is a different event") {
    auto other = store->append("u", ExpectedVersion::any(), {make_event("x")});
    REQUIRE(other);
    CHECK_FALSE(other->duplicate);
    CHECK(other->first_position == 3);
  }
  SUBCASE("retries within one batch of concurrent appends land once") {
    std::vector<std::thread> threads;
    std::atomic<int> duplicates{0}, failed{0};
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&] {  // no REQUIRE here: on another thread it terminates
        auto r = store->append("w", ExpectedVersion::any(), {make_event("same")});
        if (!r) ++failed;
        if (r && r->duplicate) ++duplicates;
      });
    }
    for (auto& t : threads) t.join();
    CHECK(failed == 0);
    CHECK(duplicates == 7);
    CHECK(*store->stream_version("w") == 1);
  }
}

TEST_CASE_TEMPLATE("bad appends are refused with a validation error and write nothing", Kind, OnRocksDb, InMemory) {
  TempDir dir;
  auto store = Kind::open(dir);
  auto expect_invalid = [&](std::string stream, std::vector<NewEvent> events, Errc code) {
    auto r = store->append(std::move(stream), ExpectedVersion::any(), std::move(events));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == code);
    CHECK(store->head().position == 0);
  };
  expect_invalid("", {make_event("a")}, Errc::validation);
  expect_invalid(std::string("a\0b", 3), {make_event("a")}, Errc::validation);
  expect_invalid(std::string(200, 's'), {make_event("a")}, Errc::validation);
  expect_invalid("s", {}, Errc::validation);
  expect_invalid("s", {make_event("")}, Errc::validation);
  expect_invalid("s", {make_event("a"), make_event("a")}, Errc::validation);
  expect_invalid("s", {make_event("a", "t", "[1,2]")}, Errc::validation);
  expect_invalid("s", {make_event("a", "t", "{\"a\":")}, Errc::validation);
  expect_invalid("s", {make_event("a", "t", "{\"a\":\"\xff\"}")}, Errc::validation);
  expect_invalid("s", {make_event("a", "t", "{\"a\":\"" + std::string(2 << 20, 'x') + "\"}")}, Errc::too_large);
  // A valid append after the refusals starts at position 1.
  auto ok = store->append("s", ExpectedVersion::any(), {make_event("a")});
  REQUIRE(ok);
  CHECK(ok->first_position == 1);
}

TEST_CASE("the log survives reopening and continues the chain") {
  TempDir dir;
  LogHead head_before;
  {
    auto store = open_store(dir);
    REQUIRE(store->append("t", ExpectedVersion::no_stream(), {make_event("a"), make_event("b")}));
    head_before = store->head();
  }
  auto store = open_store(dir);
  CHECK(store->head().position == head_before.position);
  CHECK(store->head().hash == head_before.hash);
  auto r = store->append("t", ExpectedVersion::exact(2), {make_event("c")});
  REQUIRE(r);
  CHECK(r->first_position == 3);
  auto dup = store->append("t", ExpectedVersion::any(), {make_event("a")});
  REQUIRE(dup);
  CHECK(dup->duplicate);
  auto report = verify_chain(*store);
  REQUIRE(report);
  CHECK(report->ok);
  CHECK(report->checked == 3);
  CHECK(report->head.hash == store->head().hash);
}

TEST_CASE_TEMPLATE("snapshots keep the newest state per stream", Kind, OnRocksDb, InMemory) {
  TempDir dir;
  auto store = Kind::open(dir);
  CHECK_FALSE(store->load_snapshot("t")->has_value());
  REQUIRE(store->save_snapshot("t", Snapshot{5, "state-at-5"}));
  REQUIRE(store->save_snapshot("t", Snapshot{9, std::string("bin\0ary", 7)}));
  auto s = store->load_snapshot("t");
  REQUIRE(s);
  REQUIRE(s->has_value());
  CHECK((*s)->version == 9);
  CHECK((*s)->state == std::string("bin\0ary", 7));
  CHECK_FALSE(store->load_snapshot("other")->has_value());
}

TEST_CASE("a read-only open sees the log and refuses appends") {
  TempDir dir;
  auto writer = open_store(dir);
  REQUIRE(writer->append("t", ExpectedVersion::any(), {make_event("a")}));
  EventStoreOptions ro;
  ro.read_only = true;
  auto reader = open_rocksdb_event_store(dir.sub("events"), ro);
  REQUIRE(reader);
  CHECK((*reader)->head().position == 1);
  CHECK((*reader)->read_all(0, 10)->size() == 1);
  auto r = (*reader)->append("t", ExpectedVersion::any(), {make_event("b")});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::unavailable);
}

TEST_CASE("opening a missing store read-only is not_found") {
  TempDir dir;
  EventStoreOptions ro;
  ro.read_only = true;
  auto reader = open_rocksdb_event_store(dir.sub("nothing"), ro);
  REQUIRE_FALSE(reader);
}

TEST_CASE("the record codec round-trips and the canonical bytes are the stored form's prefix") {
  EventRecord r;
  r.position = 7;
  r.stream = "t\"1";
  r.version = 2;
  r.event_id = "id";
  r.type = "ticket.created";
  r.time = *parse_rfc3339("2026-11-22T04:55:28.123456Z");
  r.actor = {"sub\n", "agent", "acme"};
  r.data = R"({"prev_hash":"x","n":1.50})";
  r.prev_hash = std::string(kGenesisHash);
  const std::string canonical = canonical_bytes(r);
  r.hash = chain_hash(r.prev_hash, canonical);
  const std::string stored = stored_form(canonical, r);
  CHECK(stored.size() == canonical.size() - 1 + kHashTailBytes);
  CHECK(*canonical_of_stored(stored) == canonical);
  auto back = decode_record(stored);
  REQUIRE(back);
  CHECK(*back == r);
  CHECK(format_rfc3339(back->time) == "2026-11-22T04:55:28.123456Z");
}
