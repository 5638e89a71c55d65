// CommandHandler: the one path by which ticket commands reach the log.
//
// execute(): load the aggregate (cache, or snapshot plus tail), decide, append with the
// version it was decided on. On a version conflict it reloads and decides again, at most
// kMaxAttempts times, unless the caller pinned a version (If-Match), which then answers
// Errc::precondition_failed. Commands on one ticket are serialized in-process (striped
// locks), so conflicts only come from other processes or stale caches.
//
// Idempotency: with a key, the first outcome is remembered for 24 h (IdempotencyStore);
// a repeat returns the ticket as that first outcome left it and writes nothing.
// Thread-safe; every dependency must outlive the handler.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/ids.h"
#include "commands/idempotency.h"
#include "commands/tenant_directory.h"
#include "commands/ticket_numbers.h"
#include "commands/ticket_repository.h"
#include "commands/user_directory.h"
#include "domain/ticket_commands.h"
#include "eventstore/event_store.h"

namespace ticketd {

struct CommandRequest {
  Principal principal;
  std::optional<std::uint64_t> if_match;  // expected ticket version, from If-Match
  std::string idempotency_key;            // "" = none
  std::string fingerprint;                // identifies the request body for idempotency
  std::string correlation_id;
  std::string event_id_seed;  // "" = random ids; else "<seed>/<n>" (scheduler)
};

struct CommandOutcome {
  TicketRepository::Ptr ticket;  // state after the command (or as the first outcome left it)
  bool replayed = false;         // an idempotent repeat: nothing was written
  std::size_t events_written = 0;
};

class CommandHandler {
 public:
  static constexpr int kMaxAttempts = 16;

  CommandHandler(EventStore& store, TicketRepository& tickets, TenantDirectory& tenants, UserDirectory& users,
                 TicketNumbers& numbers, IdempotencyStore& idempotency, Clock& clock, IdSource& ids)
      : store_(store),
        tickets_(tickets),
        tenants_(tenants),
        users_(users),
        numbers_(numbers),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids) {}

  // Creates a ticket; id and number are chosen here (the command's are ignored).
  [[nodiscard]] Result<CommandOutcome> create(CreateTicket command, const CommandRequest& request);

  [[nodiscard]] Result<CommandOutcome> execute(const std::string& ticket_id, TicketCommand command,
                                               const CommandRequest& request);

  // The ticket as `principal` may see it, or Errc::not_found.
  [[nodiscard]] Result<TicketRepository::Ptr> get(const std::string& ticket_id, const Principal& principal);

 private:
  Result<CommandOutcome> run(const std::string& ticket_id, TicketCommand& command, const CommandRequest& request);
  Result<bool> user_covers(const UserRecord& user, const std::string& tenant);
  Result<void> enrich(const Ticket& state, TicketCommand& command, const Principal& principal);
  std::vector<NewEvent> to_records(const std::vector<TicketEvent>& events, const CommandRequest& request,
                                   Timestamp now);
  std::mutex& stripe(const std::string& ticket_id);
  Result<std::optional<CommandOutcome>> replay_if_repeated(const CommandRequest& request);
  void remember_outcome(const CommandRequest& request, const CommandOutcome& outcome);

  EventStore& store_;
  TicketRepository& tickets_;
  TenantDirectory& tenants_;
  UserDirectory& users_;
  TicketNumbers& numbers_;
  IdempotencyStore& idempotency_;
  Clock& clock_;
  IdSource& ids_;
  std::array<std::mutex, 256> stripes_;
};

}  // namespace ticketd
