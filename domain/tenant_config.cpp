#include "domain/tenant_config.h"

#include <algorithm>

namespace ticketd {

using std::chrono::hours;
using std::chrono::minutes;

bool BusinessCalendar::always_open() const {
  return std::all_of(weekly.begin(), weekly.end(), [](const auto& day) { return day.empty(); });
}

std::map<Priority, SlaTarget> TenantConfig::default_sla() {
  return {
      {Priority::urgent, {hours(1), hours(4)}},
      {Priority::high, {hours(4), hours(24)}},
      {Priority::medium, {hours(8), hours(72)}},
      {Priority::low, {hours(24), hours(120)}},
  };
}

bool TenantConfig::has_category(const std::string& c) const {
  return std::find(categories.begin(), categories.end(), c) != categories.end();
}

bool TenantConfig::has_queue(const std::string& q) const {
  return std::find(queues.begin(), queues.end(), q) != queues.end();
}

SlaTarget TenantConfig::target_for(Priority p) const {
  auto it = sla.find(p);
  return it != sla.end() ? it->second : default_sla().at(p);
}

}  // namespace ticketd
