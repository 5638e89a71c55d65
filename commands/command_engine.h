// The command side of ticketd wired on one event store: repository, directories,
// numbers, idempotency, handler and the SLA scheduler. The one place that knows how the
// parts fit; ticketd, ticketctl, tests and benchmarks all build this.
// `store`, `clock` and `ids` must outlive the engine.
#pragma once

#include "commands/command_handler.h"
#include "commands/sla_scheduler.h"
#include "events/time_zones.h"

namespace ticketd {

struct CommandEngine {
  CommandEngine(EventStore& event_store, Clock& clock, IdSource& ids, TicketRepositoryOptions repository = {})
      : store(event_store),
        tickets(event_store, repository),
        tenants(event_store),
        users(event_store),
        numbers(event_store),
        idempotency(event_store),
        handler(event_store, tickets, tenants, users, numbers, idempotency, clock, ids),
        scheduler(handler, tickets, tenants, zones, clock),
        active(event_store) {}

  EventStore& store;
  TicketRepository tickets;
  TenantDirectory tenants;
  UserDirectory users;
  TicketNumbers numbers;
  IdempotencyStore idempotency;
  CommandHandler handler;
  TimeZones zones;
  SlaScheduler scheduler;
  ActiveTickets active;
};

}  // namespace ticketd
