#include "domain/sla.h"

#include <algorithm>

namespace ticketd {
namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::microseconds;
using std::chrono::minutes;
using std::chrono::sys_days;

// The UTC instant of local wall time `local` (as if UTC). Around a DST change the offset
// is re-evaluated once, which picks the later meaning of an ambiguous local time and
// moves a skipped local time forward.
Timestamp local_to_utc(const TimeZoneRules& tz, Timestamp local) {
  const auto guess = local - tz.offset_at(local);
  return local - tz.offset_at(guess);
}

bool is_holiday(const BusinessCalendar& cal, sys_days day) {
  return std::find(cal.holidays.begin(), cal.holidays.end(), day) != cal.holidays.end();
}

// Calls f(start_utc, end_utc) for each open span of each local day touching [from, to),
// in time order, until f returns false.
template <class F>
void for_each_open_span(const BusinessCalendar& cal, const TimeZoneRules& tz, Timestamp from, Timestamp to, F f) {
  const auto local_from = from + tz.offset_at(from);
  auto day = floor<days>(local_from) - days{1};  // a span of the previous local day may still be open
  const auto last_day = floor<days>(to + tz.offset_at(to)) + days{1};
  for (; day <= last_day; day += days{1}) {
    if (is_holiday(cal, day)) continue;
    const std::chrono::weekday wd{day};
    for (const auto& span : cal.weekly[wd.c_encoding()]) {
      const Timestamp s = local_to_utc(tz, Timestamp{day} + minutes{span.start_minute});
      const Timestamp e = local_to_utc(tz, Timestamp{day} + minutes{span.end_minute});
      const Timestamp a = std::max(s, from);
      const Timestamp b = std::min(e, to);
      if (a < b && !f(a, b)) return;
    }
  }
}

}  // namespace

microseconds business_time(const BusinessCalendar& cal, const TimeZoneRules& tz, Timestamp from, Timestamp to) {
  if (to <= from) return microseconds{0};
  if (cal.always_open()) return to - from;
  microseconds total{0};
  for_each_open_span(cal, tz, from, to, [&](Timestamp a, Timestamp b) {
    total += b - a;
    return true;
  });
  return total;
}

std::optional<Timestamp> add_business_time(const BusinessCalendar& cal, const TimeZoneRules& tz, Timestamp from,
                                           microseconds amount) {
  if (amount <= microseconds{0}) return from;
  if (cal.always_open()) return from + amount;
  std::optional<Timestamp> result;
  microseconds left = amount;
  for_each_open_span(cal, tz, from, from + kMaxDueSearch, [&](Timestamp a, Timestamp b) {
    if (b - a >= left) {
      result = a + left;
      return false;
    }
    left -= b - a;
    return true;
  });
  return result;
}

namespace {

// The instant at which `clock` has consumed `amount` of business time: inside an
// interval it already ran, or ahead of now while it runs; nullopt if neither.
std::optional<Timestamp> reaching(const SlaClock& clock, microseconds amount, const BusinessCalendar& cal,
                                  const TimeZoneRules& tz) {
  microseconds left = amount;
  for (const auto& [a, b] : clock.ran) {
    const auto used = business_time(cal, tz, a, b);
    if (used >= left) return add_business_time(cal, tz, a, left);
    left -= used;
  }
  if (clock.running_since) return add_business_time(cal, tz, *clock.running_since, left);
  return std::nullopt;
}

}  // namespace

SlaStatus evaluate_sla(const SlaClock& clock, minutes target, const BusinessCalendar& cal, const TimeZoneRules& tz,
                       Timestamp now) {
  SlaStatus s;
  s.target = target;
  for (const auto& [a, b] : clock.ran) s.consumed += business_time(cal, tz, a, b);
  if (clock.running_since) s.consumed += business_time(cal, tz, *clock.running_since, now);
  s.breached = s.consumed > s.target || clock.breached;
  s.due = reaching(clock, s.target, cal, tz);
  s.at_risk_from = reaching(clock, s.target * 8 / 10, cal, tz);
  if (clock.met_at) {
    s.state = SlaState::met;
  } else if (s.consumed > s.target) {
    s.state = SlaState::breached;
  } else if (s.consumed * 10 >= s.target * 8) {
    s.state = SlaState::at_risk;
  } else {
    s.state = clock.running_since ? SlaState::ok : SlaState::paused;
  }
  return s;
}

minutes sla_target(const TenantConfig& config, Priority p, SlaMetric metric) {
  const auto target = config.target_for(p);
  return metric == SlaMetric::first_response ? target.first_response : target.resolution;
}

}  // namespace ticketd
