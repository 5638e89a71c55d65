#include "adapters/outbox.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "base/parallel_queues.h"
#include "events/streams.h"
#include "events/ticket_event_codec.h"
#include "http/retry_backoff.h"

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
  if (const auto* assigned = std::get_if<TicketAssigned>(&e)) {
    c.kind = OutboundChange::Kind::assignment;
    c.assignee = assigned->after;
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

Outbox::Outbox(ExternalSystem system, CommandEngine& engine, IntegrationStore& store, const FieldCipher& cipher,
               ConnectionOf connection_of, const Clock& clock, Options options)
    : system_(system),
      name_(name_of(system)),
      engine_(engine),
      store_(store),
      cipher_(cipher),
      connection_of_(std::move(connection_of)),
      clock_(clock),
      options_(options),
      client_(options.call_timeout) {}

Outbox::~Outbox() { stop(); }

void Outbox::start() {
  if (follower_) return;
  auto stored = store_.outbox_position(name_);
  if (!stored) {
    spdlog::error("outbox: {} cannot read its position: {}", name_, stored.error().message);
    return;
  }
  const std::uint64_t from = stored->value_or(engine_.log().head().position);
  if (!*stored) (void)store_.set_outbox_position(name_, from);
  position_.store(from);
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  follower_ = std::make_unique<LogFollower>(
      engine_.log(), from, [this](std::span<const EventRecord> batch) { return handle(batch); },
      outbox_follower_options("outbox-" + name_));
  follower_->start();
}

void Outbox::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (follower_) follower_->stop();
  follower_.reset();
}

Outbox::Stats Outbox::stats() const {
  return {position_.load(), pushed_.load(), retried_calls_.load(), dead_lettered_.load(), echoes_.load()};
}

Result<std::vector<Outbox::Push>> Outbox::pushes_of(const EventRecord& r, const std::string* only_key) {
  std::vector<Push> out;
  if (!streams::is_ticket(r.stream)) return out;
  auto decoded = decode_ticket_event(r.type, r.data, cipher_);
  if (!decoded) {
    if (decoded.error().code == Errc::unavailable) return std::unexpected(decoded.error());
    spdlog::warn("outbox: position {} does not decode; not pushed: {}", r.position, decoded.error().message);
    return out;
  }
  auto change = change_of(*decoded);
  if (!change) return out;
  const std::string tenant = engine_.tenant_of(r);
  auto ticket = engine_.ticket(r.stream, system_principal(tenant));
  if (!ticket) {
    if (ticket.error().code == Errc::not_found) return out;
    return std::unexpected(ticket.error());
  }
  for (const ExternalRef& ref : (*ticket)->external) {
    if (ref.system != name_ || (only_key && ref.key != *only_key)) continue;
    if (r.actor.role == "integration" && r.actor.sub == ref.system) {  // it came from there
      echoes_.fetch_add(1);
      continue;
    }
    auto c = connection_of_(tenant, ref.system);
    if (!c) {
      if (c.error().code == Errc::not_found) continue;
      return std::unexpected(c.error());
    }
    if (!c->outbound) continue;
    Push p{r.position, tenant, std::move(*c), *change};
    p.change.key = ref.key;
    out.push_back(std::move(p));
  }
  return out;
}

Result<bool> Outbox::push(const Push& p, int max_attempts, DeadLetter* letter) {
  RetryBackoff backoff(options_.first_backoff, options_.max_backoff);
  PushResult result;
  for (int attempt = 1;; ++attempt) {
    result = push_change(system_, p.connection, p.change, client_);
    if (result.outcome != PushResult::Outcome::retry) break;
    if (attempt >= max_attempts) {
      result.outcome = PushResult::Outcome::failed;
      result.error = fmt::format("{} (after {} attempts)", result.error, attempt);
      break;
    }
    retried_calls_.fetch_add(1);
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock, backoff.next(result.retry_after), [&] { return stopping_; })) {
      return make_error(Errc::unavailable, "the outbox is stopping");
    }
  }
  if (result.outcome == PushResult::Outcome::done) {
    pushed_.fetch_add(1);
    if (p.change.kind == OutboundChange::Kind::comment && !result.external_id.empty()) {
      if (auto ok = store_.mark_pushed_comment(p.tenant, name_, result.external_id); !ok) {
        return std::unexpected(ok.error());
      }
    }
    return true;
  }
  DeadLetter fresh{0, p.tenant, name_, p.change.key, p.position, result.error, 1, format_rfc3339(clock_.now())};
  if (letter) {
    fresh = *letter;
    fresh.error = result.error;
    ++fresh.attempts;
    fresh.at = format_rfc3339(clock_.now());
  }
  // The error may quote the system's answer: it goes to the dead letter, not the log.
  spdlog::warn("outbox: {} of tenant {} gave up on position {} (a dead letter)", name_, p.tenant, p.position);
  if (auto ok = store_.put_dead_letter(fresh); !ok) return std::unexpected(ok.error());
  if (!letter) dead_lettered_.fetch_add(1);
  return false;
}

Result<void> Outbox::push_all(const std::vector<Push>& pushes) {
  // tenant -> external ticket -> its pushes in log order
  std::map<std::string, std::map<std::string, std::vector<const Push*>>> grouped;
  for (const Push& p : pushes) grouped[p.tenant][p.change.key].push_back(&p);
  for (auto& [tenant, tickets] : grouped) {
    std::vector<std::vector<const Push*>> queues;
    for (auto& [key, queue] : tickets) queues.push_back(std::move(queue));
    const auto limit = static_cast<std::size_t>(std::clamp<std::int64_t>(
        queues.front().front()->connection.max_calls_in_flight, 1, http::ConnectionSettings::kMaxCallsInFlight));
    auto ok = drain_queues(queues, limit, [&](const Push* p) { return push(*p, options_.max_attempts, nullptr); });
    if (!ok) return ok;
  }
  return {};
}

Result<void> Outbox::handle(std::span<const EventRecord> batch) {
  std::vector<Push> pushes;
  std::uint64_t last = position_.load();
  for (const EventRecord& r : batch) {
    if (r.position <= last) continue;
    auto more = pushes_of(r, nullptr);
    if (!more) return std::unexpected(more.error());
    std::move(more->begin(), more->end(), std::back_inserter(pushes));
    last = r.position;
  }
  if (auto ok = push_all(pushes); !ok) return ok;
  position_.store(last);
  return store_.set_outbox_position(name_, last);
}

Result<bool> Outbox::retry(const std::string& tenant, std::uint64_t id) {
  auto letter = store_.dead_letter(tenant, name_, id);
  if (!letter) return std::unexpected(letter.error());
  if (!*letter) return make_error(Errc::not_found, fmt::format("no dead letter {} of {}", id, name_));
  auto records = engine_.log().read_all((*letter)->position - 1, 1);
  if (!records) return std::unexpected(records.error());
  if (records->empty() || records->front().position != (*letter)->position) {
    return make_error(Errc::not_found, "the dead letter's record is not in the log");
  }
  DeadLetter copy = **letter;
  auto pushes = pushes_of(records->front(), &copy.key);
  if (!pushes) return std::unexpected(pushes.error());
  bool all = true;
  for (const Push& p : *pushes) {
    auto done = push(p, 1, &copy);
    if (!done) return std::unexpected(done.error());
    all = all && *done;
  }
  if (all) {
    if (auto ok = store_.remove_dead_letter(tenant, name_, id); !ok) return std::unexpected(ok.error());
  }
  return all;
}

}  // namespace ticketd
