#include "domain/tenant_config.h"

#include <algorithm>
#include <array>
#include <utility>

namespace ticketd {

using std::chrono::hours;
using std::chrono::minutes;

namespace {
constexpr std::array<std::pair<AssignmentMode, std::string_view>, 3> kModes{{
    {AssignmentMode::manual, "manual"},
    {AssignmentMode::round_robin, "round_robin"},
    {AssignmentMode::least_loaded, "least_loaded"},
}};
}  // namespace

std::string_view name_of(AssignmentMode mode) {
  for (const auto& [m, name] : kModes) {
    if (m == mode) return name;
  }
  return "manual";
}

std::optional<AssignmentMode> parse_assignment_mode(std::string_view text) {
  for (const auto& [m, name] : kModes) {
    if (name == text) return m;
  }
  return std::nullopt;
}

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

AssignmentMode TenantConfig::assignment_of(const std::string& queue) const {
  auto it = assignment.find(queue);
  return it != assignment.end() ? it->second : AssignmentMode::manual;
}

const Macro* TenantConfig::macro(std::string_view macro_id) const {
  auto it = std::find_if(macros.begin(), macros.end(), [&](const Macro& m) { return m.id == macro_id; });
  return it != macros.end() ? &*it : nullptr;
}

const TicketTemplate* TenantConfig::ticket_template(std::string_view template_id) const {
  auto it =
      std::find_if(templates.begin(), templates.end(), [&](const TicketTemplate& t) { return t.id == template_id; });
  return it != templates.end() ? &*it : nullptr;
}

}  // namespace ticketd
