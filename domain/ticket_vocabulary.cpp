#include "domain/ticket_vocabulary.h"

#include <array>
#include <utility>

namespace ticketd {
namespace {

template <class E, std::size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

constexpr Names<Status, 7> kStatuses{{{Status::new_, "new"},
                                      {Status::open, "open"},
                                      {Status::in_progress, "in_progress"},
                                      {Status::waiting_on_customer, "waiting_on_customer"},
                                      {Status::waiting_on_third_party, "waiting_on_third_party"},
                                      {Status::resolved, "resolved"},
                                      {Status::closed, "closed"}}};
constexpr Names<Priority, 4> kPriorities{
    {{Priority::low, "low"}, {Priority::medium, "medium"}, {Priority::high, "high"}, {Priority::urgent, "urgent"}}};
constexpr Names<TicketType, 4> kTypes{{{TicketType::question, "question"},
                                       {TicketType::incident, "incident"},
                                       {TicketType::service_request, "service_request"},
                                       {TicketType::change_request, "change_request"}}};
constexpr Names<Visibility, 2> kVisibilities{{{Visibility::public_, "public"}, {Visibility::internal, "internal"}}};
constexpr Names<ResolutionCode, 4> kCodes{{{ResolutionCode::resolved, "resolved"},
                                           {ResolutionCode::canceled, "canceled"},
                                           {ResolutionCode::duplicate, "duplicate"},
                                           {ResolutionCode::wont_fix, "wont_fix"}}};

constexpr std::array<Status, 7> kStatusList{
    Status::new_,     Status::open,  Status::in_progress, Status::waiting_on_customer, Status::waiting_on_third_party,
    Status::resolved, Status::closed};
constexpr std::array<Priority, 4> kPriorityList{Priority::low, Priority::medium, Priority::high, Priority::urgent};
constexpr std::array<TicketType, 4> kTypeList{TicketType::question, TicketType::incident, TicketType::service_request,
                                              TicketType::change_request};

template <class E, std::size_t N>
std::string_view name_in(const Names<E, N>& names, E v) {
  for (const auto& [e, n] : names) {
    if (e == v) return n;
  }
  return "unknown";
}

template <class E, std::size_t N>
std::optional<E> parse_in(const Names<E, N>& names, std::string_view s) {
  for (const auto& [e, n] : names) {
    if (n == s) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view name_of(Status v) { return name_in(kStatuses, v); }
std::string_view name_of(Priority v) { return name_in(kPriorities, v); }
std::string_view name_of(TicketType v) { return name_in(kTypes, v); }
std::string_view name_of(Visibility v) { return name_in(kVisibilities, v); }
std::string_view name_of(ResolutionCode v) { return name_in(kCodes, v); }

std::optional<Status> parse_status(std::string_view s) { return parse_in(kStatuses, s); }
std::optional<Priority> parse_priority(std::string_view s) { return parse_in(kPriorities, s); }
std::optional<TicketType> parse_ticket_type(std::string_view s) { return parse_in(kTypes, s); }
std::optional<Visibility> parse_visibility(std::string_view s) { return parse_in(kVisibilities, s); }
std::optional<ResolutionCode> parse_resolution_code(std::string_view s) { return parse_in(kCodes, s); }

std::span<const Status> all_statuses() { return kStatusList; }
std::span<const Priority> all_priorities() { return kPriorityList; }
std::span<const TicketType> all_ticket_types() { return kTypeList; }

bool sla_paused(Status s) {
  return s == Status::waiting_on_customer || s == Status::waiting_on_third_party || s == Status::resolved ||
         s == Status::closed;
}

bool is_active(Status s) { return s != Status::resolved && s != Status::closed; }

}  // namespace ticketd
