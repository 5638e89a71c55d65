// The list filters sla=at_risk and sla=breached (docs/read-models.md: `breached` = a breach
// recorded or a running clock past its due; `at_risk` = not breached and past 80 % of a running
// clock's target; docs/domain.md: at risk from the 80 % instant inclusive, breached strictly past
// the target). Tickets are made through the command engine on RocksDB, projected into SQLite,
// and listed at chosen instants around the thresholds.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>
#include <set>

#include "projections/projection_runner.h"
#include "projections/ticket_queries.h"
#include "projections/tickets_projection.h"
#include "tests/engine_fixture.h"
#include "tests/error_of.h"

using namespace ticketd;
using namespace ticketd::test;
using namespace std::chrono_literals;

namespace {

std::set<std::string> ids_with(TicketQueries& q, const char* sla, Timestamp now) {
  TicketFilter f{};
  f.sla = sla;
  f.limit = kMaxPageSize;
  auto page = q.list(admin(), f, now);
  REQUIRE(page);
  REQUIRE(page->next_cursor.empty());
  std::set<std::string> ids;
  for (const auto& t : page->items) ids.insert(t.id);
  return ids;
}

}  // namespace

TEST_CASE("sla=at_risk and sla=breached return exactly the tickets the rules name, at and around each threshold") {
  // Urgent tickets under the default policy and its 24x7 calendar: first response 1 h (at
  // risk from 48 min), resolution 4 h (at risk from 3 h 12 min). N is the instant of the main look.
  const Timestamp t0 = *parse_rfc3339("2026-11-02T09:00:00Z");
  const Timestamp n = t0 + 5h;
  TempDir dir;
  Engine e(dir.sub("events"), {}, t0);
  e.add_user("a1", Role::agent);
  auto create = [&](const char* subject, Timestamp at) {
    e.clock.set(at);
    auto r = e.engine.create(new_ticket(subject, Priority::urgent), as(customer()));
    REQUIRE(r);
    return r->ticket->id;
  };
  auto act = [&](const std::string& id, TicketCommand command, Timestamp at) {
    e.clock.set(at);
    auto r = e.engine.execute(id, std::move(command), as(agent("a1")));
    REQUIRE_MESSAGE(r, id);
  };
  auto reply = [&](const std::string& id, Timestamp at) {
    act(id, AddComment{e.ids.next_id(), "Looking into it.", Visibility::public_, {}, {}}, at);
  };
  auto start = [&](const std::string& id, Timestamp at) {
    act(id, AssignTicket{"a1", std::nullopt, false}, at);
    act(id, ChangeStatus{Status::in_progress, {}}, at);
  };

  // In the order of time:
  // resolved: resolved 50 min in, unanswered (its first response was at risk when it stopped).
  const std::string resolved = create("resolved", n - 5h);
  start(resolved, n - 4h - 10min);
  act(resolved, ChangeStatus{Status::resolved, Resolution{ResolutionCode::resolved, "done"}}, n - 4h - 10min);
  // res_breached: answered in time; its resolution clock ran past 4 h at N - 10 min.
  const std::string res_breached = create("resolution breached", n - 4h - 10min);
  reply(res_breached, n - 4h);
  // recorded: its first-response breach is recorded by the scheduler, then it is answered;
  // its resolution clock is at risk at N (3 h 30 min of 4 h), but a breach wins.
  const std::string recorded = create("breach recorded", n - 3h - 30min);
  // res_at_risk: answered in time; resolution at risk from N - 3 min, due N + 45 min.
  const std::string res_at_risk = create("resolution at risk", n - 3h - 15min);
  reply(res_at_risk, n - 3h - 10min);
  e.clock.set(n - 2h - 29min);  // recorded's first response is 61 min old: breached
  auto report = e.engine.run_scheduler();
  REQUIRE(report);
  reply(recorded, n - 2h - 25min);
  // fr_breached: never answered; first response due N - 10 min.
  const std::string fr_breached = create("first response breached", n - 70min);
  // paused: waiting on the customer since 55 min in (at risk then; breached by now, had it run).
  const std::string paused = create("paused", n - 65min);
  // at_risk: first response at risk from N - 2 min, due N + 10 min.
  const std::string at_risk = create("at risk", n - 50min);
  // ok: 10 min into both clocks.
  const std::string ok = create("ok", n - 10min);
  start(paused, n - 10min);
  act(paused, ChangeStatus{Status::waiting_on_customer, {}}, n - 10min);

  std::vector<std::unique_ptr<Projection>> projections;
  projections.push_back(std::make_unique<TicketsProjection>(e.cipher, *e.store));
  ProjectionRunner runner(*e.store, dir.sub("rm.sqlite"), std::move(projections));
  REQUIRE(runner.catch_up());
  TicketQueries q(dir.sub("rm.sqlite"));
  const std::map<std::string, std::string> name{{resolved, "resolved"},       {res_breached, "res_breached"},
                                                {recorded, "recorded"},       {res_at_risk, "res_at_risk"},
                                                {fr_breached, "fr_breached"}, {paused, "paused"},
                                                {at_risk, "at_risk"},         {ok, "ok"}};
  auto names = [&](const std::set<std::string>& ids) {
    std::set<std::string> out;
    for (const auto& id : ids) out.insert(name.contains(id) ? name.at(id) : id);
    return out;
  };

  // The instants the rules turn on, as the read model holds them (24x7: wall time).
  {
    auto row = q.get(admin(), at_risk, n);
    REQUIRE(row);
    CHECK(row->sla.first_response_due == std::optional<Timestamp>(n + 10min));
    CHECK(row->sla.resolution_due == std::optional<Timestamp>(n - 50min + 4h));
    auto r = q.get(admin(), res_at_risk, n);
    REQUIRE(r);
    CHECK(r->sla.resolution_due == std::optional<Timestamp>(n + 45min));
    CHECK(r->sla.first_response_at == std::optional<Timestamp>(n - 3h - 10min));
  }

  // At N, and at each side of at_risk's 80 % instant (N - 2 min) and due (N + 10 min); the
  // other tickets keep their state through this window.
  struct Look {
    const char* what;
    Timestamp now;
    bool at_risk_is_at_risk, at_risk_is_breached;
  };
  const std::vector<Look> looks{
      {"1 s before 80 %", n - 2min - 1s, false, false}, {"at 80 % (inclusive)", n - 2min, true, false},
      {"1 s after 80 %", n - 2min + 1s, true, false},   {"N", n, true, false},
      {"1 s before due", n + 10min - 1s, true, false},  {"at due (not yet past)", n + 10min, true, false},
      {"1 s after due", n + 10min + 1s, false, true},
  };
  for (const Look& look : looks) {
    CAPTURE(look.what);
    std::set<std::string> want_breached{"res_breached", "recorded", "fr_breached"};
    std::set<std::string> want_at_risk{"res_at_risk"};
    if (look.at_risk_is_breached) want_breached.insert("at_risk");
    if (look.at_risk_is_at_risk) want_at_risk.insert("at_risk");
    const auto breached_ids = ids_with(q, "breached", look.now);
    const auto at_risk_ids = ids_with(q, "at_risk", look.now);
    CHECK(names(breached_ids) == want_breached);
    CHECK(names(at_risk_ids) == want_at_risk);
    // Disjoint: a breached ticket is never also at risk.
    for (const auto& id : breached_ids) CHECK_FALSE(at_risk_ids.contains(id));
    // Each row's own flags say the same as the filters.
    for (const auto& [id, label] : name) {
      CAPTURE(label);
      auto row = q.get(admin(), id, look.now);
      REQUIRE(row);
      CHECK(row->sla.breached == breached_ids.contains(id));
      CHECK(row->sla.at_risk == at_risk_ids.contains(id));
    }
    auto stats = q.stats(admin(), look.now);
    REQUIRE(stats);
    CHECK(stats->breached == static_cast<std::int64_t>(want_breached.size()));
  }

  // Any other value is a validation error, not an unfiltered list.
  TicketFilter bad;
  bad.sla = "late";
  CHECK(error_of(q.list(admin(), bad, n)).code == Errc::validation);
}
