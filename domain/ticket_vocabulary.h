// The closed vocabularies of a ticket: statuses, priorities, types, visibilities and
// resolution codes, with their wire names (docs/domain.md). Parsing never accepts anything
// else, so unknown enum values are validation errors at the boundary.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace ticketd {

enum class Status { new_, open, in_progress, waiting_on_customer, waiting_on_third_party, resolved, closed };
enum class Priority { low, medium, high, urgent };
enum class TicketType { question, incident, service_request, change_request };
enum class Visibility { public_, internal };
enum class ResolutionCode { resolved, canceled, duplicate, wont_fix };

[[nodiscard]] std::string_view name_of(Status v);
[[nodiscard]] std::string_view name_of(Priority v);
[[nodiscard]] std::string_view name_of(TicketType v);
[[nodiscard]] std::string_view name_of(Visibility v);
[[nodiscard]] std::string_view name_of(ResolutionCode v);

[[nodiscard]] std::optional<Status> parse_status(std::string_view s);
[[nodiscard]] std::optional<Priority> parse_priority(std::string_view s);
[[nodiscard]] std::optional<TicketType> parse_ticket_type(std::string_view s);
[[nodiscard]] std::optional<Visibility> parse_visibility(std::string_view s);
[[nodiscard]] std::optional<ResolutionCode> parse_resolution_code(std::string_view s);

[[nodiscard]] std::span<const Status> all_statuses();
[[nodiscard]] std::span<const Priority> all_priorities();
[[nodiscard]] std::span<const TicketType> all_ticket_types();

// Statuses in which the SLA clocks do not run.
[[nodiscard]] bool sla_paused(Status s);
// Statuses of work still to do (everything before resolved).
[[nodiscard]] bool is_active(Status s);

}  // namespace ticketd
