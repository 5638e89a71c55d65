// CommandEngine: the command side of ticketd, and the only way http/ and app/ reach it.
// It wires the repository, the tenant and user directories, ticket numbers,
// idempotency, the command handler and the SLA scheduler on one event store, and keeps
// them private; callers get the operations below.
//
// Thread-safe: every method may be called from any thread. `store`, `clock` and `ids`
// must outlive the engine. Events it writes take their time from `clock` and their ids
// from `ids`.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/ids.h"
#include "commands/command_handler.h"
#include "commands/sla_scheduler.h"
#include "events/time_zones.h"

namespace ticketd {

class CommandEngine {
 public:
  CommandEngine(EventStore& store, Clock& clock, IdSource& ids, FieldCipher& cipher,
                TicketRepositoryOptions repository = {});
  ~CommandEngine();
  CommandEngine(const CommandEngine&) = delete;
  CommandEngine& operator=(const CommandEngine&) = delete;

  // Tickets (see CommandHandler for retries, If-Match and idempotency).
  [[nodiscard]] Result<CommandOutcome> create(CreateTicket command, const CommandRequest& request);
  [[nodiscard]] Result<CommandOutcome> execute(const std::string& ticket_id, TicketCommand command,
                                               const CommandRequest& request);
  // Ticket ids never contain ':' (events/streams.h): another stream's name is not_found
  // for these three.
  // The ticket as `who` may see it, or Errc::not_found.
  [[nodiscard]] Result<TicketRepository::Ptr> ticket(const std::string& ticket_id, const Principal& who);
  // The ticket as the system sees it, at `version` or later: a follower of the log may read
  // a record a moment before the handler that appended it has cached the new state, and
  // then the state is read from the log.
  [[nodiscard]] Result<TicketRepository::Ptr> ticket_at_least(const std::string& ticket_id, std::uint64_t version);
  // The ticket replayed up to `until` (the caller has checked it may see the ticket).
  [[nodiscard]] Result<Ticket> ticket_as_of(const std::string& ticket_id, Timestamp until);

  // Tenants: configuration, scope, time zones.
  [[nodiscard]] Result<TenantConfig> tenant(const std::string& tenant);
  // Appends `config` as `actor` (the caller has checked the actor may).
  [[nodiscard]] Result<TenantConfig> configure_tenant(TenantConfig config, const Principal& actor);
  // Whether `who` may see things of `tenant`.
  [[nodiscard]] Result<bool> covers(const Principal& who, const std::string& tenant);
  [[nodiscard]] Result<const TimeZoneRules*> time_zone(const std::string& name);

  // Users.
  [[nodiscard]] Result<std::optional<UserRecord>> user(const std::string& sub);
  [[nodiscard]] Result<void> record_user(const UserRecord& user, const Principal& actor);
  // Records `who` in the user directory when first seen or when its claims changed.
  // forbidden when the directory holds `who.sub` in another tenant: a token does not move
  // a user between tenants (record_user by an admin does).
  [[nodiscard]] Result<void> remember_principal(const Principal& who);
  // The same check without recording (a follower, whose directory is its leader's).
  [[nodiscard]] Result<void> check_principal(const Principal& who);

  // A follower appended `record` outside the engine (replication/): drops what the caches
  // hold of its stream (after a privacy.erased: everything), so no reader is served a
  // state from before it.
  void note_replicated(const EventRecord& record);

  // Erasure (docs/privacy.md): destroys every key of data subject `sub`, records
  // `privacy.erased` as `actor`, and empties the ticket and user caches. The caller has
  // checked that `actor` may. Idempotent: erasing again destroys nothing and records again.
  // A failure or a crash after the keys were destroyed (the append) leaves the erasure in
  // force and pending in the key store until a retry or record_pending_erasures() records it.
  struct Erasure {
    std::size_t keys = 0;        // key ids of the subject, destroyed now or before
    std::uint64_t position = 0;  // the privacy.erased record
  };
  [[nodiscard]] Result<Erasure> erase_subject(const std::string& sub, const Principal& actor);
  // Records, as the system principal, every erasure the key store holds pending (its keys
  // destroyed, the process gone before the append): ticketd calls it before serving, so
  // the read models rewrite those subjects' tickets too. How many it recorded.
  [[nodiscard]] Result<std::size_t> record_pending_erasures();

  // The tenant an event of the log belongs to ("" for none: ticket-number streams).
  [[nodiscard]] std::string tenant_of(const EventRecord& event);

  // Time-driven work: follows the log for tickets still open, then issues the SLA
  // warnings, breaches and auto-closes that are due now, then purges a batch of expired
  // idempotency records (IdempotencyStore::purge_due). One caller at a time.
  [[nodiscard]] Result<SchedulerReport> run_scheduler();

  // A record's data as stored, with every sealed value opened ("[erased]" where its key
  // is gone): what history and the event feed show.
  [[nodiscard]] Result<std::string> open_record_data(const EventRecord& record) const;

  // The log, for reading (history, the event log, probes and metrics).
  [[nodiscard]] const EventStore& log() const;

 private:
  static Result<void> same_tenant(const std::optional<UserRecord>& known, const Principal& who);
  Result<Erasure> record_erasure(const std::string& sub, const std::vector<std::string>& key_ids,
                                 const Principal& actor);

  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace ticketd
