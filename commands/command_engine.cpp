#include "commands/command_engine.h"

#include "commands/new_event.h"
#include "events/erasure_codec.h"
#include "events/streams.h"

namespace ticketd {

struct CommandEngine::Parts {
  Parts(EventStore& event_store, Clock& c, IdSource& i, FieldCipher& field_cipher, TicketRepositoryOptions repository)
      : store(event_store),
        clock(c),
        ids(i),
        cipher(field_cipher),
        tickets(event_store, cipher, repository),
        tenants(event_store),
        users(event_store, cipher),
        numbers(event_store),
        idempotency(event_store),
        handler(event_store, tickets, tenants, users, numbers, idempotency, clock, ids, cipher),
        scheduler(handler, tickets, tenants, zones, clock),
        active(event_store, cipher) {}

  EventStore& store;
  Clock& clock;
  IdSource& ids;
  FieldCipher& cipher;
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

CommandEngine::CommandEngine(EventStore& store, Clock& clock, IdSource& ids, FieldCipher& cipher,
                             TicketRepositoryOptions repository)
    : parts_(std::make_unique<Parts>(store, clock, ids, cipher, repository)) {}

CommandEngine::~CommandEngine() = default;

Result<CommandOutcome> CommandEngine::create(CreateTicket command, const CommandRequest& request) {
  return parts_->handler.create(std::move(command), request);
}

namespace {

// Ids that name another kind of stream ("user:alice") are no ticket: not_found, before
// anything tries to read that stream as one.
Result<void> check_ticket_id(const std::string& ticket_id) {
  if (ticket_id.empty() || !streams::is_ticket(ticket_id)) return make_error(Errc::not_found, "ticket not found");
  return {};
}

}  // namespace

Result<CommandOutcome> CommandEngine::execute(const std::string& ticket_id, TicketCommand command,
                                              const CommandRequest& request) {
  if (auto ok = check_ticket_id(ticket_id); !ok) return std::unexpected(ok.error());
  return parts_->handler.execute(ticket_id, std::move(command), request);
}

Result<TicketRepository::Ptr> CommandEngine::ticket(const std::string& ticket_id, const Principal& who) {
  if (auto ok = check_ticket_id(ticket_id); !ok) return std::unexpected(ok.error());
  return parts_->handler.get(ticket_id, who);
}

Result<TicketRepository::Ptr> CommandEngine::ticket_at_least(const std::string& ticket_id, std::uint64_t version) {
  auto t = ticket(ticket_id, system_principal(""));
  if (!t || (*t)->version >= version) return t;
  parts_->tickets.invalidate(ticket_id);
  return ticket(ticket_id, system_principal(""));
}

Result<Ticket> CommandEngine::ticket_as_of(const std::string& ticket_id, Timestamp until) {
  if (auto ok = check_ticket_id(ticket_id); !ok) return std::unexpected(ok.error());
  return parts_->tickets.load_as_of(ticket_id, until);
}

Result<CommandEngine::Erasure> CommandEngine::erase_subject(const std::string& sub, const Principal& actor) {
  auto ids = parts_->cipher.erase(sub);
  if (!ids) return std::unexpected(ids.error());
  return record_erasure(sub, *ids, actor);
}

Result<CommandEngine::Erasure> CommandEngine::record_erasure(const std::string& sub,
                                                             const std::vector<std::string>& key_ids,
                                                             const Principal& actor) {
  parts_->tickets.forget_all();
  parts_->users.forget_all();
  NewEvent e = event_by(actor, parts_->ids.next_id(), kPrivacyErased, parts_->clock.now(),
                        encode_erasure(ErasureRecord{sub, key_ids}));
  auto appended = parts_->store.append(streams::privacy(sub), ExpectedVersion::any(), {std::move(e)});
  if (!appended) return std::unexpected(appended.error());
  // Should this fail, the erasure stays pending and is recorded once more at the next
  // start: a second privacy.erased of one subject changes nothing.
  (void)parts_->cipher.keys().erasure_recorded(sub);
  return Erasure{key_ids.size(), appended->last_position};
}

Result<std::size_t> CommandEngine::record_pending_erasures() {
  auto pending = parts_->cipher.keys().pending_erasures();
  if (!pending) return std::unexpected(pending.error());
  for (const auto& sub : *pending) {
    auto ids = parts_->cipher.keys().key_ids(sub);
    if (!ids) return std::unexpected(ids.error());
    auto recorded = record_erasure(sub, *ids, system_principal(""));
    if (!recorded) return std::unexpected(recorded.error());
  }
  return pending->size();
}

Result<std::string> CommandEngine::open_record_data(const EventRecord& record) const {
  return open_sealed_values(record.data, record.type, parts_->cipher);
}

Result<TenantConfig> CommandEngine::tenant(const std::string& tenant) { return parts_->tenants.get(tenant); }

Result<TenantConfig> CommandEngine::configure_tenant(TenantConfig config, const Principal& actor) {
  return parts_->tenants.put(std::move(config), actor, parts_->clock.now(), parts_->ids.next_id());
}

Result<bool> CommandEngine::covers(const Principal& who, const std::string& tenant) {
  return parts_->tenants.covers(who, tenant);
}

Result<const TimeZoneRules*> CommandEngine::time_zone(const std::string& name) { return parts_->zones.get(name); }

Result<std::optional<UserRecord>> CommandEngine::user(const std::string& sub) { return parts_->users.get(sub); }

Result<void> CommandEngine::record_user(const UserRecord& user, const Principal& actor) {
  return parts_->users.record(user, actor, parts_->clock.now(), parts_->ids.next_id());
}

Result<void> CommandEngine::remember_principal(const Principal& who) {
  UserRecord seen{who.sub, who.tenant, who.name, who.email, who.role};
  auto known = parts_->users.get(who.sub);
  if (!known) return std::unexpected(known.error());
  if (*known) {  // a token carries no queues nor availability: the directory keeps them
    seen.queues = (*known)->queues;
    seen.available = (*known)->available;
  }
  if (*known && **known == seen) return {};
  if (auto ok = same_tenant(*known, who); !ok) return ok;
  return record_user(seen, who);
}

Result<void> CommandEngine::check_principal(const Principal& who) {
  auto known = parts_->users.get(who.sub);
  if (!known) return std::unexpected(known.error());
  return same_tenant(*known, who);
}

Result<void> CommandEngine::same_tenant(const std::optional<UserRecord>& known, const Principal& who) {
  if (known && known->tenant != who.tenant) {
    // A user's tenant moves only through the directory (an admin covering both tenants);
    // a token naming another tenant would otherwise flip the record and its scope.
    return make_error(Errc::forbidden, "the token's tenant is not this user's tenant in the directory");
  }
  return {};
}

void CommandEngine::note_replicated(const EventRecord& record) {
  const std::string& stream = record.stream;
  if (record.type == kPrivacyErased) {
    parts_->tickets.forget_all();
    parts_->users.forget_all();
  } else if (streams::is_ticket(stream)) {
    parts_->tickets.invalidate(stream);
  } else if (stream.starts_with(streams::kUserPrefix)) {
    parts_->users.invalidate(stream.substr(streams::kUserPrefix.size()));
  } else if (stream.starts_with(streams::kTenantPrefix)) {
    parts_->tenants.invalidate(stream.substr(streams::kTenantPrefix.size()));
  }
}

std::string CommandEngine::tenant_of(const EventRecord& event) {
  const std::string& stream = event.stream;
  if (stream.starts_with(streams::kTenantPrefix)) return stream.substr(streams::kTenantPrefix.size());
  if (stream.starts_with(streams::kUserPrefix)) {
    auto u = parts_->users.get(stream.substr(streams::kUserPrefix.size()));
    return u && *u ? (*u)->tenant : std::string();
  }
  if (!streams::is_ticket(stream)) return {};
  auto t = parts_->tickets.load(stream);
  return t && (*t)->exists() ? (*t)->tenant : std::string();
}

Result<SchedulerReport> CommandEngine::run_scheduler() {
  if (auto caught_up = parts_->active.catch_up(); !caught_up) return std::unexpected(caught_up.error());
  auto report = parts_->scheduler.run_once(parts_->active);
  if (!report) return report;
  if (auto purged = parts_->idempotency.purge_due(parts_->clock.now()); !purged) return std::unexpected(purged.error());
  return report;
}

const EventStore& CommandEngine::log() const { return parts_->store; }

}  // namespace ticketd
