#include "commands/command_handler.h"

#include <fmt/format.h>

#include <functional>

#include "commands/new_event.h"
#include "domain/access.h"
#include "domain/ticket_workflow.h"
#include "events/ticket_event_codec.h"

namespace ticketd {

std::mutex& CommandHandler::stripe(const std::string& ticket_id) {
  return stripes_[std::hash<std::string>{}(ticket_id) % stripes_.size()];
}

namespace {

Error key_reused() {
  return Error{Errc::validation,
               "Idempotency-Key was used with a different request",
               {{"Idempotency-Key", "was used with a different request"}},
               std::nullopt,
               {},
               {}};
}

}  // namespace

Result<std::optional<std::pair<CommandOutcome, Timestamp>>> CommandHandler::logged_outcome(const KeyedIds& ids,
                                                                                           const std::string& stream,
                                                                                           Timestamp now) {
  using Found = std::optional<std::pair<CommandOutcome, Timestamp>>;
  auto first = store_.find_event(stream, keyed_event_id(ids.key, ids.window, 0));
  if (!first) return std::unexpected(first.error());
  if (!*first || (*first)->time + IdempotencyStore::kRetention <= now) return Found();
  // The command's events follow each other in its stream.
  auto events = store_.read_stream(stream, (*first)->version, kMaxEventsPerCommand);
  if (!events) return std::unexpected(events.error());
  std::uint64_t version = (*first)->version;
  for (std::size_t i = 1; i < events->size() && (*events)[i].event_id == keyed_event_id(ids.key, ids.window, i); ++i) {
    version = (*events)[i].version;
  }
  auto ticket = tickets_.load_version(stream, version);
  if (!ticket) return std::unexpected(ticket.error());
  return Found(std::in_place, CommandOutcome{std::make_shared<const Ticket>(std::move(*ticket)), true, 0},
               (*first)->time);
}

Result<CommandOutcome> CommandHandler::once(const CommandRequest& request, const StreamOf& stream_of,
                                            const RunNew& run_new) {
  auto key = IdempotencyStore::key_of(request.principal, request.idempotency_key, request.idempotency_item);
  if (!key) return std::unexpected(key.error());
  std::lock_guard lock(key_stripes_[std::hash<std::string>{}(key->ns) % key_stripes_.size()]);
  const Timestamp now = clock_.now();
  auto found = idempotency_.find(*key, now);
  if (!found) return std::unexpected(found.error());
  if (*found) {
    if ((*found)->fingerprint != request.fingerprint) return std::unexpected(key_reused());
    // result = "<version> <ticket id>"
    const std::string& result = (*found)->result;
    const auto space = result.find(' ');
    if (space == std::string::npos) return make_error(Errc::internal, "idempotency result unreadable");
    const std::uint64_t version = std::stoull(result.substr(0, space));
    auto ticket = tickets_.load_version(result.substr(space + 1), version);
    if (!ticket) return std::unexpected(ticket.error());
    return CommandOutcome{std::make_shared<const Ticket>(std::move(*ticket)), true, 0};
  }
  // Losing a record is safe: it is written again from what the log answers (or first).
  auto keep = [&](const CommandOutcome& out, Timestamp first_use) {
    if (!out.ticket->exists()) return;
    (void)idempotency_.remember(
        *key,
        IdempotencyRecord{request.fingerprint, fmt::format("{} {}", out.ticket->version, out.ticket->id), first_use},
        now);
  };
  const std::int64_t window = idempotency_window(now);
  for (const std::int64_t w : {window - 1, window}) {
    const KeyedIds ids{*key, w};
    auto logged = logged_outcome(ids, stream_of(ids), now);
    if (!logged) return std::unexpected(logged.error());
    if (*logged) {
      keep((*logged)->first, (*logged)->second);
      return std::move((*logged)->first);
    }
  }
  auto out = run_new(KeyedIds{*key, window});
  if (out) keep(*out, now);
  return out;
}

Result<CommandOutcome> CommandHandler::create(CreateTicket command, const CommandRequest& request) {
  if (request.idempotency_key.empty()) {
    command.id = ids_.next_id();  // the number is taken in run(), once the create is decided
    TicketCommand c = std::move(command);
    return run(std::get<CreateTicket>(c).id, c, request, std::nullopt);
  }
  // With a key, the ticket id is derived from it, its window and the fingerprint, so a
  // retry whose record was lost still lands on the same ticket (and the log answers).
  auto stream_of = [&](const KeyedIds& ids) { return keyed_ticket_id(ids.key, ids.window, request.fingerprint); };
  return once(request, stream_of, [&](const KeyedIds& ids) {
    command.id = stream_of(ids);
    TicketCommand c = command;
    return run(command.id, c, request, ids);
  });
}

Result<CommandOutcome> CommandHandler::execute(const std::string& ticket_id, TicketCommand command,
                                               const CommandRequest& request) {
  if (std::holds_alternative<CreateTicket>(command)) {
    return make_error(Errc::validation, "use create() for new tickets");
  }
  auto run_new = [&](const std::optional<KeyedIds>& ids) -> Result<CommandOutcome> {
    auto out = run(ticket_id, command, request, ids);
    if (!out) return out;
    // A merge also notes itself on the target ticket (after releasing the source's lock).
    if (const auto* merge = std::get_if<MergeTicket>(&command); merge && out->events_written > 0) {
      CommandRequest note = request;
      note.idempotency_key.clear();
      note.if_match.reset();
      note.event_id_seed = fmt::format("merge/{}/{}/{}", ticket_id, merge->into, out->ticket->version);
      TicketCommand receive = ReceiveMerge{ticket_id};
      auto noted = run(merge->into, receive, note, std::nullopt);
      if (!noted) return std::unexpected(noted.error());
    }
    return out;
  };
  if (request.idempotency_key.empty()) return run_new(std::nullopt);
  return once(
      request, [&](const KeyedIds&) { return ticket_id; }, [&](const KeyedIds& ids) { return run_new(ids); });
}

Result<bool> CommandHandler::user_covers(const UserRecord& user, const std::string& tenant) {
  return tenants_.covers(Principal{user.sub, user.tenant, user.role, "", ""}, tenant);
}

Result<void> CommandHandler::enrich_assignee(const Ticket& state, AssignTicket& assign) {
  if (!assign.assignee) return {};
  auto user = users_.get(*assign.assignee);
  if (!user) return std::unexpected(user.error());
  if (*user) {
    assign.assignee_user = KnownUser{(*user)->sub, (*user)->tenant, (*user)->role};
    auto covers = user_covers(**user, state.tenant);
    if (!covers) return std::unexpected(covers.error());
    assign.assignee_in_scope = *covers;
  }
  return {};
}

Result<std::string> CommandHandler::name_for_placeholder(const std::string& sub) {
  auto user = users_.get(sub);
  if (!user) return std::unexpected(user.error());
  if (!*user || (*user)->name == FieldCipher::kErased) return std::string();
  return (*user)->name;
}

Result<void> CommandHandler::enrich_macro(const Ticket& state, ApplyMacro& apply, const Principal& principal) {
  // The macros an agent lists (GET /macros) are those of its own tenant.
  auto own = tenants_.get(principal.tenant);
  if (!own) return std::unexpected(own.error());
  const Macro* macro = own->macro(apply.macro_id);
  apply.macro = macro != nullptr ? std::optional<Macro>(*macro) : std::nullopt;
  if (macro == nullptr) return {};
  if (macro->comment) {
    auto requester = name_for_placeholder(state.requester);
    if (!requester) return std::unexpected(requester.error());
    auto agent = name_for_placeholder(principal.sub);
    if (!agent) return std::unexpected(agent.error());
    const PlaceholderValues values{state.number, state.subject, std::move(*requester), std::move(*agent)};
    apply.comment_body = render_placeholders(macro->comment->body, values);
  }
  if (macro->assignee) {
    apply.assign = AssignTicket{};
    switch (macro->assignee->kind) {
      case MacroAssignee::Kind::me:
        apply.assign.assignee = principal.sub;
        break;
      case MacroAssignee::Kind::user:
        apply.assign.assignee = macro->assignee->sub;
        break;
      case MacroAssignee::Kind::unassign:
        break;
    }
    return enrich_assignee(state, apply.assign);
  }
  return {};
}

Result<void> CommandHandler::enrich(const Ticket& state, TicketCommand& command, const Principal& principal) {
  if (auto* assign = std::get_if<AssignTicket>(&command)) {
    return enrich_assignee(state, *assign);
  } else if (auto* apply = std::get_if<ApplyMacro>(&command)) {
    return enrich_macro(state, *apply, principal);
  } else if (const auto* comment = std::get_if<AddComment>(&command)) {
    // @mentions must name known users whose scope covers the ticket.
    for (const auto& sub : comment->mentions) {
      auto user = users_.get(sub);
      if (!user) return std::unexpected(user.error());
      auto covers = *user ? user_covers(**user, state.tenant) : Result<bool>(false);
      if (!covers) return std::unexpected(covers.error());
      if (!*covers) {
        Error e{Errc::validation,
                "mention of an unknown user or one outside the ticket's tenant: " + sub,
                {{"mentions", "unknown user " + sub}},
                std::nullopt,
                {},
                {}};
        return std::unexpected(std::move(e));
      }
    }
  } else if (auto* merge = std::get_if<MergeTicket>(&command)) {
    auto target = tickets_.load(merge->into);
    if (!target) return std::unexpected(target.error());
    auto covers = (*target)->exists() ? tenants_.covers(principal, (*target)->tenant) : Result<bool>(false);
    if (!covers) return std::unexpected(covers.error());
    merge->target_exists = access::may_see_ticket(**target, principal, *covers);
    merge->target_tenant = (*target)->tenant;
    merge->target_status = (*target)->status;
  }
  return {};
}

Result<std::vector<NewEvent>> CommandHandler::to_records(const std::vector<TicketEvent>& events,
                                                         const std::string& requester, const CommandRequest& request,
                                                         const std::optional<KeyedIds>& keyed, Timestamp now) {
  std::vector<NewEvent> out;
  out.reserve(events.size());
  const Principal& who = request.principal;
  const std::string correlation = request.correlation_id.empty() ? ids_.next_id() : request.correlation_id;
  for (std::size_t i = 0; i < events.size(); ++i) {
    std::string event_id;
    if (keyed) {
      event_id = keyed_event_id(keyed->key, keyed->window, i);
    } else if (!request.event_id_seed.empty()) {
      event_id = fmt::format("{}/{}", request.event_id_seed, i);
    } else {
      event_id = ids_.next_id();
    }
    const std::string type(event_type_name(events[i]));
    auto data = encode_ticket_event(events[i], requester, cipher_);
    if (data && request.origin) data = with_origin(std::move(*data), *request.origin, type, cipher_);
    if (!data) return std::unexpected(data.error());
    NewEvent e = event_by(who, std::move(event_id), type, now, std::move(*data));
    e.schema = kTicketEventSchema;
    e.correlation_id = correlation;
    e.causation_id = request.causation_id;
    out.push_back(std::move(e));
  }
  return out;
}

Result<CommandOutcome> CommandHandler::run(const std::string& ticket_id, TicketCommand& command,
                                           const CommandRequest& request, const std::optional<KeyedIds>& keyed) {
  std::lock_guard lock(stripe(ticket_id));
  const Principal& who = request.principal;
  std::string number;  // a create's ticket number, taken once and kept across attempts
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    const std::uint64_t epoch = tickets_.epoch();
    auto loaded = tickets_.load(ticket_id);
    if (!loaded) return std::unexpected(loaded.error());
    const Ticket& state = **loaded;
    const std::string tenant = state.exists()                                  ? state.tenant
                               : std::holds_alternative<CreateTicket>(command) ? std::get<CreateTicket>(command).tenant
                                                                               : std::string();
    auto in_scope = tenant.empty() ? Result<bool>(false) : tenants_.covers(who, tenant);
    if (!in_scope) return std::unexpected(in_scope.error());
    if (request.if_match && access::may_see_ticket(state, who, *in_scope) && state.version != *request.if_match) {
      Error e{
          Errc::precondition_failed, fmt::format("ticket is at version {}", state.version), {}, state.version, {}, {}};
      return std::unexpected(std::move(e));
    }
    auto config = tenants_.get(tenant.empty() ? who.tenant : tenant);
    if (!config) return std::unexpected(config.error());
    if (auto enriched = enrich(state, command, who); !enriched) return std::unexpected(enriched.error());

    const Timestamp now = clock_.now();
    auto events = decide(state, command, DecideContext{who, now, *in_scope, *config});
    if (!events) return std::unexpected(events.error());
    if (events->empty()) return CommandOutcome{*loaded, false, 0};
    if (auto* created = std::get_if<TicketCreated>(&events->front())) {
      if (number.empty()) {
        auto next = numbers_.next(now);
        if (!next) return std::unexpected(next.error());
        number = std::move(*next);
      }
      created->number = number;
    }

    const auto* created = std::get_if<TicketCreated>(&events->front());
    auto records = to_records(*events, created ? created->requester : state.requester, request, keyed, now);
    if (!records) return std::unexpected(records.error());
    auto appended = store_.append(ticket_id, ExpectedVersion::exact(state.version), std::move(*records));
    if (!appended) {
      if (appended.error().code != Errc::wrong_expected_version) return std::unexpected(appended.error());
      tickets_.forget(ticket_id);
      if (request.if_match) {
        Error e{Errc::precondition_failed, "ticket changed concurrently", {}, appended.error().actual_version, {}, {}};
        return std::unexpected(std::move(e));
      }
      continue;  // decide again on the newer state
    }
    if (appended->duplicate) {  // a retry of events already stored: report the stored state
      tickets_.forget(ticket_id);
      auto current = tickets_.load(ticket_id);
      if (!current) return std::unexpected(current.error());
      return CommandOutcome{*current, true, 0};
    }
    Ticket next = state;
    for (const auto& e : *events) next = apply(std::move(next), e, now);
    auto ptr = std::make_shared<const Ticket>(std::move(next));
    tickets_.remember(ptr, state.version, epoch);
    return CommandOutcome{ptr, false, events->size()};
  }
  return make_error(Errc::unavailable, "too many concurrent changes to this ticket; try again");
}

Result<TicketRepository::Ptr> CommandHandler::get(const std::string& ticket_id, const Principal& principal) {
  auto loaded = tickets_.load(ticket_id);
  if (!loaded) return std::unexpected(loaded.error());
  if (!(*loaded)->exists()) return make_error(Errc::not_found, "ticket not found");
  auto in_scope = tenants_.covers(principal, (*loaded)->tenant);
  if (!in_scope) return std::unexpected(in_scope.error());
  if (!access::may_see_ticket(**loaded, principal, *in_scope)) return make_error(Errc::not_found, "ticket not found");
  return *loaded;
}

}  // namespace ticketd
