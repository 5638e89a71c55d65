// The ticket rules of docs/domain.md: every (status, action, role) combination, then the
// special cases one by one.
#include "domain/ticket_workflow.h"

#include <doctest/doctest.h>

#include <map>
#include <set>

#include "tests/error_of.h"

using namespace ticketd;
using namespace std::chrono_literals;
using ticketd::test::error_of;

namespace {

const Timestamp kNow = *parse_rfc3339("2026-11-20T12:00:00Z");
const TenantConfig kConfig = [] {
  TenantConfig c;
  c.id = "acme";
  return c;
}();

Principal who(Role role) {
  switch (role) {
    case Role::customer:
      return {"c1", "acme", role, "", ""};
    case Role::agent:
      return {"a1", "acme", role, "", ""};
    case Role::admin:
      return {"ad1", "acme", role, "", ""};
    case Role::global_admin:
      return {"g1", "root", role, "", ""};
    case Role::manager:
      return {"m1", "acme", role, "", ""};
    case Role::auditor:
      return {"au1", "acme", role, "", ""};
    case Role::integration:
      return {"jira", "acme", role, "", ""};
    case Role::system:
      return system_principal("acme");
  }
  return {};
}

Ticket fold(Ticket t, const std::vector<TicketEvent>& events, Timestamp at) {
  for (const auto& e : events) t = apply(std::move(t), e, at);
  return t;
}

// Runs `command` as `principal` at `now`; REQUIREs success and applies the events.
Ticket run(Ticket t, const TicketCommand& command, const Principal& principal, Timestamp now = kNow) {
  auto events = decide(t, command, DecideContext{principal, now, true, kConfig});
  REQUIRE_MESSAGE(events.has_value(), events.error().message);
  return fold(std::move(t), *events, now);
}

AssignTicket assign_to(const std::string& sub, Role role = Role::agent) {
  return AssignTicket{sub, KnownUser{sub, "acme", role}, true};
}

// A ticket of requester c1 in `status`; assigned to a1 unless new.
Ticket ticket_in(Status status) {
  const Principal agent = who(Role::agent);
  const Timestamp day_ago = kNow - 24h;
  CreateTicket create{"T1", "TICK-2026-000001", "acme", "Printer on fire", "It smokes.", {}, {}, {}, {}, {}, {}, {},
                      {}};
  // Imported by the integration for c1, so the integration (jira) may act on it too.
  create.requester = "c1";
  create.external = ExternalRef{"jira", "SUP-1"};
  Ticket t = run(Ticket{}, create, who(Role::integration), day_ago);
  if (status == Status::new_) return t;
  t = run(std::move(t), assign_to("a1"), agent, day_ago);
  if (status == Status::open) return t;
  t = run(std::move(t), ChangeStatus{Status::in_progress, {}}, agent, day_ago);
  if (status == Status::in_progress) return t;
  if (status == Status::waiting_on_customer || status == Status::waiting_on_third_party) {
    return run(std::move(t), ChangeStatus{status, {}}, agent, day_ago);
  }
  t = run(std::move(t), ChangeStatus{Status::resolved, Resolution{ResolutionCode::resolved, "Replaced fuser"}}, agent,
          day_ago);
  if (status == Status::resolved) return t;
  return run(std::move(t), ChangeStatus{Status::closed, {}}, agent, day_ago);
}

enum class Expect { ok, forbidden, conflict };

struct Action {
  const char* name;
  TicketCommand command;
  // The statuses from which docs/domain.md's workflow allows it at all (others: 409).
  std::set<Status> from;
  // The roles that may do it where it is allowed (others: 403).
  std::set<Role> roles;
  // Whether a role check comes before the status check (403 wins over 409).
  bool role_first;
  // For status actions: the status after it succeeds, per source status (default: target).
  std::optional<Status> result;
};

const std::set<Status> kAll{
    Status::new_,     Status::open,  Status::in_progress, Status::waiting_on_customer, Status::waiting_on_third_party,
    Status::resolved, Status::closed};
const std::set<Status> kNotClosed{
    Status::new_,    Status::open, Status::in_progress, Status::waiting_on_customer, Status::waiting_on_third_party,
    Status::resolved};
const std::set<Status> kActive{Status::new_, Status::open, Status::in_progress, Status::waiting_on_customer,
                               Status::waiting_on_third_party};
const std::set<Role> kWorkers{Role::agent, Role::admin, Role::global_admin};
const std::set<Role> kWorkersAndSync{Role::agent, Role::admin, Role::global_admin, Role::integration};
const std::set<Role> kWriters{Role::customer, Role::agent, Role::admin, Role::global_admin, Role::integration};
const Resolution kFixed{ResolutionCode::resolved, "Fixed"};

std::vector<Action> actions() {
  return {
      {"start",
       ChangeStatus{Status::in_progress, {}},
       {Status::open, Status::waiting_on_customer, Status::waiting_on_third_party},
       kWorkersAndSync,
       true,
       {}},
      {"wait on customer",
       ChangeStatus{Status::waiting_on_customer, {}},
       {Status::in_progress, Status::waiting_on_third_party},
       kWorkersAndSync,
       true,
       {}},
      {"wait on third party",
       ChangeStatus{Status::waiting_on_third_party, {}},
       {Status::in_progress, Status::waiting_on_customer},
       kWorkersAndSync,
       true,
       {}},
      {"resolve",
       ChangeStatus{Status::resolved, kFixed},
       {Status::in_progress, Status::waiting_on_customer, Status::waiting_on_third_party},
       kWorkersAndSync,
       true,
       {}},
      {"reopen", ChangeStatus{Status::open, {}}, {Status::resolved, Status::closed}, kWriters, true, Status::open},
      {"assign self", assign_to("a1"), kActive, kWorkers, true, {}},
      {"public comment", AddComment{"C9", "Any news?", Visibility::public_, {}, {}}, kAll, kWriters, true, {}},
      {"internal note",
       AddComment{"C9", "Call them.", Visibility::internal, {}, {}},
       kAll,
       {Role::agent, Role::admin, Role::global_admin, Role::integration},
       true,
       {}},
      {"edit subject", UpdateTicket{"Printer still on fire", {}, {}, {}, {}, {}, {}}, kNotClosed, kWriters, true, {}},
      {"merge", MergeTicket{"T2", "acme", Status::open, true}, kNotClosed, kWorkers, true, {}},
  };
}

// The roles that see ticket T1 (requester c1) and may try anything on it.
const Role kRoles[] = {Role::customer, Role::agent,   Role::admin,      Role::global_admin,
                       Role::manager,  Role::auditor, Role::integration};

Expect expected(const Action& a, Status s, Role r) {
  if (r == Role::manager || r == Role::auditor) return Expect::forbidden;  // read-only roles
  const bool role_ok = a.roles.contains(r);
  const bool status_ok = a.from.contains(s);
  if (a.role_first && !role_ok) return Expect::forbidden;
  // "open" from an active status is no reopen but a staff transition: the role comes first.
  if (std::string(a.name) == "reopen" && !status_ok && !kWorkersAndSync.contains(r)) return Expect::forbidden;
  // An integration mirrors its system's workflow: any change between active statuses, and
  // to resolved from any active status (closing still needs resolved, reopening new or open).
  if (const auto* c = std::get_if<ChangeStatus>(&a.command);
      c && r == Role::integration && role_ok && c->target != Status::closed && kActive.contains(s) && c->target != s) {
    return Expect::ok;
  }
  if (!status_ok) return Expect::conflict;
  if (!role_ok) return Expect::forbidden;
  // Rules that narrow the table above, as docs/domain.md states them:
  if (std::string(a.name) == "public comment" && r == Role::customer && s == Status::closed) return Expect::conflict;
  if (std::string(a.name) == "edit subject" && r == Role::customer && s != Status::new_) return Expect::conflict;
  return Expect::ok;
}

}  // namespace

TEST_CASE("every status x action x role against docs/domain.md") {
  int checked = 0;
  for (const auto& action : actions()) {
    for (Status s : kAll) {
      for (Role r : kRoles) {
        CAPTURE(action.name);
        CAPTURE(std::string(name_of(s)));
        CAPTURE(role_name(r));
        const Ticket t = ticket_in(s);
        const Expect want = expected(action, s, r);
        auto out = decide(t, action.command, DecideContext{who(r), kNow, true, kConfig});
        ++checked;
        if (want == Expect::ok) {
          REQUIRE_MESSAGE(out.has_value(), out.error().message);
          const Ticket after = fold(t, *out, kNow);
          if (const auto* c = std::get_if<ChangeStatus>(&action.command)) {
            CHECK(after.status == action.result.value_or(c->target));
            REQUIRE(!out->empty());
            CHECK(std::holds_alternative<StatusChanged>(out->front()));
          }
          if (std::string(action.name) == "public comment") {
            CHECK(after.comments.size() == t.comments.size() + 1);
            CHECK(after.comments.back().is_staff_reply == is_staff(r));
          }
          if (std::string(action.name) == "merge") {
            CHECK(after.status == Status::closed);
            CHECK(after.resolution->code == ResolutionCode::duplicate);
          }
          if (std::string(action.name) == "edit subject") CHECK(after.subject == "Printer still on fire");
          if (std::string(action.name) == "assign self") CHECK(after.assignee == std::optional<std::string>("a1"));
        } else {
          REQUIRE_FALSE(out.has_value());
          CHECK(out.error().code == (want == Expect::forbidden ? Errc::forbidden : Errc::conflict));
          if (want == Expect::conflict) {
            CHECK(out.error().current_status == name_of(s));
            std::vector<std::string> allowed;
            for (Status n : allowed_next(t)) allowed.emplace_back(name_of(n));
            CHECK(out.error().allowed == allowed);
          }
        }
      }
    }
  }
  CHECK(checked == 10 * 7 * 7);
}

TEST_CASE("closing: customers confirm or withdraw, staff close only resolved tickets") {
  for (Status s : kAll) {
    CAPTURE(std::string(name_of(s)));
    const Ticket t = ticket_in(s);
    auto by_customer = decide(t, ChangeStatus{Status::closed, {}}, {who(Role::customer), kNow, true, kConfig});
    auto by_agent = decide(t, ChangeStatus{Status::closed, {}}, {who(Role::agent), kNow, true, kConfig});
    if (s == Status::closed) {
      REQUIRE_FALSE(by_customer);
      CHECK(by_customer.error().code == Errc::conflict);  // closing a closed ticket is 409
      REQUIRE_FALSE(by_agent);
      CHECK(by_agent.error().code == Errc::conflict);
      continue;
    }
    REQUIRE(by_customer);
    const auto& change = std::get<StatusChanged>(by_customer->front());
    CHECK(change.to == Status::closed);
    if (s == Status::resolved) {
      CHECK(change.reason == "confirm");
      REQUIRE(by_agent);
      CHECK(std::get<StatusChanged>(by_agent->front()).reason == "close");
    } else {
      CHECK(change.reason == "withdraw");
      CHECK(change.resolution->code == ResolutionCode::canceled);
      CHECK(by_agent.error().code == Errc::forbidden);
    }
  }
}

TEST_CASE("scope: other customers' tickets and other tenants' tickets do not exist") {
  const Ticket t = ticket_in(Status::open);
  const Principal stranger{"c2", "acme", Role::customer, "", ""};
  auto r = decide(t, AddComment{"C1", "hi", Visibility::public_, {}, {}}, {stranger, kNow, true, kConfig});
  CHECK(r.error().code == Errc::not_found);
  auto out_of_scope =
      decide(t, AddComment{"C1", "hi", Visibility::public_, {}, {}}, {who(Role::agent), kNow, false, kConfig});
  REQUIRE_FALSE(out_of_scope);
  CHECK(out_of_scope.error().code == Errc::not_found);
  auto missing = decide(Ticket{}, ChangeStatus{Status::in_progress, {}}, {who(Role::admin), kNow, true, kConfig});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::not_found);
}

TEST_CASE("tenant tree scope") {
  TenantTree tree;
  tree.set_parent("acme-eu", "acme");
  tree.set_parent("acme-de", "acme-eu");
  const Principal acme_admin{"ad", "acme", Role::admin, "", ""};
  const Principal eu_agent{"a", "acme-eu", Role::agent, "", ""};
  CHECK(in_scope(acme_admin, tree, "acme-de"));
  CHECK(in_scope(eu_agent, tree, "acme-de"));
  CHECK_FALSE(in_scope(eu_agent, tree, "acme"));
  CHECK_FALSE(in_scope(acme_admin, tree, "globex"));
  CHECK(in_scope(Principal{"g", "x", Role::global_admin, "", ""}, tree, "globex"));
  tree.set_parent("acme", "acme-de");  // would be a cycle: refused
  CHECK(tree.parent_of("acme").empty());
}

TEST_CASE("assignment rules") {
  const Ticket fresh = ticket_in(Status::new_);
  SUBCASE("agents assign only themselves, admins anyone in scope") {
    auto other = decide(fresh, assign_to("a2"), {who(Role::agent), kNow, true, kConfig});
    REQUIRE_FALSE(other);
    CHECK(other.error().code == Errc::forbidden);
    auto by_admin = decide(fresh, assign_to("a2"), {who(Role::admin), kNow, true, kConfig});
    REQUIRE(by_admin);
    const Ticket t = fold(fresh, *by_admin, kNow);
    CHECK(t.status == Status::open);
    CHECK(t.assignee == std::optional<std::string>("a2"));
  }
  SUBCASE("the assignee must be a known agent or admin covering the tenant") {
    auto unknown = decide(fresh, AssignTicket{"x", std::nullopt, false}, {who(Role::admin), kNow, true, kConfig});
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == Errc::validation);
    CHECK(unknown.error().fields.at(0).field == "assignee");
    auto customer = decide(fresh, assign_to("c1", Role::customer), {who(Role::admin), kNow, true, kConfig});
    REQUIRE_FALSE(customer);
    CHECK(customer.error().code == Errc::validation);
    auto out = decide(fresh, AssignTicket{"a9", KnownUser{"a9", "globex", Role::agent}, false},
                      {who(Role::admin), kNow, true, kConfig});
    REQUIRE_FALSE(out);
    CHECK(out.error().code == Errc::validation);
  }
  SUBCASE("unassigning moves open and in_progress back to new") {
    for (Status s : {Status::open, Status::in_progress}) {
      Ticket t = run(ticket_in(s), AssignTicket{}, who(Role::agent));
      CHECK(t.status == Status::new_);
      CHECK_FALSE(t.assignee.has_value());
    }
  }
  SUBCASE("in_progress needs an assignee") {
    Ticket t = run(ticket_in(Status::waiting_on_customer), AssignTicket{}, who(Role::admin));
    CHECK(t.status == Status::new_);
  }
}

TEST_CASE("reopen window: customers and agents within it, admins any time") {
  TenantConfig config = kConfig;
  config.reopen_window = 14 * 24h;
  const Ticket t = ticket_in(Status::closed);  // closed a day before kNow
  const Timestamp late = kNow + 20 * 24h;
  for (Role r : {Role::customer, Role::agent}) {
    auto out = decide(t, ChangeStatus{Status::open, {}}, {who(r), late, true, config});
    REQUIRE_FALSE(out);
    CHECK(out.error().code == Errc::conflict);
    CHECK(decide(t, ChangeStatus{Status::open, {}}, {who(r), kNow, true, config}).has_value());
  }
  auto admin = decide(t, ChangeStatus{Status::open, {}}, {who(Role::admin), late, true, config});
  REQUIRE(admin);
  const Ticket reopened = fold(t, *admin, late);
  CHECK(reopened.status == Status::open);  // assigned: open, not new
  CHECK_FALSE(reopened.resolution.has_value());
  const Ticket unassigned_reopen =
      run(run(ticket_in(Status::new_), ChangeStatus{Status::closed, {}}, who(Role::customer)),
          ChangeStatus{Status::open, {}}, who(Role::customer));
  CHECK(unassigned_reopen.status == Status::new_);
}

TEST_CASE("resolving needs a resolution text") {
  const Ticket t = ticket_in(Status::in_progress);
  auto none = decide(t, ChangeStatus{Status::resolved, {}}, {who(Role::agent), kNow, true, kConfig});
  REQUIRE_FALSE(none);
  CHECK(none.error().code == Errc::validation);
  CHECK(none.error().fields.at(0).field == "resolution.text");
  auto blank = decide(t, ChangeStatus{Status::resolved, Resolution{ResolutionCode::resolved, "  "}},
                      {who(Role::agent), kNow, true, kConfig});
  REQUIRE_FALSE(blank);
  CHECK(blank.error().code == Errc::validation);
}

TEST_CASE("a public customer reply on waiting_on_customer resumes work") {
  Ticket t = run(ticket_in(Status::waiting_on_customer), AddComment{"C1", "Here you go", Visibility::public_, {}, {}},
                 who(Role::customer));
  CHECK(t.status == Status::in_progress);
  Ticket staff = run(ticket_in(Status::waiting_on_customer), AddComment{"C1", "ping", Visibility::public_, {}, {}},
                     who(Role::agent));
  CHECK(staff.status == Status::waiting_on_customer);
}

TEST_CASE("feedback: the requester, after resolution, once per resolution") {
  Ticket t = ticket_in(Status::resolved);
  auto by_agent = decide(t, GiveFeedback{5, ""}, {who(Role::agent), kNow, true, kConfig});
  REQUIRE_FALSE(by_agent);
  CHECK(by_agent.error().code == Errc::forbidden);
  auto bad = decide(t, GiveFeedback{6, ""}, {who(Role::customer), kNow, true, kConfig});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::validation);
  t = run(std::move(t), GiveFeedback{4, "quick"}, who(Role::customer));
  CHECK(t.feedback_rating == 4);
  auto again = decide(t, GiveFeedback{5, ""}, {who(Role::customer), kNow, true, kConfig});
  REQUIRE_FALSE(again);
  CHECK(again.error().code == Errc::conflict);
  // Confirming closes the same resolution: still no second feedback.
  t = run(std::move(t), ChangeStatus{Status::closed, {}}, who(Role::customer));
  CHECK(error_of(decide(t, GiveFeedback{5, ""}, {who(Role::customer), kNow, true, kConfig})).code == Errc::conflict);
  // A new resolution after reopening allows feedback again.
  t = run(std::move(t), ChangeStatus{Status::open, {}}, who(Role::customer));
  t = run(std::move(t), ChangeStatus{Status::in_progress, {}}, who(Role::agent));
  t = run(std::move(t), ChangeStatus{Status::resolved, kFixed}, who(Role::agent));
  t = run(std::move(t), GiveFeedback{5, ""}, who(Role::customer));
  CHECK(t.feedback_rating == 5);
}

TEST_CASE("merge rules") {
  const Ticket t = ticket_in(Status::open);
  const DecideContext agent{who(Role::agent), kNow, true, kConfig};
  CHECK(error_of(decide(t, MergeTicket{"T1", "acme", Status::open, true}, agent)).code == Errc::conflict);
  CHECK(error_of(decide(t, MergeTicket{"T2", "globex", Status::open, true}, agent)).code == Errc::validation);
  CHECK(error_of(decide(t, MergeTicket{"T2", "acme", Status::closed, true}, agent)).code == Errc::conflict);
  CHECK(error_of(decide(t, MergeTicket{"T2", "acme", Status::open, false}, agent)).code == Errc::validation);
  auto ok = decide(t, MergeTicket{"T2", "acme", Status::open, true}, agent);
  REQUIRE(ok);
  const Ticket merged = fold(t, *ok, kNow);
  CHECK(merged.links == std::vector<Link>{{"duplicate_of", "T2"}});
  Ticket target = run(ticket_in(Status::new_), ReceiveMerge{"T1"}, who(Role::agent));
  CHECK(target.links == std::vector<Link>{{"merged_from", "T1"}});
}

TEST_CASE("validation names each bad field") {
  CreateTicket c{"T1",
                 "TICK-2026-000001",
                 "acme",
                 "   ",
                 std::string(70000, 'x'),
                 {},
                 std::string("nope"),
                 {},
                 std::string("nowhere"),
                 {},
                 {},
                 {},
                 {}};
  auto r = decide(Ticket{}, c, {who(Role::customer), kNow, true, kConfig});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::validation);
  std::set<std::string> fields;
  for (const auto& f : r.error().fields) fields.insert(f.field);
  CHECK(fields == std::set<std::string>{"subject", "description", "category", "queue"});
  c.subject = std::string(201, 's');
  c.description = "";
  c.category.reset();
  c.queue.reset();
  CHECK(error_of(decide(Ticket{}, c, {who(Role::customer), kNow, true, kConfig})).fields.at(0).field == "subject");
  c.subject = "caf\xc3";  // truncated UTF-8
  CHECK(error_of(decide(Ticket{}, c, {who(Role::customer), kNow, true, kConfig})).code == Errc::validation);
  c.subject = "  Caf\xc3\xa9 machine  ";
  auto ok = decide(Ticket{}, c, {who(Role::customer), kNow, true, kConfig});
  REQUIRE(ok);
  const auto& created = std::get<TicketCreated>(ok->front());
  CHECK(created.subject == "Caf\xc3\xa9 machine");
  CHECK(created.priority == Priority::medium);
  CHECK(created.queue == "general");
  CHECK(created.requester == "c1");
  c.requester = "c2";
  CHECK(error_of(decide(Ticket{}, c, {who(Role::customer), kNow, true, kConfig})).code == Errc::forbidden);
}

TEST_CASE("SLA events are recorded once and only by the scheduler") {
  Ticket t = ticket_in(Status::open);
  const Principal system = system_principal("acme");
  auto by_agent = decide(t, RecordSlaBreach{SlaMetric::first_response, kNow}, {who(Role::agent), kNow, true, kConfig});
  REQUIRE_FALSE(by_agent);
  CHECK(by_agent.error().code == Errc::forbidden);
  t = run(std::move(t), RecordSlaBreach{SlaMetric::first_response, kNow}, system);
  CHECK(t.first_response.breached);
  auto again = decide(t, RecordSlaBreach{SlaMetric::first_response, kNow}, {system, kNow, true, kConfig});
  REQUIRE(again);
  CHECK(again->empty());
}

TEST_CASE("auto-close after the tenant's delay") {
  const Ticket t = ticket_in(Status::resolved);  // resolved a day before kNow; delay 48 h
  const Principal system = system_principal("acme");
  auto early = decide(t, AutoClose{}, {system, kNow, true, kConfig});
  REQUIRE(early);
  CHECK(early->empty());
  auto due = decide(t, AutoClose{}, {system, kNow + 25h, true, kConfig});
  REQUIRE(due);
  REQUIRE(due->size() == 1);
  CHECK(std::get<StatusChanged>(due->front()).reason == "auto_close");
}

TEST_CASE("retention: archiving waits for retention_days and the reopen window; archived refuses everything") {
  TenantConfig config = kConfig;
  config.retention = std::chrono::days{1};
  config.reopen_window = 14 * 24h;             // longer than the retention: it decides
  const Ticket t = ticket_in(Status::closed);  // closed a day before kNow
  const Principal system = who(Role::system);
  CHECK_FALSE(archive_due(t, config, kNow));
  CHECK_FALSE(archive_due(t, config, kNow + 13 * 24h - 1min));
  CHECK(archive_due(t, config, kNow + 13 * 24h));
  CHECK_FALSE(archive_due(ticket_in(Status::resolved), config, kNow + 400 * 24h));  // closed tickets only

  // Not due: nothing happens; only the scheduler may archive.
  auto early = decide(t, ArchiveTicket{}, {system, kNow, true, config});
  REQUIRE(early);
  CHECK(early->empty());
  CHECK(error_of(decide(t, ArchiveTicket{}, {who(Role::admin), kNow + 20 * 24h, true, config})).code ==
        Errc::forbidden);
  const Timestamp due = kNow + 20 * 24h;
  auto archived_events = decide(t, ArchiveTicket{}, {system, due, true, config});
  REQUIRE(archived_events);
  REQUIRE(archived_events->size() == 1);
  CHECK(std::get<TicketArchived>(archived_events->front()).retention_days == 1);
  const Ticket archived = fold(t, *archived_events, due);
  CHECK(archived.archived_at == due);
  CHECK_FALSE(archive_due(archived, config, due + 24h));
  // Even an admin's reopen, which ignores the reopen window, is refused now.
  auto reopen = decide(archived, ChangeStatus{Status::open, {}}, {who(Role::admin), due, true, config});
  REQUIRE_FALSE(reopen);
  CHECK(reopen.error().code == Errc::conflict);
  CHECK(error_of(decide(archived, AddComment{"x", "hello", Visibility::internal, {}, {}},
                        {who(Role::agent), due, true, config}))
            .code == Errc::conflict);
}
