// Automatic assignment in process (docs/automations.md): round-robin fairness over 1,000
// tickets, least-loaded picks, unavailable agents skipped and their tickets offered back,
// manual queues left alone, history before the first start left alone, reopened tickets,
// escalation rules (a breach once across restarts; unassigned for N minutes), and restarts of
// the runner mid-stream that assign no ticket twice. RocksDB in a temporary directory.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>

#include "automations/automation_runner.h"
#include "events/ticket_event_codec.h"
#include "eventstore/event_store.h"
#include "tests/engine_fixture.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

const Principal kRoot{"root", "root", Role::global_admin, "", ""};

struct World {
  TempDir dir;
  Engine e{dir.str() + "/events"};
  std::unique_ptr<AutomationRunner> runner;

  explicit World(std::vector<EscalationRule> rules = {}) {
    TenantConfig acme;
    acme.id = "acme";
    acme.name = "Acme";
    acme.queues = {"general", "billing", "vip"};
    acme.assignment = {{"general", AssignmentMode::round_robin}, {"vip", AssignmentMode::least_loaded}};
    acme.escalations = std::move(rules);
    REQUIRE(e.engine.configure_tenant(acme, kRoot));
  }
  void restart() {
    runner->stop();
    runner.reset();
    start();
  }
  // The internal notes an escalation rule wrote on a ticket.
  std::vector<Comment> notes_of(const std::string& id, const std::string& rule) {
    auto t = w_held(id);
    std::vector<Comment> out;
    for (const auto& c : t->comments) {
      if (c.author == "system:automation/escalation/" + rule) out.push_back(c);
    }
    return out;
  }
  TicketRepository::Ptr w_held(const std::string& id) {
    auto t = e.held(id);
    REQUIRE(t);
    return *t;
  }
  void staff(const std::string& sub, std::vector<std::string> queues, bool available = true) {
    UserRecord u{sub, "acme", "", "", Role::agent};
    u.queues = std::move(queues);
    u.available = available;
    REQUIRE(e.engine.record_user(u, admin()));
  }
  void start() {
    runner = std::make_unique<AutomationRunner>(
        e.engine, *e.store, e.cipher, e.clock, AutomationRunner::Options{.retry_after = std::chrono::milliseconds(50)});
    REQUIRE(runner->start());
  }
  bool check_timers_now() {
    settle();
    auto fired = runner->check_timers();
    if (!fired) FAIL(fired.error().message);
    return static_cast<bool>(fired);
  }
  // Waits until the runner has read the whole log.
  void settle() {
    REQUIRE(eventually([&] { return runner->stats().position >= e.store->head().position; }));
  }
  std::string create(const std::string& queue = "general") {
    CreateTicket c = new_ticket();
    c.queue = queue;
    auto created = e.engine.create(c, as(customer("c1")));
    REQUIRE(created);
    return created->ticket->id;
  }
  std::optional<std::string> assignee(const std::string& id) {
    auto t = e.held(id);
    REQUIRE(t);
    return (*t)->assignee;
  }
  // The ticket.assigned events of a ticket, with their actors.
  std::vector<std::pair<TicketAssigned, std::string>> assignments(const std::string& id) {
    auto records = e.store->read_stream(id, 0, 1000);
    REQUIRE(records);
    std::vector<std::pair<TicketAssigned, std::string>> out;
    for (const auto& r : *records) {
      if (r.type != "ticket.assigned") continue;
      auto ev = decode_ticket_event(r.type, r.data, e.cipher);
      REQUIRE(ev);
      out.emplace_back(std::get<TicketAssigned>(*ev), r.actor.sub);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("round-robin: 1,000 tickets shared evenly among the queue's available members, in turn") {
  World w;
  w.staff("a1", {"general"});
  w.staff("a2", {"general", "billing"});
  w.staff("a3", {"general"});
  w.staff("a4", {"billing"});          // not a member of general
  w.staff("a5", {"general"}, false);   // unavailable
  w.e.add_user("c2", Role::customer);  // never a candidate
  w.start();
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.push_back(w.create());
  w.settle();
  std::map<std::string, int> count;
  std::vector<std::string> order;
  for (const auto& id : ids) {
    auto who = w.assignee(id);
    REQUIRE(who);
    ++count[*who];
    order.push_back(*who);
    const auto made = w.assignments(id);
    REQUIRE(made.size() == 1);
    CHECK(made[0].second == "system:automation/round_robin");
  }
  CHECK(count.size() == 3);
  CHECK(count["a1"] == 334);
  CHECK(count["a2"] == 333);
  CHECK(count["a3"] == 333);
  for (std::size_t i = 3; i < order.size(); ++i) REQUIRE(order[i] == order[i - 3]);  // strict turns
  CHECK(w.runner->stats().assigned == 1000);
}

TEST_CASE("round-robin within one batch: tickets created together still take turns") {
  World w;
  w.staff("a1", {"general"});
  w.staff("a2", {"general"});
  w.start();
  std::vector<std::string> ids;
  w.runner->stop();  // the tickets pile up, then the runner reads them in one batch
  w.runner.reset();
  for (int i = 0; i < 10; ++i) ids.push_back(w.create());
  w.start();
  w.settle();
  std::map<std::string, int> count;
  for (const auto& id : ids) {
    auto who = w.assignee(id);
    REQUIRE(who);
    ++count[*who];
  }
  CHECK(count["a1"] == 5);
  CHECK(count["a2"] == 5);
}

TEST_CASE("least-loaded: the member holding the fewest active tickets, ties in turn") {
  World w;
  w.staff("a1", {"vip"});
  w.staff("a2", {"vip"});
  w.staff("a3", {"vip"});
  w.start();
  // Loads by hand in a manual queue: a1 holds 3, a2 holds 1, a3 none.
  std::vector<std::string> held_by_a1;
  auto hand_assign = [&](const std::string& sub) {
    const std::string id = w.create("billing");
    REQUIRE(w.e.engine.execute(id, AssignTicket{sub, std::nullopt, false}, as(admin())));
    return id;
  };
  for (int i = 0; i < 3; ++i) held_by_a1.push_back(hand_assign("a1"));
  hand_assign("a2");
  w.settle();
  CHECK_FALSE(w.assignee(w.create("billing")));  // billing is manual: left alone
  auto next = [&] {
    const std::string id = w.create("vip");
    w.settle();
    return w.assignee(id).value_or("nobody");
  };
  CHECK(next() == "a3");  // 3 / 1 / 0
  CHECK(next() == "a2");  // 3 / 1 / 1: a2 received one longer ago
  CHECK(next() == "a3");  // 3 / 2 / 1
  // Resolved tickets no longer count: a1 drops to 1.
  for (int i = 0; i < 2; ++i) {
    REQUIRE(w.e.engine.execute(held_by_a1[i], ChangeStatus{Status::in_progress, std::nullopt}, as(agent("a1"))));
    ChangeStatus resolve{Status::resolved, Resolution{ResolutionCode::resolved, "done"}};
    auto resolved = w.e.engine.execute(held_by_a1[i], resolve, as(agent("a1")));
    REQUIRE_MESSAGE(resolved, (resolved ? "" : resolved.error().message));
  }
  CHECK(next() == "a1");  // 1 / 2 / 2
  CHECK(w.assignments(held_by_a1[2]).size() == 1);
}

TEST_CASE("unavailable agents are skipped, and their new and open tickets go back to the queue") {
  World w;
  w.staff("a1", {"general"});
  w.staff("a2", {"general"});
  w.start();
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(w.create());
  w.settle();
  std::vector<std::string> of_a2;
  for (const auto& id : ids) {
    if (w.assignee(id) == "a2") of_a2.push_back(id);
  }
  REQUIRE(of_a2.size() == 3);
  // One of a2's tickets is being worked on: it stays with a2.
  REQUIRE(w.e.engine.execute(of_a2[0], ChangeStatus{Status::in_progress, std::nullopt}, as(agent("a2"))));
  w.staff("a2", {"general"}, false);
  w.settle();
  CHECK(w.assignee(of_a2[0]) == "a2");
  for (std::size_t i = 1; i < of_a2.size(); ++i) {
    CHECK(w.assignee(of_a2[i]) == "a1");
    const auto made = w.assignments(of_a2[i]);
    REQUIRE(made.size() == 3);  // to a2, offered back, to a1
    CHECK_FALSE(made[1].first.after);
    CHECK(made[1].second == "system:automation/offer_back");
    CHECK(made[2].second == "system:automation/round_robin");
  }
  for (int i = 0; i < 4; ++i) {
    const std::string id = w.create();
    w.settle();
    CHECK(w.assignee(id) == "a1");
  }
  CHECK(w.runner->stats().offered_back == 2);
}

TEST_CASE("no candidate: the ticket stays unassigned; tickets from before the first start are left alone") {
  World w;
  w.staff("a1", {"billing"});
  const std::string before = w.create();
  w.staff("a1", {"general"});
  w.start();
  w.settle();
  CHECK_FALSE(w.assignee(before));
  w.staff("a1", {"general"}, false);
  const std::string none = w.create();
  w.settle();
  CHECK_FALSE(w.assignee(none));
  CHECK(w.runner->stats().no_candidate == 1);
}

TEST_CASE("restarts mid-stream assign nobody twice and keep the turns") {
  World w;
  w.staff("a1", {"general"});
  w.staff("a2", {"general"});
  w.staff("a3", {"general"});
  w.start();
  std::vector<std::string> ids;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 100; ++i) ids.push_back(w.create());
    if (round < 2) {
      // Stop while tickets may still wait (no settle), and start again: the checkpoint
      // and the book rebuilt from the log take over.
      w.runner->stop();
      w.runner.reset();
      w.start();
    }
  }
  w.settle();
  std::map<std::string, int> count;
  for (const auto& id : ids) {
    const auto made = w.assignments(id);
    REQUIRE(made.size() == 1);
    ++count[*made[0].first.after];
  }
  CHECK(count["a1"] == 100);
  CHECK(count["a2"] == 100);
  CHECK(count["a3"] == 100);
}

TEST_CASE("escalation: a breach fires its rule exactly once, also when a restart reads the breach again") {
  EscalationRule breach;
  breach.id = "first-response-breach";
  breach.on = EscalationTrigger::sla_breached;
  breach.metric = SlaMetric::first_response;
  breach.raise_to = Priority::urgent;
  breach.add_tags = {"escalated"};
  breach.notify = {std::string(kNotifyAssignee), "lead"};
  EscalationRule vip_only;  // another queue: never fires here
  vip_only.id = "vip-warning";
  vip_only.on = EscalationTrigger::sla_warning;
  vip_only.only_queue = "vip";
  vip_only.add_tags = {"at-risk"};
  World w({breach, vip_only});
  w.staff("a1", {"general"});
  w.staff("lead", {});
  w.start();
  const std::string id = w.create();
  w.settle();
  REQUIRE(w.assignee(id) == "a1");
  const std::uint64_t before_breach = w.e.store->head().position;
  w.e.clock.advance(std::chrono::hours(9));  // medium: first response due after 8 hours
  auto report = w.e.engine.run_scheduler();
  REQUIRE(report);
  REQUIRE(report->breaches == 1);
  w.settle();
  auto t = w.w_held(id);
  CHECK(t->priority == Priority::urgent);
  CHECK(t->tags == std::vector<std::string>{"escalated"});
  auto notes = w.notes_of(id, breach.id);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].visibility == Visibility::internal);
  CHECK(notes[0].mentions == std::vector<std::string>{"a1", "lead"});
  CHECK(notes[0].body == "Escalation first-response-breach: the first_response SLA is breached.");
  CHECK(w.runner->stats().escalations == 1);
  const std::uint64_t version = t->version;

  // A crash before the checkpoint was stored: the breach is read and acted on again.
  w.runner->stop();
  REQUIRE(w.e.store->put_meta(AutomationRunner::kCheckpointKey, std::to_string(before_breach)));
  w.restart();
  w.settle();
  CHECK(w.w_held(id)->version == version);
  CHECK(w.notes_of(id, breach.id).size() == 1);
  // A second restart, and the resolution breach later: the rule is for first response only.
  w.restart();
  w.e.clock.advance(std::chrono::hours(72));
  REQUIRE(w.e.engine.run_scheduler());
  w.settle();
  CHECK(w.notes_of(id, breach.id).size() == 1);
  CHECK(w.w_held(id)->tags == std::vector<std::string>{"escalated"});
}

TEST_CASE(
    "escalation: unassigned for N minutes notifies once per stretch, then moves the ticket to a queue that assigns "
    "it") {
  EscalationRule idle;
  idle.id = "idle-billing";
  idle.on = EscalationTrigger::unassigned;
  idle.unassigned_for = std::chrono::minutes(30);
  idle.only_queue = "billing";
  idle.notify = {"lead"};
  EscalationRule move;
  move.id = "move-billing";
  move.on = EscalationTrigger::unassigned;
  move.unassigned_for = std::chrono::minutes(60);
  move.only_queue = "billing";
  move.move_to_queue = "general";
  move.raise_to = Priority::high;
  World w({idle, move});
  w.staff("a1", {"general"});
  w.staff("lead", {});
  w.start();
  const std::string id = w.create("billing");  // manual: stays unassigned
  REQUIRE(w.check_timers_now());
  CHECK_FALSE(w.assignee(id));
  w.e.clock.advance(std::chrono::minutes(29));
  REQUIRE(w.check_timers_now());
  CHECK(w.notes_of(id, idle.id).empty());
  w.e.clock.advance(std::chrono::minutes(2));
  REQUIRE(w.check_timers_now());
  REQUIRE(w.check_timers_now());
  w.restart();  // what fired is not in the book after a restart: the event ids keep it once
  REQUIRE(w.check_timers_now());
  w.settle();
  const auto notes = w.notes_of(id, idle.id);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].mentions == std::vector<std::string>{"lead"});
  CHECK(notes[0].body == "Escalation idle-billing: unassigned for 30 minutes.");
  CHECK(w.w_held(id)->queue == "billing");
  w.e.clock.advance(std::chrono::minutes(30));
  REQUIRE(w.check_timers_now());
  w.settle();
  auto t = w.w_held(id);
  CHECK(t->queue == "general");
  CHECK(t->priority == Priority::high);
  CHECK(t->assignee == "a1");  // general is round_robin
  const auto made = w.assignments(id);
  REQUIRE(made.size() == 1);
  CHECK(made[0].second == "system:automation/round_robin");
  CHECK(w.notes_of(id, idle.id).size() == 1);
  CHECK(w.runner->stats().escalations == 1);  // counted since the restart: the move
}

TEST_CASE("a reopened unassigned ticket is assigned; a reopened assigned one keeps its assignee") {
  World w;
  w.staff("a1", {"general"}, false);  // nobody available yet
  w.start();
  const std::string withdrawn = w.create();
  w.settle();
  REQUIRE_FALSE(w.assignee(withdrawn));
  REQUIRE(w.e.engine.execute(withdrawn, ChangeStatus{Status::closed, std::nullopt}, as(customer("c1"))));
  w.staff("a1", {"general"});
  const std::string taken = w.create();
  w.settle();
  REQUIRE(w.assignee(taken) == "a1");
  w.staff("a2", {"general"});
  REQUIRE(w.e.engine.execute(taken, ChangeStatus{Status::in_progress, std::nullopt}, as(agent("a1"))));
  REQUIRE(w.e.engine.execute(taken, ChangeStatus{Status::resolved, Resolution{ResolutionCode::resolved, "done"}},
                             as(agent("a1"))));
  for (const auto& id : {withdrawn, taken}) {
    REQUIRE(w.e.engine.execute(id, ChangeStatus{Status::open, std::nullopt}, as(customer("c1"))));
  }
  w.settle();
  CHECK(w.assignee(withdrawn) == "a2");  // a1 received the last ticket: a2's turn
  CHECK(w.assignments(withdrawn).size() == 1);
  CHECK(w.assignee(taken) == "a1");
  CHECK(w.assignments(taken).size() == 1);
}
