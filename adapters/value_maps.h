// External statuses, priorities and types -> ticketd's (docs/integrations.md, "Mapping"):
// the connection's own map first (by the system's name for the value), then the defaults
// of the system. nullopt means unknown: the adapter keeps the value, reports it in the
// integration's status and changes nothing; it never guesses.
#pragma once

#include <optional>
#include <string>

#include "adapters/external_ticket.h"
#include "domain/ticket_vocabulary.h"
#include "http/integrations_port.h"

namespace ticketd {

// Defaults: Jira by statusCategory.key (new, indeterminate, done); Zammad by state type
// (its default state names are the types); SMAX by Status (RequestStatus*), then PhaseId.
[[nodiscard]] std::optional<Status> map_status(ExternalSystem system, const http::ConnectionSettings& c,
                                               const ExternalTicket& t);
// Defaults: Jira Highest/High/Medium/Low/Lowest, Zammad "1 low"/"2 normal"/"3 high",
// SMAX CriticalPriority/HighPriority/MediumPriority/LowPriority.
[[nodiscard]] std::optional<Priority> map_priority(ExternalSystem system, const http::ConnectionSettings& c,
                                                   const std::string& name);
// No defaults beyond ticketd's own names: types differ per installation.
[[nodiscard]] std::optional<TicketType> map_type(const http::ConnectionSettings& c, const std::string& name);

}  // namespace ticketd
