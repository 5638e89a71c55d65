// CommandHandler: the one path by which ticket commands reach the log.
//
// execute(): load the aggregate (cache, or snapshot plus tail), decide, append with the
// version it was decided on. On a version conflict it reloads and decides again, at most
// kMaxAttempts times, unless the caller pinned a version (If-Match), which then answers
// Errc::precondition_failed. Commands on one ticket are serialized in-process (striped
// locks), so conflicts only come from other processes or stale caches.
//
// Idempotency (see IdempotencyStore for keys, windows and the table's bound): commands
// with one key of one principal run one at a time. Within 24 h of the key's first use,
// the same request (same fingerprint) returns the ticket as the first outcome left it,
// marked replayed, and writes nothing; another fingerprint is Errc::validation; a failed
// command is not remembered. When the record is gone (a crash after the append, or the
// bound), the log answers: if the stream holds the events of the key's window, recorded
// less than 24 h ago, that is the outcome replayed (the fingerprint can then not be
// compared; for a create it is part of the ticket id). After 24 h the key is a new
// request, with new event ids (and a new ticket id for a create).
// Thread-safe; every dependency must outlive the handler.
#pragma once

#include <array>
#include <functional>
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
#include "events/external_origin.h"
#include "eventstore/event_store.h"

namespace ticketd {

struct CommandRequest {
  Principal principal;
  std::optional<std::uint64_t> if_match;  // expected ticket version, from If-Match
  std::string idempotency_key;            // "" = none
  std::string fingerprint;                // identifies the request body for idempotency
  std::string correlation_id;
  std::string event_id_seed;                  // "" = random ids; else "<seed>/<n>" (scheduler)
  std::string idempotency_item = {};          // bulk: the item the key applies to ("" = the request)
  std::string causation_id = {};              // what caused the command ("" = nothing recorded)
  std::optional<ExternalOrigin> origin = {};  // a sync adapter's change: added to every event
};

struct CommandOutcome {
  TicketRepository::Ptr ticket;  // state after the command (or as the first outcome left it)
  bool replayed = false;         // an idempotent repeat: nothing was written
  std::size_t events_written = 0;
};

class CommandHandler {
 public:
  static constexpr int kMaxAttempts = 16;
  // Events one command writes at most (read back when the log answers for a lost record).
  static constexpr std::size_t kMaxEventsPerCommand = 64;

  CommandHandler(EventStore& store, TicketRepository& tickets, TenantDirectory& tenants, UserDirectory& users,
                 TicketNumbers& numbers, IdempotencyStore& idempotency, Clock& clock, IdSource& ids,
                 FieldCipher& cipher)
      : store_(store),
        tickets_(tickets),
        tenants_(tenants),
        users_(users),
        numbers_(numbers),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids),
        cipher_(cipher) {}

  // Creates a ticket; id and number are chosen here (the command's are ignored).
  [[nodiscard]] Result<CommandOutcome> create(CreateTicket command, const CommandRequest& request);

  [[nodiscard]] Result<CommandOutcome> execute(const std::string& ticket_id, TicketCommand command,
                                               const CommandRequest& request);

  // The ticket as `principal` may see it, or Errc::not_found.
  [[nodiscard]] Result<TicketRepository::Ptr> get(const std::string& ticket_id, const Principal& principal);

 private:
  // The event ids of a keyed command: its key and the window of its first use.
  struct KeyedIds {
    IdempotencyKey key;
    std::int64_t window = 0;
  };
  // The stream a keyed command writes (a create's ticket id depends on its ids).
  using StreamOf = std::function<std::string(const KeyedIds& ids)>;
  // Runs the command new, on the stream of `ids.window`.
  using RunNew = std::function<Result<CommandOutcome>(const KeyedIds& ids)>;

  Result<CommandOutcome> run(const std::string& ticket_id, TicketCommand& command, const CommandRequest& request,
                             const std::optional<KeyedIds>& keyed);
  Result<bool> user_covers(const UserRecord& user, const std::string& tenant);
  Result<void> enrich(const Ticket& state, TicketCommand& command, const Principal& principal);
  // The assignee's directory entry and whether its scope covers the ticket (AssignTicket).
  Result<void> enrich_assignee(const Ticket& state, AssignTicket& assign);
  // A user's name for a placeholder: "" when unknown or erased (never personal data then).
  Result<std::string> name_for_placeholder(const std::string& sub);
  // ApplyMacro: the macro of the principal's tenant, its comment rendered, its assignee.
  Result<void> enrich_macro(const Ticket& state, ApplyMacro& apply, const Principal& principal);
  // The records of `events`, personal fields sealed (the resolution's under `requester`).
  Result<std::vector<NewEvent>> to_records(const std::vector<TicketEvent>& events, const std::string& requester,
                                           const CommandRequest& request, const std::optional<KeyedIds>& keyed,
                                           Timestamp now);
  std::mutex& stripe(const std::string& ticket_id);
  // The idempotency rules above around `run_new`, for a request with a key.
  Result<CommandOutcome> once(const CommandRequest& request, const StreamOf& stream_of, const RunNew& run_new);
  // The outcome the log holds for `ids` on `stream`, if its first event is younger than 24 h.
  Result<std::optional<std::pair<CommandOutcome, Timestamp>>> logged_outcome(const KeyedIds& ids,
                                                                             const std::string& stream, Timestamp now);

  EventStore& store_;
  TicketRepository& tickets_;
  TenantDirectory& tenants_;
  UserDirectory& users_;
  TicketNumbers& numbers_;
  IdempotencyStore& idempotency_;
  Clock& clock_;
  IdSource& ids_;
  FieldCipher& cipher_;
  std::array<std::mutex, 256> stripes_;
  std::array<std::mutex, 256> key_stripes_;  // taken before a ticket's stripe, never after
};

}  // namespace ticketd
