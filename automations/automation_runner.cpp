#include "automations/automation_runner.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include "base/decimal.h"
#include "events/ticket_event_codec.h"
#include "events/user_record_codec.h"

namespace ticketd {

namespace {

constexpr std::string_view kOfferBack = "offer_back";

// What the rule's commands answer when the ticket moved on: nothing to do, nothing to retry.
bool refused(const Error& e) { return e.code != Errc::unavailable && e.code != Errc::internal; }

}  // namespace

AutomationRunner::AutomationRunner(CommandEngine& engine, EventStore& store, const FieldCipher& cipher, Options options)
    : engine_(engine), store_(store), cipher_(cipher), options_(options), book_(cipher) {}

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
  position_.store(checkpoint_);
  start_head_ = store_.head().position;
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
}

AutomationRunner::Stats AutomationRunner::stats() const {
  return Stats{position_.load(), assigned_.load(), offered_back_.load(), no_candidate_.load(), refused_.load()};
}

// The book is rebuilt up to the head as of start() before anything is acted on, so the
// records after the checkpoint that came before that head (the backlog of a restart) are
// decided with everything the log holds, among them the assignments made before the
// restart. A failed batch comes again from its start: records the book already holds are
// not applied twice, and those acted on (up to checkpoint_) are not acted on again.
Result<void> AutomationRunner::handle(std::span<const EventRecord> batch) {
  const std::uint64_t stored = checkpoint_;
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
  if (checkpoint_ != stored) {
    if (auto ok = store_.put_meta(kCheckpointKey, std::to_string(checkpoint_)); !ok) return ok;
    position_.store(checkpoint_);
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
  if (r.type == "ticket.created") return try_assign(r.stream, r.position);
  if (r.type == "ticket.status_changed" ||
      (r.type == "ticket.assigned" && r.actor.sub == automation_principal("", kOfferBack).sub)) {
    auto event = decode_ticket_event(r.type, r.data, cipher_);
    if (!event) return std::unexpected(event.error());
    const auto* changed = std::get_if<StatusChanged>(&*event);
    if (changed && changed->reason != "reopen") return {};
    return try_assign(r.stream, r.position);
  }
  return {};
}

Result<void> AutomationRunner::try_assign(const std::string& id, std::uint64_t cause) {
  auto loaded = engine_.ticket(id, system_principal(""));
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
  request.event_id_seed = fmt::format("assign/{}/{}", id, cause);
  auto out = engine_.execute(id, AssignTicket{*pick, std::nullopt, false}, request);
  if (!out) {
    if (!refused(out.error())) return std::unexpected(out.error());
    ++refused_;
    spdlog::warn("automations: assigning ticket {} refused: {}", id, out.error().message);
    return {};
  }
  if (out->events_written > 0) {
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
    auto out = engine_.execute(id, AssignTicket{std::nullopt, std::nullopt, false}, request);
    if (!out) {
      if (!refused(out.error())) return std::unexpected(out.error());
      ++refused_;
      continue;
    }
    if (out->events_written > 0) ++offered_back_;
  }
  return {};
}

}  // namespace ticketd
