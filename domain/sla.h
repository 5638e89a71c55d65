// SLA arithmetic: business time under a calendar, due instants, and a ticket's SLA state.
//
// Time zones are a port (TimeZoneRules) so the domain reads no tz database itself;
// commands/ provides the IANA implementation. A clock's consumed time is the business
// time inside the intervals it ran; it is due when that reaches the target, `at_risk`
// from 80 % of the target, `breached` past it. All functions are pure.
#pragma once

#include <chrono>
#include <optional>

#include "base/timestamp.h"
#include "domain/tenant_config.h"
#include "domain/ticket.h"
#include "domain/ticket_events.h"

namespace ticketd {

class TimeZoneRules {
 public:
  virtual ~TimeZoneRules() = default;
  // Offset of local time from UTC at the UTC instant `t` (local = utc + offset).
  [[nodiscard]] virtual std::chrono::seconds offset_at(Timestamp t) const = 0;
};

// UTC, for the default 24x7 calendar and for tests.
class UtcRules final : public TimeZoneRules {
 public:
  [[nodiscard]] std::chrono::seconds offset_at(Timestamp) const override { return std::chrono::seconds{0}; }
};

// Upper bound on how far ahead a due instant is searched (a calendar with no open
// minutes would otherwise never reach a target).
inline constexpr std::chrono::days kMaxDueSearch{3660};

// Business time between `from` and `to` (zero when to <= from).
[[nodiscard]] std::chrono::microseconds business_time(const BusinessCalendar& cal, const TimeZoneRules& tz,
                                                      Timestamp from, Timestamp to);

// The instant at which `amount` of business time has passed after `from`;
// nullopt when it is not reached within kMaxDueSearch.
[[nodiscard]] std::optional<Timestamp> add_business_time(const BusinessCalendar& cal, const TimeZoneRules& tz,
                                                         Timestamp from, std::chrono::microseconds amount);

enum class SlaState { ok, at_risk, breached, met, paused };

struct SlaStatus {
  SlaState state = SlaState::ok;
  std::optional<Timestamp> due;           // when the target is (or was) reached; nullopt while
                                          // paused short of it
  std::optional<Timestamp> at_risk_from;  // the same for 80 % of the target
  std::chrono::microseconds consumed{0};  // business time used so far
  std::chrono::microseconds target{0};
  bool breached = false;  // consumed exceeded target at some point
};

[[nodiscard]] SlaStatus evaluate_sla(const SlaClock& clock, std::chrono::minutes target, const BusinessCalendar& cal,
                                     const TimeZoneRules& tz, Timestamp now);

// The target of `metric` for priority `p` under `config`.
[[nodiscard]] std::chrono::minutes sla_target(const TenantConfig& config, Priority p, SlaMetric metric);

}  // namespace ticketd
