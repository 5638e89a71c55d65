// Read models: incremental equals rebuild, crash mid-batch equals rebuild, visibility in
// search and lists, pagination, and report arithmetic on a fixed history.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>

#include <random>
#include <set>

#include "privacy/subject_key_store.h"
#include "projections/projection_runner.h"
#include "projections/ticket_queries.h"
#include "projections/tickets_projection.h"
#include "tests/engine_fixture.h"
#include "tests/error_of.h"
#include "tests/process_support.h"
#include "tests/read_model_dump.h"

using namespace ticketd;
using namespace ticketd::test;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<ProjectionRunner> runner_for(const EventStore& store, const std::string& db,
                                             FieldCipher& cipher = shared_test_cipher()) {
  std::vector<std::unique_ptr<Projection>> projections;
  projections.push_back(std::make_unique<TicketsProjection>(cipher, store));
  return std::make_unique<ProjectionRunner>(store, db, std::move(projections));
}

// A varied history: tenants, users, tickets, comments, attachments, status changes.
void write_history(Engine& e, int tickets, int steps, unsigned seed) {
  TenantConfig acme;
  acme.id = "acme";
  acme.queues = {"general", "network"};
  REQUIRE(e.engine.configure_tenant(acme, Principal{"root", "root", Role::global_admin, "", ""}));
  e.add_user("a1", Role::agent);
  e.add_user("a2", Role::agent);
  std::mt19937 rng(seed);
  std::vector<std::string> ids;
  for (int i = 0; i < tickets; ++i) {
    CreateTicket c = new_ticket(fmt::format("printer {} jammed", i), Priority(rng() % 4));
    c.tags = {"hw", i % 2 ? "floor-2" : "floor-3"};
    c.queue = i % 3 ? "general" : "network";
    ids.push_back(e.engine.create(c, as(customer(i % 2 ? "c1" : "c2")))->ticket->id);
  }
  const std::vector<Principal> people{customer("c1"), customer("c2"), agent("a1"), agent("a2"), admin()};
  for (int step = 0; step < steps; ++step) {
    e.clock.advance(std::chrono::minutes(rng() % 90));
    const std::string& id = ids[rng() % ids.size()];
    const Principal& who = people[rng() % people.size()];
    TicketCommand command;
    switch (rng() % 8) {
      case 0:
        command = AssignTicket{who.sub, std::nullopt, false};
        break;
      case 1:
        command = ChangeStatus{Status::in_progress, {}};
        break;
      case 2:
        command = ChangeStatus{Status::resolved, Resolution{ResolutionCode::resolved, "fixed"}};
        break;
      case 3:
        command = ChangeStatus{Status::waiting_on_customer, {}};
        break;
      case 4:
        command = AddComment{e.ids.next_id(),
                             fmt::format("note {} toner", step),
                             rng() % 2 ? Visibility::public_ : Visibility::internal,
                             {},
                             {}};
        break;
      case 5: {
        AttachmentMeta a{e.ids.next_id(),
                         "log.txt",
                         "text/plain",
                         42,
                         std::string(64, 'a'),
                         "",
                         rng() % 2 ? Visibility::public_ : Visibility::internal,
                         "clean",
                         ""};
        command = AddAttachment{a};
        break;
      }
      case 6:
        command = UpdateTicket{fmt::format("printer {} still jammed", step), {}, {}, {}, {}, {},
                               std::vector<std::string>{"hw", "urgent-fix"}};
        break;
      default:
        command = GiveFeedback{static_cast<int>(rng() % 5) + 1, ""};
        break;
    }
    (void)e.engine.execute(id, command, as(who));
  }
}

}  // namespace

TEST_CASE("incremental projection and a full rebuild give identical tables") {
  TempDir dir;
  Engine e(dir.sub("events"));
  auto incremental = runner_for(*e.store, dir.sub("incremental.sqlite"));
  for (int round = 0; round < 4; ++round) {
    write_history(e, 5, 60, 7 + round);
    REQUIRE(incremental->catch_up());
    CHECK(incremental->lag() == 0);
  }
  auto rebuilt = runner_for(*e.store, dir.sub("rebuilt.sqlite"));
  REQUIRE(rebuilt->catch_up());
  const auto a = dump_read_model(dir.sub("incremental.sqlite"));
  const auto b = dump_read_model(dir.sub("rebuilt.sqlite"));
  CHECK(a.size() > 50);
  // Every table of sqlite_master is compared, and every one of them holds rows here.
  const auto tables = read_model_table_names(dir.sub("incremental.sqlite"));
  CHECK(tables.contains("users"));
  CHECK(tables.contains("tickets_fts"));
  CHECK(tables_with_rows(a) == tables);
  CHECK(a == b);

  // Resetting a projection in place rebuilds the same tables.
  REQUIRE(incremental->reset("tickets"));
  CHECK(incremental->checkpoint() == 0);
  REQUIRE(incremental->catch_up());
  CHECK(dump_read_model(dir.sub("incremental.sqlite")) == b);
  CHECK(error_of(incremental->reset("nope")).code == Errc::not_found);
}

TEST_CASE("a read model built with another schema version is dropped and rebuilt from the log") {
  TempDir dir;
  Engine e(dir.sub("events"));
  write_history(e, 3, 20, 11);
  const std::string db_path = dir.sub("rm.sqlite");
  {
    auto runner = runner_for(*e.store, db_path);
    REQUIRE(runner->catch_up());
  }
  const auto built = dump_read_model(db_path);
  {
    // As an older ticketd left it: another version, a table of that version, a stale row.
    sql::Database db(db_path);
    db.exec("UPDATE projection_versions SET version = 1 WHERE name = 'tickets'");
    db.exec("CREATE TABLE comments (seq INTEGER, body TEXT)");
    db.exec("UPDATE tickets SET subject = 'stale' WHERE seq = 1");
  }
  auto runner = runner_for(*e.store, db_path);
  CHECK(runner->checkpoint() == 0);
  REQUIRE(runner->catch_up());
  CHECK(runner->lag() == 0);
  CHECK(dump_read_model(db_path) == built);
  sql::Database db(db_path, true);
  CHECK_FALSE(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'comments'").step());
  // The same version again: nothing is rebuilt.
  auto again = runner_for(*e.store, db_path);
  CHECK(again->checkpoint() == e.store->head().position);
}

TEST_CASE("killing the projector mid-batch loses nothing and repeats nothing") {
  TempDir dir;
  // The child reads the subject keys read-only beside this process.
  auto keys = std::move(*open_subject_key_store(dir.sub("events-keys")));
  FieldCipher cipher(*keys);
  {
    Engine e(dir.sub("events"), {}, Engine::kStart, cipher);
    write_history(e, 3000, 12000, 99);  // several batches of events
    MESSAGE("events in the log: " << e.store->head().position);
  }
  std::mt19937 rng(std::random_device{}());
  int interrupted = 0;
  for (int round = 0; round < 5; ++round) {
    CAPTURE(round);
    const std::string db = dir.sub(fmt::format("crash-{}.sqlite", round));
    auto [pid, fd] = spawn_with_stdout({CRASH_CHILD_PATH, dir.sub("events"), "1", "project", db});
    std::string out;
    read_first(fd, out, std::chrono::seconds(60));  // the child says when it starts applying
    read_until(fd, out, std::chrono::steady_clock::now() + std::chrono::milliseconds(rng() % 40));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    read_until(fd, out, std::nullopt);
    ::close(fd);
    interrupted += out.find("done") == std::string::npos;
    auto store = std::move(*open_rocksdb_event_store(dir.sub("events")));
    {
      auto resumed = runner_for(*store, db, cipher);
      REQUIRE(resumed->catch_up());
    }
    if (round == 0) {
      auto fresh = runner_for(*store, dir.sub("fresh.sqlite"), cipher);
      REQUIRE(fresh->catch_up());
      // Every table of sqlite_master is compared, users included, and each holds rows.
      CHECK(tables_with_rows(dump_read_model(dir.sub("fresh.sqlite"))) ==
            read_model_table_names(dir.sub("fresh.sqlite")));
    }
    CHECK(dump_read_model(db) == dump_read_model(dir.sub("fresh.sqlite")));
  }
  CHECK(interrupted > 0);  // at least one kill landed before the projector finished
}

TEST_CASE("internal words never reach a customer: search, lists, counts, comments, attachments") {
  TempDir dir;
  Engine e(dir.sub("events"));
  e.add_user("a1", Role::agent);
  const std::string id = e.engine.create(new_ticket("Laptop will not boot"), as(customer()))->ticket->id;
  REQUIRE(e.engine.execute(id, AddComment{"c1", "Customer may be lying about xylophone", Visibility::internal, {}, {}},
                           as(agent())));
  REQUIRE(e.engine.execute(id, AddComment{"c2", "Please try safe mode", Visibility::public_, {}, {}}, as(agent())));
  REQUIRE(e.engine.execute(id,
                           AddAttachment{AttachmentMeta{"att-1", "notes.txt", "text/plain", 3, std::string(64, 'b'), "",
                                                        Visibility::internal, "clean", ""}},
                           as(agent())));
  auto runner = runner_for(*e.store, dir.sub("rm.sqlite"));
  REQUIRE(runner->catch_up());
  TicketQueries q(dir.sub("rm.sqlite"));
  const Timestamp now = e.clock.now();
  TicketFilter search;
  search.q = "xylophone";
  CHECK(q.list(agent(), search, now)->items.size() == 1);
  CHECK(q.list(customer(), search, now)->items.empty());
  search.q = "lying";
  CHECK(q.list(customer(), search, now)->items.empty());
  search.q = "safe mode";
  CHECK(q.list(customer(), search, now)->items.size() == 1);
  search.q = "laptop";
  auto mine = q.list(customer(), search, now);
  REQUIRE(mine->items.size() == 1);
  CHECK(mine->items[0].comment_count == 1);
  CHECK(mine->items[0].attachment_count == 0);
  CHECK(q.get(agent(), id, now)->comment_count == 2);
  CHECK(q.get(agent(), id, now)->attachment_count == 1);
  CHECK(q.get(customer(), id, now)->attachment_count == 0);
  // Another customer, another tenant: the ticket does not exist for them.
  CHECK(error_of(q.get(customer("c2"), id, now)).code == Errc::not_found);
  CHECK(error_of(q.get(Principal{"x", "globex", Role::agent, "", ""}, id, now)).code == Errc::not_found);
  search.q = "laptop";
  CHECK(q.list(Principal{"x", "globex", Role::admin, "", ""}, search, now)->items.empty());
  // By number too.
  CHECK(q.get(customer(), "TICK-2026-000001", now)->id == id);
  // Query syntax in q is data, not FTS syntax.
  search.q = "\"unbalanced AND (";
  CHECK(q.list(agent(), search, now).has_value());
}

TEST_CASE("lists: filters, every sort, and cursors that visit each ticket once") {
  TempDir dir;
  Engine e(dir.sub("events"));
  write_history(e, 37, 300, 5);
  auto runner = runner_for(*e.store, dir.sub("rm.sqlite"));
  REQUIRE(runner->catch_up());
  TicketQueries q(dir.sub("rm.sqlite"));
  const Timestamp now = e.clock.now();
  for (const char* sort : {"created", "-created", "updated", "-updated", "priority", "due"}) {
    CAPTURE(sort);
    TicketFilter f;
    f.sort = sort;
    f.limit = 7;
    std::set<std::string> seen;
    std::vector<TicketRow> rows;  // in the order the pages gave them
    int pages = 0;
    do {
      auto page = q.list(admin(), f, now);
      REQUIRE(page);
      for (const auto& t : page->items) {
        CHECK(seen.insert(t.id).second);
        rows.push_back(t);
      }
      f.cursor = page->next_cursor;
      ++pages;
    } while (!f.cursor.empty() && pages < 20);
    CHECK(seen.size() == 37);
    CHECK(pages == 6);
    // The sort key never goes backwards across the whole walk, page boundaries included.
    auto due_of = [](const TicketRow& t) {  // of the running clocks; none: last
      std::int64_t due = INT64_MAX;
      for (const char* paused : {"waiting_on_customer", "waiting_on_third_party", "resolved", "closed"}) {
        if (t.status == paused) return due;
      }
      if (t.sla.first_response_due && !t.sla.first_response_at)
        due = t.sla.first_response_due->time_since_epoch().count();
      if (t.sla.resolution_due) due = std::min(due, t.sla.resolution_due->time_since_epoch().count());
      return due;
    };
    const std::string order = sort;
    for (std::size_t i = 0; i + 1 < rows.size(); ++i) {
      const TicketRow& a = rows[i];
      const TicketRow& b = rows[i + 1];
      CAPTURE(i);
      if (order == "created") CHECK(a.created_at <= b.created_at);
      if (order == "-created") CHECK(a.created_at >= b.created_at);
      if (order == "updated") CHECK(a.updated_at <= b.updated_at);
      if (order == "-updated") CHECK(a.updated_at >= b.updated_at);
      if (order == "priority") {
        const int ua = 3 - static_cast<int>(*parse_priority(a.priority));
        const int ub = 3 - static_cast<int>(*parse_priority(b.priority));
        CHECK(std::make_pair(ua, a.created_at) <= std::make_pair(ub, b.created_at));
      }
      if (order == "due") CHECK(due_of(a) <= due_of(b));
    }
  }
  TicketFilter open_network;
  open_network.queue = "network";
  open_network.limit = 200;
  auto network = q.list(agent(), open_network, now);
  CHECK(network->items.size() == 13);  // every third ticket
  for (const auto& t : network->items) CHECK(t.queue == "network");
  TicketFilter by_customer;
  by_customer.limit = 200;
  auto c1 = q.list(customer("c1"), by_customer, now);
  for (const auto& t : c1->items) CHECK(t.requester == "c1");
  CHECK(c1->items.size() == 18);
  TicketFilter tagged;
  tagged.tag = "floor-2";
  tagged.limit = 200;
  auto floor2 = q.list(agent(), tagged, now);
  REQUIRE(floor2);
  CHECK(!floor2->items.empty());
  for (const auto& t : floor2->items) CHECK(t.requester == "c1");
  TicketFilter bad;
  bad.sort = "sideways";
  CHECK(error_of(q.list(agent(), bad, now)).code == Errc::validation);
  bad = TicketFilter{};
  bad.limit = 201;
  CHECK(error_of(q.list(agent(), bad, now)).code == Errc::validation);
  bad = TicketFilter{};
  bad.cursor = "created.1.2";
  CHECK(error_of(q.list(agent(), bad, now)).code == Errc::validation);  // cursor of another sort
  bad = TicketFilter{};
  bad.status = {"open", "lost"};
  CHECK(error_of(q.list(agent(), bad, now)).code == Errc::validation);

  // The queue: active only, ordered by SLA due (of running clocks), then priority, then age.
  auto work = q.queue(admin(), std::nullopt, std::nullopt, 200, "", now);
  REQUIRE(work);
  auto key = [](const TicketRow& t) {
    std::int64_t due = INT64_MAX;
    if (t.status != "waiting_on_customer" && t.status != "waiting_on_third_party") {
      if (t.sla.first_response_due && !t.sla.first_response_at)
        due = t.sla.first_response_due->time_since_epoch().count();
      if (t.sla.resolution_due) due = std::min(due, t.sla.resolution_due->time_since_epoch().count());
    }
    const int urgency = 3 - static_cast<int>(*parse_priority(t.priority));
    return std::make_tuple(due, urgency, t.created_at);
  };
  TicketFilter active;
  active.status = {"new", "open", "in_progress", "waiting_on_customer", "waiting_on_third_party"};
  active.limit = 200;
  CHECK(work->items.size() == q.list(admin(), active, now)->items.size());
  for (std::size_t i = 0; i + 1 < work->items.size(); ++i) CHECK(key(work->items[i]) <= key(work->items[i + 1]));
  auto first_page = q.queue(admin(), std::nullopt, std::nullopt, 5, "", now);
  auto second_page = q.queue(admin(), std::nullopt, std::nullopt, 5, first_page->next_cursor, now);
  REQUIRE(second_page->items.size() == 5);
  CHECK(second_page->items[0].id == work->items[5].id);
  auto stats = q.stats(admin(), now);
  std::int64_t total = 0;
  for (const auto& [status, n] : stats->by_status) total += n;
  CHECK(total == 37);
}

TEST_CASE("report arithmetic on a small fixed history") {
  TempDir dir;
  const Timestamp t0 = *parse_rfc3339("2026-11-02T09:00:00Z");
  Engine e(dir.sub("events"), {}, t0);
  e.add_user("a1", Role::agent);
  e.add_user("a2", Role::agent);
  // Three urgent tickets (first response target 1 h, resolution 4 h):
  //  A: category billing, first reply after 30 min, resolved after 2 h, rated 5
  //  B: category billing, first reply after 90 min (breach), resolved after 5 h (breach), rated 2
  //  C: category access, no reply, unresolved
  auto make = [&](const char* subject, const char* category) {
    CreateTicket c = new_ticket(subject, Priority::urgent);
    c.category = category;
    return e.engine.create(c, as(customer()))->ticket->id;
  };
  const std::string a = make("A", "billing");
  const std::string b = make("B", "billing");
  const std::string c = make("C", "access");
  auto reply = [&](const std::string& id, const char* who, Timestamp at) {
    e.clock.set(at);
    REQUIRE(e.engine.execute(id, AssignTicket{who, std::nullopt, false}, as(agent(who))));
    REQUIRE(e.engine.execute(id, AddComment{e.ids.next_id(), "on it", Visibility::public_, {}, {}}, as(agent(who))));
    REQUIRE(e.engine.execute(id, ChangeStatus{Status::in_progress, {}}, as(agent(who))));
  };
  auto resolve = [&](const std::string& id, const char* who, Timestamp at, int rating) {
    e.clock.set(at);
    REQUIRE(e.engine.execute(id, ChangeStatus{Status::resolved, Resolution{ResolutionCode::resolved, "done"}},
                             as(agent(who))));
    REQUIRE(e.engine.execute(id, GiveFeedback{rating, ""}, as(customer())));
  };
  reply(a, "a1", t0 + 30min);
  reply(b, "a2", t0 + 90min);
  resolve(a, "a1", t0 + 2h, 5);
  resolve(b, "a2", t0 + 5h, 2);
  // Breaches are recorded by the scheduler, as in production.
  e.clock.set(t0 + 6h);
  REQUIRE(e.engine.run_scheduler());

  auto runner = runner_for(*e.store, dir.sub("rm.sqlite"));
  REQUIRE(runner->catch_up());
  TicketQueries q(dir.sub("rm.sqlite"));
  auto report = q.report(admin(), t0 - 1h, t0 + 24h, "category");
  REQUIRE(report);
  REQUIRE(report->size() == 2);
  const ReportRow& access = (*report)[0];
  const ReportRow& billing = (*report)[1];
  CHECK(access.group == "access");
  CHECK(access.volume == 1);
  CHECK(access.first_response.count == 0);
  CHECK(access.first_response_compliance == std::optional<double>(0.0));  // C breached, never answered
  CHECK_FALSE(access.csat_average.has_value());
  CHECK(billing.group == "billing");
  CHECK(billing.volume == 2);
  CHECK(billing.first_response.count == 2);
  CHECK(*billing.first_response.mean_seconds == doctest::Approx(3600.0));    // (1800 + 5400) / 2
  CHECK(*billing.first_response.median_seconds == doctest::Approx(3600.0));  // mean of the two middle values
  CHECK(*billing.first_response.p90_seconds == doctest::Approx(5400.0));     // nearest rank: ceil(0.9 * 2) = 2nd
  CHECK(*billing.resolution.mean_seconds == doctest::Approx((7200.0 + 18000.0) / 2));
  CHECK(*billing.first_response_compliance == doctest::Approx(0.5));
  CHECK(*billing.resolution_compliance == doctest::Approx(0.5));
  CHECK(billing.csat_responses == 2);
  CHECK(*billing.csat_average == doctest::Approx(3.5));
  CHECK(*billing.csat_satisfied == doctest::Approx(0.5));

  auto by_agent = q.report(admin(), t0 - 1h, t0 + 24h, "agent");
  REQUIRE(by_agent->size() == 3);  // "", a1, a2
  CHECK((*by_agent)[1].group == "a1");
  CHECK(*(*by_agent)[1].first_response.mean_seconds == doctest::Approx(1800.0));
  auto by_day = q.report(admin(), t0 - 1h, t0 + 24h, "day");
  REQUIRE(by_day->size() == 1);
  CHECK((*by_day)[0].group == "2026-11-02");
  CHECK(error_of(q.report(admin(), t0, t0 + 24h, "mood")).code == Errc::validation);

  const std::string csv = report_csv(*report);
  CHECK(csv.starts_with("group,volume,"));
  CHECK(
      csv.find(
          "\r\nbilling,2,2,3600.000,3600.000,5400.000,2,12600.000,12600.000,18000.000,0.500,0.500,2,3.500,0.500\r\n") !=
      std::string::npos);

  // Workload and stats.
  auto workload = q.workload(admin());
  CHECK(workload->empty());  // both assigned tickets are resolved
  auto stats = q.stats(admin(), t0 + 6h);
  CHECK(stats->unassigned == 1);
  CHECK(stats->breached == 1);  // C, still active
  CHECK(duration_stats({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}).p90_seconds == std::optional<double>(9));
  CHECK(duration_stats({5, 1, 3}).median_seconds == std::optional<double>(3));
}

TEST_CASE("an event the projection cannot read stops it with an error and keeps its checkpoint") {
  TempDir dir;
  auto store = std::move(*open_rocksdb_event_store(dir.sub("events")));
  REQUIRE(store->append("T-1", ExpectedVersion::any(), {make_event("e1", "ticket.commented", R"({"body":"hello"})")}));
  auto runner = runner_for(*store, dir.sub("rm.sqlite"));
  auto r = runner->catch_up();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::internal);
  CHECK(runner->checkpoint() == 0);
  CHECK(runner->lag() == 1);
}

TEST_CASE("retention: closed tickets leave the read models after retention_days; the log keeps them") {
  TempDir dir;
  const Timestamp t0 = *parse_rfc3339("2026-11-02T09:00:00Z");
  const Principal root{"root", "root", Role::global_admin, "", ""};
  std::string old_id, recent_id, open_id;
  {
    Engine e(dir.sub("events"), {}, t0);
    TenantConfig acme;
    acme.id = "acme";
    acme.retention = std::chrono::days{30};  // longer than the reopen window (14 days)
    REQUIRE(e.engine.configure_tenant(acme, root));
    old_id = e.engine.create(new_ticket("Numbat5 printer"), as(customer()))->ticket->id;
    REQUIRE(e.engine.execute(old_id, AddComment{"n1", "Numbat5 toner", Visibility::public_, {}, {}}, as(customer())));
    REQUIRE(e.engine.execute(old_id, ChangeStatus{Status::closed, {}}, as(customer())));  // withdrawn at t0
    open_id = e.engine.create(new_ticket("still open"), as(customer()))->ticket->id;
    recent_id = e.engine.create(new_ticket("closed later"), as(customer()))->ticket->id;
    e.clock.set(t0 + std::chrono::days{20});
    REQUIRE(e.engine.execute(recent_id, ChangeStatus{Status::closed, {}}, as(customer())));

    e.clock.set(t0 + std::chrono::days{30} - 1min);
    CHECK(e.engine.run_scheduler()->archived == 0);
    e.clock.set(t0 + std::chrono::days{30});
    CHECK(e.engine.run_scheduler()->archived == 1);
    CHECK(e.engine.run_scheduler()->archived == 0);  // once

    // The log keeps the ticket: it loads, says when it was archived, and refuses changes.
    auto held = e.engine.ticket(old_id, agent());
    REQUIRE(held);
    CHECK((*held)->archived_at == t0 + std::chrono::days{30});
    CHECK((*held)->subject == "Numbat5 printer");
    auto reopen = e.engine.execute(old_id, ChangeStatus{Status::new_, {}}, as(customer()));
    CHECK(error_of(reopen).code == Errc::conflict);
    auto events = e.store->read_stream(old_id, 1, 100);
    REQUIRE(events);
    CHECK(events->back().type == "ticket.archived");
    CHECK(events->back().actor.sub == "system");
  }
  // The read models no longer hold it: lists, search, stats; the others stay.
  {
    Engine e(dir.sub("events"), {}, t0 + std::chrono::days{31});  // restarted: nothing archived twice
    CHECK(e.engine.run_scheduler()->archived == 0);
    auto incremental = runner_for(*e.store, dir.sub("rm.sqlite"));
    REQUIRE(incremental->catch_up());
    TicketQueries q(dir.sub("rm.sqlite"));
    auto all = q.list(agent(), TicketFilter{}, t0 + std::chrono::days{31});
    REQUIRE(all);
    std::set<std::string> listed;
    for (const auto& row : all->items) listed.insert(row.id);
    CHECK(listed == std::set<std::string>{open_id, recent_id});
    TicketFilter words;
    words.q = "Numbat5";
    CHECK(q.list(agent(), words, t0 + std::chrono::days{31})->items.empty());
    CHECK(error_of(q.get(agent(), old_id, t0 + std::chrono::days{31})).code == Errc::not_found);
    const auto dumped = dump_read_model(dir.sub("rm.sqlite"));
    for (const auto& line : dumped) CHECK_MESSAGE(line.find("Numbat5") == std::string::npos, line);

    // The recent one goes too once its 30 days are over; incremental equals a rebuild.
    e.clock.set(t0 + std::chrono::days{50});
    CHECK(e.engine.run_scheduler()->archived == 1);
    REQUIRE(incremental->catch_up());
    auto rebuilt = runner_for(*e.store, dir.sub("rebuilt.sqlite"));
    REQUIRE(rebuilt->catch_up());
    CHECK(dump_read_model(dir.sub("rm.sqlite")) == dump_read_model(dir.sub("rebuilt.sqlite")));
    auto left = q.list(agent(), TicketFilter{}, t0 + std::chrono::days{50});
    REQUIRE(left);
    REQUIRE(left->items.size() == 1);
    CHECK(left->items[0].id == open_id);
  }
}
