// A ticket template: what a customer picks in the portal to start a ticket of a kind, with
// type, category, priority, queue, tags, a subject prefix and a description skeleton
// filled in. Templates are part of the tenant's configuration (TenantConfig::templates;
// events/tenant_config_codec.cpp validates them against TenantConfigLimits and the
// tenant's categories and queues). docs/automations.md, "Ticket templates".
//
// prefill() is pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/ticket_vocabulary.h"

namespace ticketd {

struct CreateTicket;

struct TicketTemplate {
  std::string id;
  std::string name;
  std::optional<TicketType> type;  // nullopt: the ticket's default
  std::optional<std::string> category;
  std::optional<Priority> priority;
  std::optional<std::string> queue;
  std::vector<std::string> tags;
  std::string subject_prefix;  // "" = none; put before the subject
  std::string description;     // the skeleton, used when no description is sent
  friend bool operator==(const TicketTemplate&, const TicketTemplate&) = default;
};

// Fills what `c` leaves out from `t`: what the request sent wins. An empty description or
// tag list counts as not sent. The subject gets the prefix (unless it starts with it).
void prefill(CreateTicket& c, const TicketTemplate& t);

}  // namespace ticketd
