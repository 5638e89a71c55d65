#include "adapters/value_maps.h"

#include <utility>
#include <vector>

namespace ticketd {

namespace {

using Map = std::vector<std::pair<std::string, std::string>>;

std::optional<std::string> lookup(const Map& map, const std::string& name) {
  for (const auto& [from, to] : map) {
    if (from == name) return to;
  }
  return std::nullopt;
}

template <class T, std::size_t N>
std::optional<T> from_table(const std::pair<std::string_view, T> (&table)[N], std::string_view name) {
  for (const auto& [from, to] : table) {
    if (from == name) return to;
  }
  return std::nullopt;
}

constexpr std::pair<std::string_view, Status> kJiraCategories[] = {
    {"new", Status::new_}, {"indeterminate", Status::in_progress}, {"done", Status::resolved}};
constexpr std::pair<std::string_view, Status> kZammadStateTypes[] = {{"new", Status::new_},
                                                                     {"open", Status::open},
                                                                     {"pending reminder", Status::waiting_on_customer},
                                                                     {"pending action", Status::waiting_on_third_party},
                                                                     {"pending close", Status::resolved},
                                                                     {"closed", Status::closed},
                                                                     {"merged", Status::closed},
                                                                     {"removed", Status::closed}};
constexpr std::pair<std::string_view, Status> kSmaxStatuses[] = {
    {"RequestStatusReady", Status::open},
    {"RequestStatusInProgress", Status::in_progress},
    {"RequestStatusPending", Status::waiting_on_third_party},
    {"RequestStatusSuspended", Status::waiting_on_third_party},
    {"RequestStatusComplete", Status::resolved}};
constexpr std::pair<std::string_view, Status> kSmaxPhases[] = {
    {"Log", Status::new_},        {"Classify", Status::open}, {"Fulfill", Status::in_progress},
    {"Review", Status::resolved}, {"Close", Status::closed},  {"Abandon", Status::closed}};

constexpr std::pair<std::string_view, Priority> kJiraPriorities[] = {{"Highest", Priority::urgent},
                                                                     {"High", Priority::high},
                                                                     {"Medium", Priority::medium},
                                                                     {"Low", Priority::low},
                                                                     {"Lowest", Priority::low}};
constexpr std::pair<std::string_view, Priority> kZammadPriorities[] = {
    {"1 low", Priority::low}, {"2 normal", Priority::medium}, {"3 high", Priority::high}};
constexpr std::pair<std::string_view, Priority> kSmaxPriorities[] = {{"CriticalPriority", Priority::urgent},
                                                                     {"HighPriority", Priority::high},
                                                                     {"MediumPriority", Priority::medium},
                                                                     {"LowPriority", Priority::low}};

}  // namespace

std::optional<Status> map_status(ExternalSystem system, const http::ConnectionSettings& c, const ExternalTicket& t) {
  if (t.status) {
    if (auto mapped = lookup(c.status_map, *t.status)) return parse_status(*mapped);
  }
  switch (system) {
    case ExternalSystem::jira:
      if (t.status_category) return from_table(kJiraCategories, *t.status_category);
      return std::nullopt;
    case ExternalSystem::zammad:
      if (t.status_category) return from_table(kZammadStateTypes, *t.status_category);
      if (t.status) return from_table(kZammadStateTypes, *t.status);
      return std::nullopt;
    case ExternalSystem::smax: {
      std::optional<Status> s;
      if (t.status) s = from_table(kSmaxStatuses, *t.status);
      // Complete + PhaseId Close is closed (HP's SAW mapping).
      if (s == Status::resolved && t.status_category == "Close") return Status::closed;
      if (!s && t.status_category) s = from_table(kSmaxPhases, *t.status_category);
      return s;
    }
  }
  return std::nullopt;
}

std::optional<Priority> map_priority(ExternalSystem system, const http::ConnectionSettings& c,
                                     const std::string& name) {
  if (auto mapped = lookup(c.priority_map, name)) return parse_priority(*mapped);
  switch (system) {
    case ExternalSystem::jira:
      return from_table(kJiraPriorities, name);
    case ExternalSystem::zammad:
      return from_table(kZammadPriorities, name);
    case ExternalSystem::smax:
      return from_table(kSmaxPriorities, name);
  }
  return std::nullopt;
}

std::optional<TicketType> map_type(const http::ConnectionSettings& c, const std::string& name) {
  if (auto mapped = lookup(c.type_map, name)) return parse_ticket_type(*mapped);
  return parse_ticket_type(name);
}

}  // namespace ticketd
