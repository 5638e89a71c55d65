#include "adapters/outbox.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "events/streams.h"
#include "events/ticket_event_codec.h"

namespace ticketd {

namespace {

// The change a ticket event asks of a linked system, if any.
std::optional<OutboundChange> change_of(const TicketEvent& e) {
  OutboundChange c;
  if (const auto* added = std::get_if<CommentAdded>(&e)) {
    if (added->comment.body.empty() || added->comment.body == FieldCipher::kErased) return std::nullopt;
    c.kind = OutboundChange::Kind::comment;
    c.text = added->comment.body;
    c.is_public = added->comment.visibility == Visibility::public_;
    return c;
  }
  if (const auto* changed = std::get_if<StatusChanged>(&e)) {
    c.kind = OutboundChange::Kind::status;
    c.status = changed->to;
    return c;
  }
  if (const auto* updated = std::get_if<TicketUpdated>(&e)) {
    for (const auto& f : updated->changes) {
      if (f.field != "priority") continue;
      auto p = parse_priority(f.after);
      if (!p) return std::nullopt;
      c.kind = OutboundChange::Kind::priority;
      c.priority = *p;
      return c;
    }
  }
  return std::nullopt;
}

}  // namespace

Outbox::Outbox(CommandEngine& engine, IntegrationStore& store, const FieldCipher& cipher, ConnectionOf connection_of,
               const Clock& clock, Options options)
    : engine_(engine),
      store_(store),
      cipher_(cipher),
      connection_of_(std::move(connection_of)),
      clock_(clock),
      options_(options),
      client_(options.call_timeout) {}

Outbox::~Outbox() { stop(); }

void Outbox::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "outbox");
}

void Outbox::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Outbox::Stats Outbox::stats() const {
  return {position_.load(), pushed_.load(), retried_calls_.load(), dead_lettered_.load(), echoes_.load()};
}

PushResult Outbox::push_with_retries(ExternalSystem system, const http::ConnectionSettings& c,
                                     const OutboundChange& change, int max_attempts) {
  auto backoff = options_.first_backoff;
  for (int attempt = 1;; ++attempt) {
    PushResult r = push_change(system, c, change, client_);
    if (r.outcome != PushResult::Outcome::retry) return r;
    if (attempt >= max_attempts) {
      r.outcome = PushResult::Outcome::failed;
      r.error = fmt::format("{} (after {} attempts)", r.error, attempt);
      return r;
    }
    retried_calls_.fetch_add(1);
    auto wait = backoff;
    if (r.retry_after && *r.retry_after > wait)
      wait = std::chrono::duration_cast<std::chrono::milliseconds>(*r.retry_after);
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock, wait, [&] { return stopping_; })) return r;  // outcome retry: stopping
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

Result<bool> Outbox::push_record(const EventRecord& r, const Only* only) {
  if (!streams::is_ticket(r.stream)) return true;
  auto decoded = decode_ticket_event(r.type, r.data, cipher_);
  if (!decoded) {
    if (decoded.error().code == Errc::unavailable) return std::unexpected(decoded.error());
    spdlog::warn("outbox: position {} does not decode; not pushed: {}", r.position, decoded.error().message);
    return true;
  }
  auto change = change_of(*decoded);
  if (!change) return true;
  const std::string tenant = engine_.tenant_of(r);
  auto ticket = engine_.ticket(r.stream, system_principal(tenant));
  if (!ticket) return ticket.error().code == Errc::not_found ? Result<bool>(true) : std::unexpected(ticket.error());
  bool all = true;
  for (const ExternalRef& ref : (*ticket)->external) {
    if (only && (ref.system != only->system || ref.key != only->key)) continue;
    if (r.actor.role == "integration" && r.actor.sub == ref.system) {  // it came from there
      echoes_.fetch_add(1);
      continue;
    }
    const auto system = parse_external_system(ref.system);
    if (!system) continue;
    auto c = connection_of_(tenant, ref.system);
    if (!c) {
      if (c.error().code == Errc::not_found) continue;
      return std::unexpected(c.error());
    }
    if (!c->outbound) continue;
    change->key = ref.key;
    std::lock_guard pushing(push_mu_);
    PushResult result = push_with_retries(*system, *c, *change, only ? 1 : options_.max_attempts);
    if (result.outcome == PushResult::Outcome::done) {
      pushed_.fetch_add(1);
      if (change->kind == OutboundChange::Kind::comment && !result.external_id.empty()) {
        if (auto ok = store_.mark_pushed_comment(tenant, ref.system, result.external_id); !ok) {
          return std::unexpected(ok.error());
        }
      }
      continue;
    }
    if (result.outcome == PushResult::Outcome::retry) return make_error(Errc::unavailable, "the outbox is stopping");
    all = false;
    DeadLetter letter{0, tenant, ref.system, ref.key, r.position, result.error, 1, format_rfc3339(clock_.now())};
    if (only) {
      letter = *only->letter;
      letter.error = result.error;
      ++letter.attempts;
      letter.at = format_rfc3339(clock_.now());
    }
    // The error may quote the system's answer: it goes to the dead letter, not the log.
    spdlog::warn("outbox: {} of tenant {} gave up on position {} (a dead letter)", ref.system, tenant, r.position);
    if (auto ok = store_.put_dead_letter(letter); !ok) return std::unexpected(ok.error());
    if (!only) dead_lettered_.fetch_add(1);
  }
  return all;
}

Result<void> Outbox::handle(std::span<const EventRecord> batch) {
  for (const EventRecord& r : batch) {
    if (r.position <= position_.load()) continue;
    auto pushed = push_record(r, nullptr);
    if (!pushed) return std::unexpected(pushed.error());
    position_.store(r.position);
  }
  return store_.set_outbox_position(position_.load());
}

Result<bool> Outbox::retry(const std::string& tenant, const std::string& system, std::uint64_t id) {
  auto letter = store_.dead_letter(tenant, system, id);
  if (!letter) return std::unexpected(letter.error());
  if (!*letter) return make_error(Errc::not_found, fmt::format("no dead letter {} of {}", id, system));
  auto records = engine_.log().read_all((*letter)->position - 1, 1);
  if (!records) return std::unexpected(records.error());
  if (records->empty() || records->front().position != (*letter)->position) {
    return make_error(Errc::not_found, "the dead letter's record is not in the log");
  }
  DeadLetter copy = **letter;
  const Only only{copy.system, copy.key, &copy};
  auto pushed = push_record(records->front(), &only);
  if (!pushed) return std::unexpected(pushed.error());
  if (*pushed) {
    if (auto ok = store_.remove_dead_letter(tenant, system, id); !ok) return std::unexpected(ok.error());
  }
  return *pushed;
}

void Outbox::run() {
  auto stored = store_.outbox_position();
  if (!stored) {
    spdlog::error("outbox: cannot read its position: {}", stored.error().message);
    return;
  }
  std::uint64_t from = stored->value_or(engine_.log().head().position);
  if (!*stored) (void)store_.set_outbox_position(from);
  position_.store(from);
  follower_ = std::make_unique<LogFollower>(
      engine_.log(), from, [this](std::span<const EventRecord> batch) { return handle(batch); },
      LogFollower::Options{.batch_events = 64});
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    auto polled = follower_->poll();
    if (!polled) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      spdlog::warn("outbox: {}; trying again", polled.error().message);
      follower_->seek(position_.load());
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
      continue;
    }
    if (*polled == 0) (void)engine_.log().wait_beyond(follower_->position(), std::chrono::milliseconds(100));
  }
}

}  // namespace ticketd
