// Command handling against a real store: replay equality, concurrency, idempotency,
// ticket numbers, If-Match, merge, and the SLA scheduler.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>
#include <random>
#include <set>
#include <thread>

#include "commands/new_event.h"
#include "events/streams.h"
#include "events/ticket_event_codec.h"
#include "events/ticket_snapshot_codec.h"
#include "tests/engine_fixture.h"
#include "tests/error_of.h"

using namespace ticketd;
using namespace ticketd::test;
using namespace std::chrono_literals;

TEST_CASE("create, then the state rebuilt from the log equals the handler's") {
  Engine e(make_memory_event_store());
  auto created = e.engine.create(new_ticket(), as(customer()));
  REQUIRE(created);
  const Ticket& t = *created->ticket;
  CHECK(t.number == "TICK-2026-000001");
  CHECK(t.status == Status::new_);
  CHECK(t.version == 1);
  auto fresh = e.replay.load_fresh(t.id, false);
  REQUIRE(fresh);
  CHECK(*fresh == t);
  auto record = e.store->read_stream(t.id, 1, 1);
  CHECK(record->front().type == "ticket.created");
  CHECK(record->front().actor == Actor{"c1", "customer", "acme"});
}

TEST_CASE("random valid command sequences: log replay equals handler state, with and without snapshots") {
  Engine e(make_memory_event_store(), TicketRepositoryOptions{.snapshot_every = 5});
  e.add_user("a1", Role::agent);
  e.add_user("a2", Role::agent);
  std::mt19937 rng(20261122);
  const std::vector<Principal> people{customer(), agent("a1"), agent("a2"), admin()};
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i)
    ids.push_back(e.engine.create(new_ticket(fmt::format("ticket {}", i)), as(customer()))->ticket->id);
  int accepted = 0;
  int rejected = 0;
  for (int step = 0; step < 600; ++step) {
    e.clock.advance(std::chrono::minutes(rng() % 180));
    const std::string& id = ids[rng() % ids.size()];
    const Principal& who = people[rng() % people.size()];
    TicketCommand command;
    switch (rng() % 9) {
      case 0:
        command = AssignTicket{who.sub, std::nullopt, false};
        break;
      case 1:
        command = AssignTicket{};
        break;
      case 2:
        command = ChangeStatus{Status::in_progress, {}};
        break;
      case 3:
        command = ChangeStatus{Status::waiting_on_customer, {}};
        break;
      case 4:
        command = ChangeStatus{Status::resolved, Resolution{ResolutionCode::resolved, "done"}};
        break;
      case 5:
        command = ChangeStatus{rng() % 2 ? Status::closed : Status::open, {}};
        break;
      case 6:
        command = AddComment{e.ids.next_id(),
                             fmt::format("comment {}", step),
                             rng() % 3 ? Visibility::public_ : Visibility::internal,
                             {},
                             {}};
        break;
      case 7:
        command = UpdateTicket{
            {}, {}, {}, {}, Priority(rng() % 4), {}, std::vector<std::string>{"t" + std::to_string(rng() % 3)}};
        break;
      default:
        command = GiveFeedback{static_cast<int>(rng() % 5) + 1, "ok"};
        break;
    }
    auto out = e.engine.execute(id, command, as(who));
    (out ? accepted : rejected)++;
  }
  CHECK(accepted > 100);
  CHECK(rejected > 50);
  for (const auto& id : ids) {
    CAPTURE(id);
    auto held = e.held(id);
    auto replayed = e.replay.load_fresh(id, false);
    auto from_snapshot = e.replay.load_fresh(id, true);
    REQUIRE(held);
    REQUIRE(replayed);
    REQUIRE(from_snapshot);
    CHECK(**held == *replayed);
    CHECK(*from_snapshot == *replayed);
    CHECK(replayed->version == *e.store->stream_version(id));
    auto snap = e.store->load_snapshot(id);
    CHECK((replayed->version < 5 || (*snap)->version >= 5));  // snapshots were taken and used
  }
}

TEST_CASE("16 threads commenting on one ticket: every comment lands once, versions contiguous") {
  TempDir dir;
  Engine e(dir.sub("events"));
  const std::string id = e.engine.create(new_ticket(), as(customer()))->ticket->id;
  constexpr int kThreads = 16;
  constexpr int kEach = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto out = e.engine.execute(
            id, AddComment{fmt::format("c-{}-{}", t, i), fmt::format("from {} #{}", t, i), Visibility::public_, {}, {}},
            as(agent()));
        if (!out) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  auto events = e.store->read_stream(id, 1, 10000);
  REQUIRE(events->size() == 1 + kThreads * kEach);
  std::set<std::string> comment_ids;
  for (std::size_t i = 0; i < events->size(); ++i) {
    CHECK((*events)[i].version == i + 1);
    if ((*events)[i].type == "ticket.commented") {
      auto ev = decode_ticket_event((*events)[i].type, (*events)[i].data, e.cipher);
      comment_ids.insert(std::get<CommentAdded>(*ev).comment.id);
    }
  }
  CHECK(comment_ids.size() == kThreads * kEach);
  CHECK(e.replay.load_fresh(id, false)->comments.size() == kThreads * kEach);
}

TEST_CASE("idempotency keys: a repeat returns the first result and writes nothing") {
  Engine e(make_memory_event_store());
  CommandRequest keyed = as(customer());
  keyed.idempotency_key = "create-1";
  keyed.fingerprint = "body-a";
  auto first = e.engine.create(new_ticket(), keyed);
  REQUIRE(first);
  const auto head = e.store->head().position;
  auto again = e.engine.create(new_ticket(), keyed);
  REQUIRE(again);
  CHECK(again->replayed);
  CHECK(again->ticket->id == first->ticket->id);
  CHECK(again->ticket->number == first->ticket->number);
  CHECK(e.store->head().position == head);

  keyed.fingerprint = "body-b";
  auto different = e.engine.create(new_ticket("other"), keyed);
  REQUIRE_FALSE(different);
  CHECK(different.error().code == Errc::validation);

  // The first result is returned even after the ticket moved on.
  CommandRequest comment = as(customer());
  comment.idempotency_key = "comment-1";
  comment.fingerprint = "c";
  auto c1 = e.engine.execute(first->ticket->id, AddComment{"x1", "hello", Visibility::public_, {}, {}}, comment);
  REQUIRE(c1);
  REQUIRE(e.engine.execute(first->ticket->id, AddComment{"x2", "more", Visibility::public_, {}, {}}, as(customer())));
  auto c2 = e.engine.execute(first->ticket->id, AddComment{"x1", "hello", Visibility::public_, {}, {}}, comment);
  REQUIRE(c2);
  CHECK(c2->replayed);
  CHECK(c2->ticket->version == c1->ticket->version);
  CHECK(c2->ticket->comments.size() == 1);

  // Keys are per principal: another customer's same key is a new request.
  CommandRequest other = as(customer("c2"));
  other.idempotency_key = "create-1";
  other.fingerprint = "body-a";
  auto theirs = e.engine.create(new_ticket(), other);
  REQUIRE(theirs);
  CHECK_FALSE(theirs->replayed);
  CHECK(theirs->ticket->id != first->ticket->id);

  // After 24 h the key may be used again (the record expired).
  e.clock.advance(25h);
  keyed.fingerprint = "body-c";
  auto later = e.engine.create(new_ticket("later"), keyed);
  CHECK(later.has_value());
}

TEST_CASE("ticket numbers: a per-year sequence, unique, never reused after a restart") {
  TempDir dir;
  std::set<std::string> numbers;
  std::string last;
  for (int run = 0; run < 3; ++run) {
    Engine e(dir.sub("events"));
    for (int i = 0; i < 5; ++i) {
      auto t = e.engine.create(new_ticket(), as(customer()));
      REQUIRE_MESSAGE(t.has_value(), t.error().message);
      CHECK(numbers.insert(t->ticket->number).second);
      CHECK(t->ticket->number > last);  // increasing (six-digit, zero-padded)
      last = t->ticket->number;
    }
  }
  CHECK(*numbers.begin() == "TICK-2026-000001");
  // Each restart forfeits the rest of its block: the third run starts at 201.
  CHECK(numbers.contains("TICK-2026-000201"));
  Engine next_year(dir.sub("events"), {}, *parse_rfc3339("2027-01-01T00:00:01Z"));
  CHECK(next_year.engine.create(new_ticket(), as(customer()))->ticket->number == "TICK-2027-000001");
}

TEST_CASE("a refused create takes no ticket number") {
  Engine e(make_memory_event_store());
  for (int i = 0; i < 50; ++i) {
    auto refused = e.engine.create(new_ticket(""), as(customer()));  // no subject: 422
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Errc::validation);
  }
  CreateTicket for_other = new_ticket();
  for_other.requester = "someone-else";  // a customer may not create for others: 403
  CHECK(error_of(e.engine.create(for_other, as(customer()))).code == Errc::forbidden);
  CHECK(e.store->stream_version(streams::ticket_numbers(2026)).value() == 0);  // nothing reserved
  auto created = e.engine.create(new_ticket(), as(customer()));
  REQUIRE(created);
  CHECK(created->ticket->number == "TICK-2026-000001");
}

TEST_CASE("the number sequence grows past six digits instead of refusing") {
  Engine e(make_memory_event_store());
  // The year's blocks are used up to 999,999 (as a busy year would leave them).
  NewEvent block = event_by(system_principal(""), "2026-999901", "ticket_numbers.reserved", Engine::kStart,
                            R"({"first":999901,"last":999999})");
  REQUIRE(e.store->append(streams::ticket_numbers(2026), ExpectedVersion::exact(0), {block}));
  auto created = e.engine.create(new_ticket(), as(customer()));
  REQUIRE_MESSAGE(created, created.error().message);
  CHECK(created->ticket->number == "TICK-2026-1000000");
  CHECK(e.engine.create(new_ticket(), as(customer())).value().ticket->number == "TICK-2026-1000001");
}

TEST_CASE("If-Match pins the version: a stale one is precondition_failed and writes nothing") {
  Engine e(make_memory_event_store());
  const std::string id = e.engine.create(new_ticket(), as(customer()))->ticket->id;
  CommandRequest pinned = as(agent());
  pinned.if_match = 1;
  REQUIRE(e.engine.execute(id, AddComment{"k1", "first", Visibility::public_, {}, {}}, pinned));
  auto stale = e.engine.execute(id, AddComment{"k2", "second", Visibility::public_, {}, {}}, pinned);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == Errc::precondition_failed);
  CHECK(*e.store->stream_version(id) == 2);
  // Another tenant's principal gets not_found, pinned or not.
  CommandRequest stranger = as(Principal{"x", "globex", Role::agent, "", ""});
  stranger.if_match = 1;
  auto hidden = e.engine.execute(id, AddComment{"k3", "hi", Visibility::public_, {}, {}}, stranger);
  REQUIRE_FALSE(hidden);
  CHECK(hidden.error().code == Errc::not_found);
  CHECK(error_of(e.engine.ticket(id, Principal{"x", "globex", Role::admin, "", ""})).code == Errc::not_found);
  CHECK(error_of(e.engine.ticket(id, customer("c2"))).code == Errc::not_found);
  CHECK(e.engine.ticket(id, customer()).has_value());
}

TEST_CASE("assignment consults the user directory and the tenant tree") {
  Engine e(make_memory_event_store());
  const std::string id = e.engine.create(new_ticket(), as(customer()))->ticket->id;
  auto unknown = e.engine.execute(id, AssignTicket{"a1", std::nullopt, false}, as(agent()));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == Errc::validation);
  e.add_user("a1", Role::agent);
  e.add_user("g-agent", Role::agent, "globex");
  auto other_tenant = e.engine.execute(id, AssignTicket{"g-agent", std::nullopt, false}, as(admin()));
  REQUIRE_FALSE(other_tenant);
  CHECK(other_tenant.error().code == Errc::validation);
  auto ok = e.engine.execute(id, AssignTicket{"a1", std::nullopt, false}, as(agent()));
  REQUIRE(ok);
  CHECK(ok->ticket->status == Status::open);
  // A parent tenant's agent covers a sub-tenant's ticket.
  TenantConfig sub;
  sub.id = "acme-de";
  sub.parent = "acme";
  REQUIRE(e.engine.configure_tenant(sub, Principal{"root", "root", Role::global_admin, "", ""}));
  CreateTicket de = new_ticket();
  de.tenant = "acme-de";
  auto de_ticket = e.engine.create(de, as(Principal{"c9", "acme-de", Role::customer, "", ""}));
  REQUIRE(de_ticket);
  CHECK(e.engine.execute(de_ticket->ticket->id, AssignTicket{"a1", std::nullopt, false}, as(agent())).has_value());
}

TEST_CASE("merge closes the source as duplicate and notes it on the target") {
  Engine e(make_memory_event_store());
  const std::string a = e.engine.create(new_ticket("A"), as(customer()))->ticket->id;
  const std::string b = e.engine.create(new_ticket("B"), as(customer()))->ticket->id;
  auto merged = e.engine.execute(a, MergeTicket{b, "", Status::new_, false}, as(agent()));
  REQUIRE(merged);
  CHECK(merged->ticket->status == Status::closed);
  CHECK(merged->ticket->resolution->code == ResolutionCode::duplicate);
  auto target = e.engine.ticket(b, agent());
  REQUIRE(target);
  CHECK((*target)->links == std::vector<Link>{{"merged_from", a}});
  auto missing = e.engine.execute(b, MergeTicket{"nope", "", Status::new_, false}, as(agent()));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::validation);
}

namespace {

// Counts SLA events per (ticket, type, metric) in the whole log.
std::map<std::string, int> sla_events(const EventStore& store) {
  std::map<std::string, int> counts;
  auto all = store.read_all(0, 1'000'000);
  for (const auto& r : *all) {
    if (r.type == "ticket.sla_warning" || r.type == "ticket.sla_breached") {
      auto ev = decode_ticket_event(r.type, r.data, shared_test_cipher());
      const SlaMetric m =
          r.type == "ticket.sla_warning" ? std::get<SlaWarning>(*ev).metric : std::get<SlaBreached>(*ev).metric;
      counts[fmt::format("{} {} {}", r.stream, r.type, name_of(m))]++;
    }
  }
  return counts;
}

}  // namespace

TEST_CASE("scheduler: warning then breach, exactly once, across a restart") {
  TempDir dir;
  std::string id;
  const Timestamp start = *parse_rfc3339("2026-11-20T08:00:00Z");
  {
    Engine e(dir.sub("events"), {}, start);
    id = e.engine.create(new_ticket("urgent", Priority::urgent), as(customer()))->ticket->id;  // 1 h / 4 h
    ActiveTickets active(*e.store, e.cipher);
    REQUIRE(active.catch_up());
    CHECK(active.ids() == std::vector<std::string>{id});
    e.clock.set(start + 47min);
    CHECK(e.engine.run_scheduler()->warnings == 0);
    e.clock.set(start + 48min);  // 80 % of 1 h
    auto report = e.engine.run_scheduler();
    CHECK(report->warnings == 1);
    CHECK(e.engine.run_scheduler()->warnings == 0);  // not twice
  }
  {
    Engine e(dir.sub("events"), {}, start + 61min);  // restarted between warning and breach
    auto report = e.engine.run_scheduler();
    CHECK(report->warnings == 0);
    CHECK(report->breaches == 1);
    auto t = e.replay.load_fresh(id, false);
    CHECK(t->first_response.warned);
    CHECK(t->first_response.breached);
    auto events = e.store->read_stream(id, 1, 100);
    auto breach = decode_ticket_event("ticket.sla_breached", events->back().data, e.cipher);
    CHECK(std::get<SlaBreached>(*breach).due == start + 60min);  // the exact breach instant
  }
  Engine e(dir.sub("events"), {}, start + 10h);
  REQUIRE(e.engine.run_scheduler());
  const auto counts = sla_events(*e.store);
  for (const auto& [key, n] : counts) CHECK_MESSAGE(n == 1, key);
  CHECK(counts.size() == 4);  // first response and resolution, each warned and breached once
}

TEST_CASE("two schedulers at once record nothing twice and miss nothing") {
  const Timestamp start = *parse_rfc3339("2026-11-20T08:00:00Z");
  Engine a(make_memory_event_store(), {}, start);
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i)
    ids.push_back(a.engine.create(new_ticket("t", Priority::urgent), as(customer()))->ticket->id);
  // A second engine on the same store: its own caches, handler and scheduler.
  SequentialIds ids_b("b");
  CommandEngine b(*a.store, a.clock, ids_b, a.cipher);
  for (std::chrono::minutes step : {50min, 70min, 300min}) {
    a.clock.set(start + step);
    // The results are checked here, on the test's thread (a REQUIRE on another thread
    // would terminate the run instead of reporting).
    decltype(b.run_scheduler()) ra, rb;
    std::thread t1([&] { ra = a.engine.run_scheduler(); });
    std::thread t2([&] { rb = b.run_scheduler(); });
    t1.join();
    t2.join();
    REQUIRE_MESSAGE(ra, ra.error().message);
    REQUIRE_MESSAGE(rb, rb.error().message);
  }
  const auto counts = sla_events(*a.store);
  CHECK(counts.size() == ids.size() * 4);
  for (const auto& [key, n] : counts) CHECK_MESSAGE(n == 1, key);
}

TEST_CASE("auto-close of resolved tickets after the delay, once") {
  const Timestamp start = *parse_rfc3339("2026-11-20T08:00:00Z");
  Engine e(make_memory_event_store(), {}, start);
  e.add_user("a1", Role::agent);
  const std::string id = e.engine.create(new_ticket(), as(customer()))->ticket->id;
  REQUIRE(e.engine.execute(id, AssignTicket{"a1", std::nullopt, false}, as(agent())));
  REQUIRE(e.engine.execute(id, ChangeStatus{Status::in_progress, {}}, as(agent())));
  REQUIRE(
      e.engine.execute(id, ChangeStatus{Status::resolved, Resolution{ResolutionCode::resolved, "ok"}}, as(agent())));
  e.clock.set(start + 47h);
  CHECK(e.engine.run_scheduler()->auto_closed == 0);
  e.clock.set(start + 49h);
  CHECK(e.engine.run_scheduler()->auto_closed == 1);
  CHECK(e.engine.run_scheduler()->auto_closed == 0);
  CHECK(e.replay.load_fresh(id, false)->status == Status::closed);
}

TEST_CASE("a customer's reply to a resolution reopens the ticket, so it is not auto-closed") {
  const Timestamp start = *parse_rfc3339("2026-11-20T08:00:00Z");
  Engine e(make_memory_event_store(), {}, start);
  e.add_user("a1", Role::agent);
  const std::string id = e.engine.create(new_ticket(), as(customer()))->ticket->id;
  REQUIRE(e.engine.execute(id, AssignTicket{"a1", std::nullopt, false}, as(agent())));
  REQUIRE(e.engine.execute(id, ChangeStatus{Status::in_progress, {}}, as(agent())));
  REQUIRE(
      e.engine.execute(id, ChangeStatus{Status::resolved, Resolution{ResolutionCode::resolved, "ok"}}, as(agent())));
  // Staff notes on the resolved ticket change nothing.
  REQUIRE(e.engine.execute(id, AddComment{"n1", "closing soon", Visibility::public_, {}, {}}, as(agent())));
  CHECK(e.held(id).value()->status == Status::resolved);
  e.clock.set(start + 10h);
  auto replied = e.engine.execute(id, AddComment{"r1", "Still broken.", Visibility::public_, {}, {}}, as(customer()));
  REQUIRE(replied);
  CHECK(replied->ticket->status == Status::open);  // assigned: back to open
  CHECK_FALSE(replied->ticket->resolution.has_value());
  CHECK(replied->events_written == 2);  // the comment, then the reopen
  e.clock.set(start + 100h);
  CHECK(e.engine.run_scheduler()->auto_closed == 0);
  CHECK(e.replay.load_fresh(id, false)->status == Status::open);
}

TEST_CASE("mentions must name known users in the ticket's scope") {
  Engine e(make_memory_event_store());
  e.add_user("a1", Role::agent);
  e.add_user("g1", Role::agent, "globex");
  const std::string id = e.engine.create(new_ticket(), as(customer()))->ticket->id;
  auto unknown =
      e.engine.execute(id, AddComment{"m1", "@nobody look", Visibility::public_, {}, {"nobody"}}, as(agent()));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == Errc::validation);
  auto foreign = e.engine.execute(id, AddComment{"m2", "@g1 look", Visibility::public_, {}, {"g1"}}, as(agent()));
  REQUIRE_FALSE(foreign);
  CHECK(foreign.error().code == Errc::validation);
  auto ok = e.engine.execute(id, AddComment{"m3", "@a1 look", Visibility::internal, {}, {"a1"}}, as(agent()));
  REQUIRE(ok);
  CHECK(ok->ticket->comments.back().mentions == std::vector<std::string>{"a1"});
}

TEST_CASE("codecs refuse records that do not match their schema, without crashing") {
  FieldCipher& c = shared_test_cipher();
  CHECK(error_of(decode_ticket_event("ticket.commented", R"({"body":"hello"})", c)).code == Errc::internal);
  CHECK(error_of(decode_ticket_event("ticket.created", R"({"id":"x","tags":"not-a-list"})", c)).code == Errc::internal);
  CHECK(error_of(decode_ticket_event("ticket.status_changed", R"({"from":"new","to":"limbo","reason":"x"})", c)).code ==
        Errc::internal);
  CHECK(error_of(decode_ticket_event("ticket.unheard_of", "{}", c)).code == Errc::internal);
  CHECK(error_of(decode_ticket_event("ticket.merged", "[1]", c)).code == Errc::internal);
  CHECK(error_of(decode_ticket_snapshot("{}", c)).code == Errc::internal);
  CHECK(error_of(decode_ticket_snapshot(R"({"format":1,"comments":7})", c)).code == Errc::internal);
  // And a record that does match round-trips.
  const TicketEvent e =
      StatusChanged{Status::resolved, Status::closed, "confirm", Resolution{ResolutionCode::resolved, "ok"}};
  auto encoded = encode_ticket_event(e, "c1", c);
  REQUIRE(encoded);
  CHECK(encoded->find("\"ok\"") == std::string::npos);  // the resolution text is sealed
  auto back = decode_ticket_event("ticket.status_changed", *encoded, c);
  REQUIRE(back);
  CHECK(std::get<StatusChanged>(*back).resolution->text == "ok");
}
