// SLA arithmetic: business hours across a DST change and a holiday, pauses, reopen,
// and the exact instants of at_risk and breach.
#include "domain/sla.h"

#include <doctest/doctest.h>

#include "domain/ticket_workflow.h"
#include "events/time_zones.h"

using namespace ticketd;
using namespace std::chrono_literals;

namespace {

Timestamp at(const char* text) { return *parse_rfc3339(text); }

BusinessCalendar berlin_office_hours() {
  BusinessCalendar cal;
  cal.time_zone = "Europe/Berlin";
  for (int wd = 1; wd <= 5; ++wd) cal.weekly[wd] = {{9 * 60, 17 * 60}};  // Mon-Fri 09:00-17:00
  return cal;
}

}  // namespace

TEST_CASE("24x7: due, at_risk and breach instants are exact") {
  UtcRules utc;
  BusinessCalendar always;
  SlaClock clock;
  clock.running_since = at("2026-11-20T10:00:00Z");
  const auto target = 60min;
  auto s = evaluate_sla(clock, target, always, utc, at("2026-11-20T10:47:59Z"));
  CHECK(s.state == SlaState::ok);
  CHECK(*s.due == at("2026-11-20T11:00:00Z"));
  CHECK(*s.at_risk_from == at("2026-11-20T10:48:00Z"));
  CHECK(evaluate_sla(clock, target, always, utc, at("2026-11-20T10:48:00Z")).state == SlaState::at_risk);
  CHECK(evaluate_sla(clock, target, always, utc, at("2026-11-20T11:00:00Z")).state == SlaState::at_risk);
  CHECK(evaluate_sla(clock, target, always, utc, at("2026-11-20T11:00:00.000001Z")).state == SlaState::breached);
}

TEST_CASE("office hours in Berlin across the DST change, and a holiday") {
  TimeZones zones;
  const TimeZoneRules& berlin = **zones.get("Europe/Berlin");
  BusinessCalendar cal = berlin_office_hours();
  // Friday 2026-03-27 16:00 CET (UTC+1) = 15:00Z. Clocks go forward on Sunday 29 March.
  const Timestamp created = at("2026-03-27T15:00:00Z");
  // 4 business hours: 1 h on Friday, 3 h on Monday 30 March from 09:00 CEST (UTC+2).
  CHECK(*add_business_time(cal, berlin, created, 4h) == at("2026-03-30T10:00:00Z"));
  CHECK(business_time(cal, berlin, created, at("2026-03-30T10:00:00Z")) == 4h);
  // Nothing counts over the weekend or at night.
  CHECK(business_time(cal, berlin, at("2026-03-27T16:00:00Z"), at("2026-03-30T07:00:00Z")) == 0h);

  cal.holidays.push_back(std::chrono::sys_days{std::chrono::year{2026} / 3 / 30});
  CHECK(*add_business_time(cal, berlin, created, 4h) == at("2026-03-31T10:00:00Z"));

  // Autumn: clocks go back on Sunday 25 October 2026; Monday 26th 09:00 CET = 08:00Z.
  cal.holidays.clear();
  CHECK(*add_business_time(cal, berlin, at("2026-10-23T14:00:00Z"), 2h) == at("2026-10-26T09:00:00Z"));
  CHECK_FALSE(zones.get("Mars/Olympus_Mons").has_value());
}

TEST_CASE("pauses stop the clocks; a staff reply ends first response; reopen restarts resolution") {
  UtcRules utc;
  BusinessCalendar always;
  TenantConfig config;
  config.id = "acme";
  const Principal customer{"c1", "acme", Role::customer, "", ""};
  const Principal agent{"a1", "acme", Role::agent, "", ""};
  auto run = [&](Ticket t, const TicketCommand& c, const Principal& p, Timestamp now) {
    auto events = decide(t, c, DecideContext{p, now, true, config});
    REQUIRE_MESSAGE(events.has_value(), events.error().message);
    for (const auto& e : *events) t = apply(std::move(t), e, now);
    return t;
  };
  const Timestamp t0 = at("2026-11-20T08:00:00Z");
  Ticket t =
      run(Ticket{},
          CreateTicket{"T1", "TICK-2026-000001", "acme", "VPN down", "", {}, {}, Priority::high, {}, {}, {}, {}, {}},
          customer, t0);
  t = run(std::move(t), AssignTicket{"a1", KnownUser{"a1", "acme", Role::agent}, true}, agent, t0 + 10min);
  t = run(std::move(t), ChangeStatus{Status::in_progress, {}}, agent, t0 + 20min);
  // An internal note does not answer the customer; a public staff comment does.
  t = run(std::move(t), AddComment{"c-1", "checking logs", Visibility::internal, {}, {}}, agent, t0 + 30min);
  CHECK_FALSE(t.first_response.met_at.has_value());
  t = run(std::move(t), AddComment{"c-2", "Restart the client?", Visibility::public_, {}, {}}, agent, t0 + 45min);
  CHECK(*t.first_response.met_at == t0 + 45min);
  CHECK(evaluate_sla(t.first_response, 4h, always, utc, t0 + 5h).state == SlaState::met);

  // Waiting on the customer for 3 hours does not count against resolution (24 h for high).
  t = run(std::move(t), ChangeStatus{Status::waiting_on_customer, {}}, agent, t0 + 1h);
  auto paused = evaluate_sla(t.resolution_clock, 24h, always, utc, t0 + 4h);
  CHECK(paused.state == SlaState::paused);
  CHECK(paused.consumed == 1h);
  CHECK_FALSE(paused.due.has_value());
  t = run(std::move(t), AddComment{"c-3", "still broken", Visibility::public_, {}, {}}, customer, t0 + 4h);
  CHECK(t.status == Status::in_progress);
  auto running = evaluate_sla(t.resolution_clock, 24h, always, utc, t0 + 5h);
  CHECK(running.consumed == 2h);
  CHECK(*running.due == t0 + 4h + 23h);  // 1 h used before the pause, 23 h left from t0+4h

  // Resolve at +6h, reopen two days later: the resolution clock starts from zero.
  t = run(std::move(t), ChangeStatus{Status::resolved, Resolution{ResolutionCode::resolved, "new profile"}}, agent,
          t0 + 6h);
  CHECK(evaluate_sla(t.resolution_clock, 24h, always, utc, t0 + 7h).state == SlaState::met);
  t = run(std::move(t), ChangeStatus{Status::open, {}}, customer, t0 + 54h);
  auto restarted = evaluate_sla(t.resolution_clock, 24h, always, utc, t0 + 55h);
  CHECK(restarted.state == SlaState::ok);
  CHECK(restarted.consumed == 1h);
  CHECK(*restarted.due == t0 + 54h + 24h);
}

TEST_CASE("a breach that happened before a pause keeps its exact instant") {
  UtcRules utc;
  BusinessCalendar always;
  SlaClock clock;
  clock.ran = {{at("2026-11-20T08:00:00Z"), at("2026-11-20T10:00:00Z")}};
  auto s = evaluate_sla(clock, 90min, always, utc, at("2026-11-21T00:00:00Z"));
  CHECK(s.state == SlaState::breached);
  CHECK(*s.due == at("2026-11-20T09:30:00Z"));
}
