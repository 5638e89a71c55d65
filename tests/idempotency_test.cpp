// Idempotency semantics against a real RocksDB store: key namespaces that cannot collide,
// a key reused after 24 h is a new request (new event ids), a retry whose record was lost
// is answered from the log (a create: the same ticket), another body is 422, and the
// record table is purged past its TTL and kept within its bound.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <set>
#include <thread>

#include "tests/engine_fixture.h"

using namespace ticketd;
using namespace ticketd::test;
using namespace std::chrono_literals;

namespace {

CommandRequest keyed(const Principal& who, std::string key, std::string fingerprint) {
  CommandRequest r = as(who);
  r.idempotency_key = std::move(key);
  r.fingerprint = std::move(fingerprint);
  return r;
}

std::vector<EventStore::MetaEntry> records(const EventStore& store) {
  auto all = store.scan_meta("idem/", "", 100'000);
  REQUIRE(all);
  return *all;
}

// What a crash between the append and the record leaves behind: the events, no record.
void lose_records(EventStore& store) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : records(store)) keys.push_back(k);
  REQUIRE(store.delete_meta(keys));
  REQUIRE(records(store).empty());
}

AddComment comment(std::string body) { return AddComment{"", std::move(body), Visibility::public_, {}, {}}; }

std::vector<std::string> event_ids(const EventStore& store, const std::string& stream) {
  auto events = store.read_stream(stream, 1, 1000);
  REQUIRE(events);
  std::vector<std::string> ids;
  for (const auto& e : *events) ids.push_back(e.event_id);
  return ids;
}

}  // namespace

TEST_CASE("key namespaces: triples that join to the same string never share a record or event ids") {
  // Joined with '/', both are "acme/c1/x/y": the old encoding gave them one record.
  const Principal c1{"c1", "acme", Role::customer, "", ""};
  const Principal c1x{"c1/x", "acme", Role::customer, "", ""};
  auto a = IdempotencyStore::key_of(c1, "x/y", "");
  auto b = IdempotencyStore::key_of(c1x, "y", "");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->ns != b->ns);
  CHECK(keyed_event_id(*a, 1, 0) != keyed_event_id(*b, 1, 0));
  // Tenant against sub, and a bulk item against the key ("k/a" + "b" and "k" + "a/b").
  CHECK(IdempotencyStore::key_of({"b/c", "a", Role::agent, "", ""}, "k", "")->ns !=
        IdempotencyStore::key_of({"c", "a/b", Role::agent, "", ""}, "k", "")->ns);
  CHECK(IdempotencyStore::key_of(c1, "k/a", "b")->ns != IdempotencyStore::key_of(c1, "k", "a/b")->ns);
  CHECK_FALSE(IdempotencyStore::key_of(c1, "", ""));
  CHECK_FALSE(IdempotencyStore::key_of(c1, std::string(IdempotencyStore::kMaxKeyBytes + 1, 'k'), ""));

  TempDir dir;
  Engine e(dir.sub("events"));
  auto first = e.engine.create(new_ticket(), keyed(c1, "x/y", "body"));
  REQUIRE(first);
  auto second = e.engine.create(new_ticket(), keyed(c1x, "y", "body"));
  REQUIRE(second);
  CHECK_FALSE(second->replayed);
  CHECK(second->ticket->id != first->ticket->id);
  CHECK(second->ticket->requester == "c1/x");
}

TEST_CASE("a key used again after its 24 h is a new request, with new event ids") {
  TempDir dir;
  Engine e(dir.sub("events"));  // starts 08:00 UTC
  auto t = e.engine.create(new_ticket(), as(customer()));
  REQUIRE(t);
  const std::string id = t->ticket->id;
  auto c1 = e.engine.execute(id, comment("hello"), keyed(customer(), "c-1", "hello"));
  REQUIRE(c1);
  CHECK(c1->events_written == 1);

  // 20 h later (the next day, another window): still the same request.
  e.clock.advance(20h);
  auto again = e.engine.execute(id, comment("hello"), keyed(customer(), "c-1", "hello"));
  REQUIRE(again);
  CHECK(again->replayed);
  CHECK(again->ticket->version == c1->ticket->version);
  auto other = e.engine.execute(id, comment("bye"), keyed(customer(), "c-1", "bye"));
  REQUIRE_FALSE(other);
  CHECK(other.error().code == Errc::validation);
  CHECK(other.error().fields.at(0).field == "Idempotency-Key");

  // 25 h after the first use: a new request, written with ids of its own.
  e.clock.advance(5h);
  auto later = e.engine.execute(id, comment("hello"), keyed(customer(), "c-1", "hello"));
  REQUIRE(later);
  CHECK_FALSE(later->replayed);
  CHECK(later->events_written == 1);
  CHECK(later->ticket->comments.size() == 2);
  const auto ids = event_ids(*e.store, id);
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
  // ... and is itself replayed from then on.
  auto repeat = e.engine.execute(id, comment("hello"), keyed(customer(), "c-1", "hello"));
  REQUIRE(repeat);
  CHECK(repeat->replayed);
  CHECK(repeat->ticket->comments.size() == 2);

  // A keyed create after expiry makes a new ticket (not a 409 on the old one).
  auto created = e.engine.create(new_ticket(), keyed(customer(), "new-1", "body"));
  REQUIRE(created);
  e.clock.advance(25h);
  auto recreated = e.engine.create(new_ticket(), keyed(customer(), "new-1", "body"));
  REQUIRE_MESSAGE(recreated, recreated.error().message);
  CHECK_FALSE(recreated->replayed);
  CHECK(recreated->ticket->id != created->ticket->id);
  CHECK(recreated->ticket->number != created->ticket->number);
}

TEST_CASE("a retried create whose record was lost answers the original ticket, across a restart") {
  TempDir dir;
  std::string id, number;
  {
    Engine e(dir.sub("events"));
    auto first = e.engine.create(new_ticket(), keyed(customer(), "create-1", "body"));
    REQUIRE(first);
    CHECK(first->events_written > 0);
    id = first->ticket->id;
    number = first->ticket->number;
    lose_records(*e.store);
  }
  // Restarted 17 h later: 01:00 the next day, another window than the first use's.
  Engine e(dir.sub("events"), {}, Engine::kStart + 17h);
  const auto head = e.store->head().position;
  auto retried = e.engine.create(new_ticket(), keyed(customer(), "create-1", "body"));
  REQUIRE_MESSAGE(retried, retried.error().message);
  CHECK(retried->replayed);
  CHECK(retried->ticket->id == id);
  CHECK(retried->ticket->number == number);
  CHECK(e.store->head().position == head);
  // The log's answer is recorded again: the next retry is answered from the record.
  CHECK(records(*e.store).size() == 1);
  auto again = e.engine.create(new_ticket(), keyed(customer(), "create-1", "body"));
  REQUIRE(again);
  CHECK(again->replayed);
  CHECK(again->ticket->id == id);

  // The same for an assignment (two events) and a status change, whose repeat would
  // otherwise be decided afresh (in_progress to in_progress is a 409).
  e.add_user("a1", Role::agent);
  const auto before = e.store->head().position;
  auto assigned = e.engine.execute(id, AssignTicket{"a1", std::nullopt, false}, keyed(agent(), "assign-1", "a1"));
  REQUIRE_MESSAGE(assigned, assigned.error().message);
  CHECK(assigned->events_written == 2);
  auto started = e.engine.execute(id, ChangeStatus{Status::in_progress, std::nullopt}, keyed(agent(), "start-1", "s"));
  REQUIRE_MESSAGE(started, started.error().message);
  lose_records(*e.store);
  auto assigned_again = e.engine.execute(id, AssignTicket{"a1", std::nullopt, false}, keyed(agent(), "assign-1", "a1"));
  REQUIRE_MESSAGE(assigned_again, assigned_again.error().message);
  CHECK(assigned_again->replayed);
  CHECK(assigned_again->ticket->version == assigned->ticket->version);
  CHECK(assigned_again->ticket->status == Status::open);  // as the assignment left it
  auto started_again =
      e.engine.execute(id, ChangeStatus{Status::in_progress, std::nullopt}, keyed(agent(), "start-1", "s"));
  REQUIRE_MESSAGE(started_again, started_again.error().message);
  CHECK(started_again->replayed);
  CHECK(started_again->ticket->version == started->ticket->version);
  CHECK(e.store->head().position == before + 3);

  // Past 24 h the lost record's key is a new request: a new ticket.
  lose_records(*e.store);
  e.clock.advance(8h);
  auto fresh = e.engine.create(new_ticket(), keyed(customer(), "create-1", "body"));
  REQUIRE(fresh);
  CHECK_FALSE(fresh->replayed);
  CHECK(fresh->ticket->id != id);
}

TEST_CASE("idempotency records are deleted past their TTL, amortised on write and on the scheduler's beat") {
  TempDir dir;
  auto store = open_rocksdb_event_store(dir.sub("events"));
  REQUIRE(store);
  IdempotencyStore table(**store, IdempotencyLimits{.max_records = 1000, .purge_batch = 4, .scheduled_batch = 100});
  const Timestamp t0 = Engine::kStart;
  const Principal who = customer();
  std::vector<IdempotencyKey> keys;
  for (int i = 0; i < 10; ++i) {
    keys.push_back(*IdempotencyStore::key_of(who, fmt::format("k-{}", i), ""));
    REQUIRE(table.remember(keys.back(), IdempotencyRecord{"fp", "1 t", t0}, t0));
  }
  CHECK(*table.size() == 10);
  CHECK(table.find(keys[0], t0 + 23h)->has_value());

  const Timestamp later = t0 + 25h;
  CHECK_FALSE(table.find(keys[0], later)->has_value());
  const auto fresh = *IdempotencyStore::key_of(who, "fresh", "");
  REQUIRE(table.remember(fresh, IdempotencyRecord{"fp", "1 t", later}, later));
  CHECK(*table.size() == 11 - 4);  // one write deleted one batch of expired records
  CHECK(*table.purge_due(later) == 6);
  CHECK(*table.size() == 1);
  REQUIRE(records(**store).size() == 1);
  CHECK(table.find(fresh, later)->has_value());

  // Through the engine: keyed commands leave records; past the TTL the scheduler clears them.
  Engine e(dir.sub("engine"));
  for (int i = 0; i < 20; ++i) {
    REQUIRE(e.engine.create(new_ticket(), keyed(customer(), fmt::format("c-{}", i), "body")));
  }
  CHECK(records(*e.store).size() == 20);
  e.clock.advance(25h);
  REQUIRE(e.engine.run_scheduler());
  CHECK(records(*e.store).empty());
}

TEST_CASE("the record table stays within its bound, dropping the oldest window first") {
  TempDir dir;
  auto store = open_rocksdb_event_store(dir.sub("events"));
  REQUIRE(store);
  IdempotencyLimits limits;
  limits.max_records = 5;
  limits.purge_batch = 4;
  IdempotencyStore table(**store, limits);
  const Principal who = customer();
  const Timestamp t0 = Engine::kStart;  // 08:00
  std::vector<IdempotencyKey> old_keys, new_keys;
  for (int i = 0; i < 5; ++i) {
    old_keys.push_back(*IdempotencyStore::key_of(who, fmt::format("old-{}", i), ""));
    REQUIRE(table.remember(old_keys.back(), IdempotencyRecord{"fp", "1 t", t0}, t0));
  }
  const Timestamp t1 = t0 + 17h;  // the next window; the first five are still live
  for (int i = 0; i < 3; ++i) {
    new_keys.push_back(*IdempotencyStore::key_of(who, fmt::format("new-{}", i), ""));
    REQUIRE(table.remember(new_keys.back(), IdempotencyRecord{"fp", "1 t", t1}, t1));
    CHECK(*table.size() == 5);
    CHECK(records(**store).size() == 5);
  }
  for (const auto& k : new_keys) CHECK(table.find(k, t1)->has_value());
  int old_left = 0;
  for (const auto& k : old_keys) old_left += table.find(k, t1)->has_value() ? 1 : 0;
  CHECK(old_left == 2);

  // A new table on the same store counts what is there and keeps the bound.
  IdempotencyStore reopened(**store, limits);
  CHECK(*reopened.size() == 5);
  const auto one_more = *IdempotencyStore::key_of(who, "one-more", "");
  REQUIRE(reopened.remember(one_more, IdempotencyRecord{"fp", "1 t", t1}, t1));
  CHECK(*reopened.size() == 5);
  CHECK(records(**store).size() == 5);
}

TEST_CASE("concurrent requests with one key: one writes, the others answer its outcome") {
  TempDir dir;
  Engine e(dir.sub("events"));
  const auto head = e.store->head().position;
  constexpr int kThreads = 8;
  std::vector<std::optional<Result<CommandOutcome>>> outs(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { outs[i] = e.engine.create(new_ticket(), keyed(customer(), "same", "body")); });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> ids;
  int written = 0;
  for (const auto& out : outs) {
    REQUIRE(out.has_value());
    REQUIRE_MESSAGE(out->has_value(), out->error().message);
    ids.insert((*out)->ticket->id);
    written += (*out)->replayed ? 0 : 1;
  }
  CHECK(ids.size() == 1);
  CHECK(written == 1);
  auto created = e.store->read_all(head, 100);
  REQUIRE(created);
  int tickets = 0;
  for (const auto& r : *created) tickets += r.type == "ticket.created" ? 1 : 0;
  CHECK(tickets == 1);
}
