// InboundSync: one external ticket, as a delivery or a pull shows it, applied to ticketd
// as ordinary commands of the integration principal {sub: <system>, role: integration,
// tenant} with the delivery's ExternalOrigin on every event (docs/integrations.md,
// "Inbound"):
//   - an unknown key is imported (CreateTicket with external {system, key}, requester
//     "<system>:<reporter id>"; the idempotency key "import/<system>/<key>", so a retry
//     after a crash finds the same ticket) and linked in the IntegrationStore;
//   - subject, description, priority and type that differ are one UpdateTicket; a status
//     that maps to another ticketd status is a ChangeStatus (closing an unresolved ticket
//     resolves it first), unless the delivery is older than the newest change applied
//     (by the system's updated time, kept in the store): then only its comments count;
//   - each comment is an AddComment with the event id "<system>/<key>/comment/<id>/0",
//     so a comment delivered twice is stored once; a comment the outbox created there (its
//     echo) is skipped;
//   - each attachment is an AddAttachment reference (name, size, type, URL; no bytes) with
//     the event id "<system>/<key>/attachment/<id>/0".
// Event ids of the other commands derive from the delivery id, so re-applying a delivery
// after a crash writes nothing twice. What the domain refuses (a 409 or 422: e.g. "in
// progress" for a ticket nobody is assigned to) and values no map knows are reported, not
// retried. Not thread-safe: one caller (the inbox worker).
#pragma once

#include <string>
#include <vector>

#include "adapters/external_ticket.h"
#include "adapters/integration_store.h"
#include "base/ids.h"
#include "commands/command_engine.h"
#include "http/integrations_port.h"

namespace ticketd {

struct InboundReport {
  std::string ticket_id;
  bool created = false;
  bool stale = false;  // older than the newest change applied: fields ignored
  std::size_t events_written = 0;
  std::vector<std::string> unknown_statuses, unknown_priorities, unknown_types;
  std::vector<std::string> refused;  // "<what>: <why>" of each command the domain refused
};

class InboundSync {
 public:
  InboundSync(CommandEngine& engine, IntegrationStore& store, IdSource& ids)
      : engine_(engine), store_(store), ids_(ids) {}

  // Errors are those worth retrying (the store or the log unavailable); refusals are in
  // the report.
  [[nodiscard]] Result<InboundReport> apply(const std::string& tenant, ExternalSystem system,
                                            const http::ConnectionSettings& connection, const ExternalTicket& ticket,
                                            const std::string& delivery);

 private:
  CommandEngine& engine_;
  IntegrationStore& store_;
  IdSource& ids_;
};

}  // namespace ticketd
