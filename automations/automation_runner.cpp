#include "automations/automation_runner.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/decimal.h"
#include "events/ticket_event_codec.h"
#include "events/user_record_codec.h"

namespace ticketd {

namespace {

constexpr std::string_view kOfferBack = "offer_back";
constexpr std::string_view kAutomationActor = "system:automation/";

std::string assign_seed(const std::string& ticket, std::uint64_t cause) {
  return fmt::format("assign/{}/{}", ticket, cause);
}

// What the rule's commands answer when the ticket moved on: nothing to do, nothing to retry.
bool refused(const Error& e) { return e.code != Errc::unavailable && e.code != Errc::internal; }

}  // namespace

AutomationRunner::AutomationRunner(CommandEngine& engine, EventStore& store, const FieldCipher& cipher,
                                   const Clock& clock, Options options)
    : engine_(engine), store_(store), cipher_(cipher), clock_(clock), options_(options), book_(cipher) {}

AutomationRunner::~AutomationRunner() { stop(); }

Result<void> AutomationRunner::start() {
  if (follower_) return {};
  auto stored = store_.get_meta(kCheckpointKey);
  if (!stored) return std::unexpected(stored.error());
  if (*stored) {
    auto parsed = parse_decimal(**stored);
    if (!parsed) return make_error(Errc::internal, "the automations checkpoint is not a position");
    checkpoint_ = *parsed;
  } else {
    checkpoint_ = store_.head().position;
    if (auto ok = store_.put_meta(kCheckpointKey, std::to_string(checkpoint_)); !ok) return ok;
  }
  start_head_ = store_.head().position;
  saved_checkpoint_ = checkpoint_;
  saved_at_ = std::chrono::steady_clock::now();
  follower_ = std::make_unique<LogFollower>(
      store_, 0, [this](std::span<const EventRecord> batch) { return handle(batch); },
      LogFollower::Options{
          .batch_events = options_.batch_events, .retry_after_error = options_.retry_after, .name = "automations"});
  follower_->start();
  return {};
}

void AutomationRunner::stop() {
  if (follower_) follower_->stop();
  follower_.reset();
  std::lock_guard lock(mu_);
  if (checkpoint_ != saved_checkpoint_) {
    if (auto ok = save_checkpoint(); !ok) spdlog::warn("automations: {}", ok.error().message);
  }
}

Result<void> AutomationRunner::save_checkpoint() {
  if (auto ok = store_.put_meta(kCheckpointKey, std::to_string(checkpoint_)); !ok) return ok;
  saved_checkpoint_ = checkpoint_;
  saved_at_ = std::chrono::steady_clock::now();
  return {};
}

AutomationRunner::Stats AutomationRunner::stats() const {
  return Stats{position_.load(),     assigned_.load(), offered_back_.load(),
               no_candidate_.load(), refused_.load(),  escalations_.load()};
}

// The book is rebuilt up to the head as of start() before anything is acted on, so the
// records after the checkpoint that came before that head (the backlog of a restart) are
// decided with everything the log holds, among them the assignments made before the
// restart. A failed batch comes again from its start: records the book already holds are
// not applied twice, and those acted on (up to checkpoint_) are not acted on again.
Result<void> AutomationRunner::handle(std::span<const EventRecord> batch) {
  std::lock_guard lock(mu_);
  for (const EventRecord& r : batch) {
    if (r.position > book_position_) {
      if (auto ok = book_.apply(r); !ok) return ok;
      book_position_ = r.position;
    }
    if (r.position == start_head_) {
      if (auto ok = act_on_backlog(); !ok) return ok;
    }
    if (r.position <= start_head_ || r.position <= checkpoint_) continue;
    if (auto ok = act_on(r); !ok) return ok;
    checkpoint_ = r.position;
  }
  position_.store(book_position_);
  if (checkpoint_ != saved_checkpoint_ && std::chrono::steady_clock::now() - saved_at_ >= kCheckpointEvery) {
    return save_checkpoint();
  }
  return {};
}

Result<void> AutomationRunner::act_on_backlog() {
  while (checkpoint_ < start_head_) {
    auto records = store_.read_all(checkpoint_, options_.batch_events);
    if (!records) return std::unexpected(records.error());
    if (records->empty()) return make_error(Errc::internal, "the log ends before the automations' backlog does");
    for (const EventRecord& r : *records) {
      if (r.position > start_head_) break;
      if (auto ok = act_on(r); !ok) return ok;
      checkpoint_ = r.position;
    }
  }
  return {};
}

// A user record that says unavailable, of a user the book (at least as new) holds
// unavailable, offers back: a repeat finds nothing new or open to offer.
Result<void> AutomationRunner::act_on(const EventRecord& r) {
  if (r.type == kUserRecorded) {
    auto user = decode_user_record(r.data, cipher_);
    if (!user) return std::unexpected(user.error());
    if (!user->available && !book_.available(user->sub)) return offer_back(user->sub, r.position);
    return {};
  }
  if (r.type == "ticket.created") return try_assign(r.stream, assign_seed(r.stream, r.position), r.version);
  if (r.type == "ticket.sla_warning" || r.type == "ticket.sla_breached") return escalate_sla(r);
  if (r.type == "ticket.status_changed" || (r.type == "ticket.assigned" && r.actor.sub.starts_with(kAutomationActor))) {
    auto facts = peek_ticket_change(r.type, r.data);
    if (!facts) return std::unexpected(facts.error());
    if (r.type == "ticket.status_changed" && facts->reason != "reopen") return {};
    // Only an automation's unassignment offers the ticket.
    if (r.type == "ticket.assigned" && facts->assignee_after) return {};
    return try_assign(r.stream, assign_seed(r.stream, r.position), r.version);
  }
  return {};
}

Result<void> AutomationRunner::try_assign(const std::string& id, const std::string& seed, std::uint64_t version) {
  auto loaded = engine_.ticket_at_least(id, version);
  if (!loaded) return refused(loaded.error()) ? Result<void>{} : std::unexpected(loaded.error());
  const Ticket& t = **loaded;
  if (t.assignee || t.status == Status::resolved || t.status == Status::closed) return {};
  auto config = engine_.tenant(t.tenant);
  if (!config) return std::unexpected(config.error());
  const AssignmentMode mode = config->assignment_of(t.queue);
  if (mode == AssignmentMode::manual) return {};
  auto candidates = book_.candidates(t.tenant, t.queue);
  auto pick = pick_assignee(mode, candidates);
  if (!pick) {
    ++no_candidate_;
    return {};
  }
  CommandRequest request;
  request.principal = automation_principal(t.tenant, name_of(mode));
  request.if_match = t.version;
  request.event_id_seed = seed;
  auto wrote = issue(id, AssignTicket{*pick, std::nullopt, false}, std::move(request));
  if (!wrote) return std::unexpected(wrote.error());
  if (*wrote) {
    book_.note_assigned(id, *pick);
    ++assigned_;
  }
  return {};
}

Result<void> AutomationRunner::offer_back(const std::string& sub, std::uint64_t cause) {
  for (const std::string& id : book_.new_or_open_of(sub)) {
    auto loaded = engine_.ticket(id, system_principal(""));
    if (!loaded) {
      if (refused(loaded.error())) continue;
      return std::unexpected(loaded.error());
    }
    const Ticket& t = **loaded;
    if (t.assignee != sub) continue;
    CommandRequest request;
    request.principal = automation_principal(t.tenant, kOfferBack);
    request.if_match = t.version;
    request.event_id_seed = fmt::format("offer-back/{}/{}", id, cause);
    auto wrote = issue(id, AssignTicket{std::nullopt, std::nullopt, false}, std::move(request));
    if (!wrote) return std::unexpected(wrote.error());
    if (*wrote) ++offered_back_;
  }
  return {};
}

Result<bool> AutomationRunner::issue(const std::string& ticket, TicketCommand command, CommandRequest request) {
  auto out = engine_.execute(ticket, std::move(command), request);
  if (!out) {
    if (!refused(out.error())) return std::unexpected(out.error());
    ++refused_;
    // A ticket that moved on between the read and the command is the normal race, not news.
    const bool raced = out.error().code == Errc::precondition_failed;
    spdlog::log(raced ? spdlog::level::debug : spdlog::level::warn, "automations: {} on ticket {} refused: {}",
                request.event_id_seed, ticket, out.error().message);
    return false;
  }
  return out->events_written > 0;
}

Result<void> AutomationRunner::escalate_sla(const EventRecord& r) {
  auto event = decode_ticket_event(r.type, r.data, cipher_);
  if (!event) return std::unexpected(event.error());
  const EscalationTrigger trigger =
      r.type == "ticket.sla_warning" ? EscalationTrigger::sla_warning : EscalationTrigger::sla_breached;
  const SlaMetric metric = trigger == EscalationTrigger::sla_warning ? std::get<SlaWarning>(*event).metric
                                                                     : std::get<SlaBreached>(*event).metric;
  auto loaded = engine_.ticket_at_least(r.stream, r.version);
  if (!loaded) return refused(loaded.error()) ? Result<void>{} : std::unexpected(loaded.error());
  auto config = engine_.tenant((*loaded)->tenant);
  if (!config) return std::unexpected(config.error());
  for (const EscalationRule& rule : config->escalations) {
    if (!escalation_matches(rule, trigger, metric, (*loaded)->queue)) continue;
    auto current = engine_.ticket(r.stream, system_principal(""));  // the previous rule may have changed it
    if (!current) return refused(current.error()) ? Result<void>{} : std::unexpected(current.error());
    if (auto ok = fire(rule, **current, metric, r.position); !ok) return ok;
  }
  return {};
}

Result<void> AutomationRunner::check_timers() {
  std::lock_guard lock(mu_);
  if (book_position_ < start_head_) return {};  // the book is still being rebuilt
  const Timestamp now = clock_.now();
  for (const auto& u : book_.unassigned_since(now)) {
    auto loaded = engine_.ticket(u.ticket, system_principal(""));
    if (!loaded) {
      if (refused(loaded.error())) continue;
      return std::unexpected(loaded.error());
    }
    const Ticket& t = **loaded;
    if (t.assignee || !is_active(t.status)) continue;
    auto config = engine_.tenant(t.tenant);
    if (!config) return std::unexpected(config.error());
    for (const EscalationRule& rule : config->escalations) {
      if (!escalation_matches(rule, EscalationTrigger::unassigned, std::nullopt, t.queue)) continue;
      if (now - u.since < rule.unassigned_for || book_.mark_fired(u.ticket, rule.id)) continue;
      auto current = engine_.ticket(u.ticket, system_principal(""));
      if (!current) return refused(current.error()) ? Result<void>{} : std::unexpected(current.error());
      if (auto ok = fire(rule, **current, std::nullopt, u.position); !ok) return ok;
    }
  }
  return {};
}

Result<void> AutomationRunner::fire(const EscalationRule& rule, const Ticket& t, std::optional<SlaMetric> metric,
                                    std::uint64_t cause) {
  const std::string base = fmt::format("escalate/{}/{}/{}", rule.id, t.id, cause);
  auto request = [&](std::string_view action) {
    CommandRequest r;
    r.principal = automation_principal(t.tenant, "escalation/" + rule.id);
    r.event_id_seed = base + "/" + std::string(action);
    return r;
  };
  bool wrote_any = false;
  UpdateTicket update;
  if (rule.raise_to && raised_priority(t.priority, *rule.raise_to) != t.priority) update.priority = rule.raise_to;
  const bool moves = rule.move_to_queue && *rule.move_to_queue != t.queue;
  if (moves) update.queue = rule.move_to_queue;
  std::vector<std::string> tags = t.tags;
  for (const auto& tag : rule.add_tags) {
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
  }
  if (tags != t.tags) update.tags = std::move(tags);
  if (update.priority || update.queue || update.tags) {
    auto wrote = issue(t.id, std::move(update), request("update"));
    if (!wrote) return std::unexpected(wrote.error());
    wrote_any = wrote_any || *wrote;
  }
  if (moves && !t.assignee && !rule.assign_to) {  // moved unassigned: the new queue's mode assigns it
    if (auto ok = try_assign(t.id, base + "/offer", 0); !ok) return ok;
  }
  std::optional<std::string> assignee = t.assignee;
  if (rule.assign_to || (moves && t.assignee)) {
    // Moved without a person named: offered to the new queue (an automation's unassignment).
    auto wrote = issue(t.id, AssignTicket{rule.assign_to, std::nullopt, false}, request("assign"));
    if (!wrote) return std::unexpected(wrote.error());
    wrote_any = wrote_any || *wrote;
    if (*wrote) assignee = rule.assign_to;
  }
  std::vector<std::string> mentions;
  for (const auto& who : rule.notify) {
    const std::optional<std::string> sub = who == kNotifyAssignee ? assignee : std::optional<std::string>(who);
    if (sub && std::find(mentions.begin(), mentions.end(), *sub) == mentions.end()) mentions.push_back(*sub);
  }
  if (!mentions.empty()) {
    AddComment note;
    note.comment_id = base;
    note.body = escalation_note(rule, metric);
    note.visibility = Visibility::internal;
    note.mentions = std::move(mentions);
    auto wrote = issue(t.id, std::move(note), request("notify"));
    if (!wrote) return std::unexpected(wrote.error());
    wrote_any = wrote_any || *wrote;
  }
  if (wrote_any) ++escalations_;
  return {};
}

}  // namespace ticketd
