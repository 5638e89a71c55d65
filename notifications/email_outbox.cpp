#include "notifications/email_outbox.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "base/parallel_queues.h"
#include "base/sha256.h"
#include "events/streams.h"
#include "events/ticket_event_codec.h"
#include "http/metrics.h"
#include "http/retry_backoff.h"

namespace ticketd {

namespace {

// Hex digits of the recipient's hash in a Message-ID.
constexpr std::size_t kRecipientHashDigits = 16;

std::string root_id(const std::string& ticket, const std::string& host) { return fmt::format("<{}@{}>", ticket, host); }

}  // namespace

EmailNotifications::EmailNotifications(CommandEngine& engine, IntegrationStore& store, const FieldCipher& cipher,
                                       Mailer& mailer, const Clock& clock, Options options)
    : engine_(engine), store_(store), cipher_(cipher), mailer_(mailer), clock_(clock), options_(std::move(options)) {}

EmailNotifications::~EmailNotifications() { stop(); }

Result<void> EmailNotifications::start() {
  if (follower_) return {};
  auto stored = store_.outbox_position(kSystem);
  if (!stored) return std::unexpected(stored.error());
  const std::uint64_t from = stored->value_or(engine_.log().head().position);
  if (!*stored) {
    if (auto ok = store_.set_outbox_position(kSystem, from); !ok) return ok;
  }
  position_.store(from);
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  follower_ = std::make_unique<LogFollower>(
      engine_.log(), from, [this](std::span<const EventRecord> batch) { return handle(batch); },
      outbox_follower_options("email", options_.batch_events));
  follower_->start();
  return {};
}

void EmailNotifications::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (follower_) follower_->stop();
  follower_.reset();
}

EmailNotifications::Stats EmailNotifications::stats() const {
  return {position_.load(), sent_.load(), retried_.load(), dead_lettered_.load(), skipped_.load()};
}

Result<bool> EmailNotifications::email_enabled(const std::string& tenant, const std::string& sub) {
  auto out = store_.notification_opt_out(tenant, sub);
  if (!out) return std::unexpected(out.error());
  return !*out;
}

Result<void> EmailNotifications::set_email_enabled(const std::string& tenant, const std::string& sub, bool enabled) {
  return store_.set_notification_opt_out(tenant, sub, !enabled);
}

Result<std::vector<http::EmailDeadLetterView>> EmailNotifications::dead_letters(const std::string& tenant) {
  auto letters = store_.dead_letters(tenant, std::string(kSystem), kMaxDeadLettersShown);
  if (!letters) return std::unexpected(letters.error());
  std::vector<http::EmailDeadLetterView> out;
  for (const auto& l : *letters) out.push_back({l.id, l.key, l.position, l.error, l.attempts, l.at});
  return out;
}

void EmailNotifications::render_metrics(std::string& out) const {
  const Stats s = stats();
  http::append_series(out, "ticketd_email_outbox_position", "gauge", "The last log position the e-mail outbox handled.",
                      s.position);
  http::append_series(out, "ticketd_email_sent_total", "counter", "E-mail notifications an SMTP server accepted.",
                      s.sent);
  http::append_series(out, "ticketd_email_retried_total", "counter", "Sends of e-mail notifications tried again.",
                      s.retried);
  http::append_series(out, "ticketd_email_dead_lettered_total", "counter", "E-mail notifications given up on.",
                      s.dead_lettered);
  http::append_series(out, "ticketd_email_skipped_total", "counter",
                      "E-mail notifications not sent: opted out, or no readable address.", s.skipped);
}

std::vector<EmailNotifications::Notice> EmailNotifications::notices_of(const EventRecord& r, const TicketEvent& event,
                                                                       const Ticket& t) const {
  std::vector<Notice> out;
  EmailNotice base{EmailKind::reply, t.number, t.subject, options_.public_url + "/tickets/" + t.id, "", ""};
  auto add = [&](const std::string& to, EmailKind kind, std::string detail, std::string quote, bool internal) {
    if (to.empty() || to == r.actor.sub) return;  // never to the one who did it
    if (std::any_of(out.begin(), out.end(), [&](const Notice& n) { return n.recipient == to; })) return;
    Notice n{to, base, internal};
    n.notice.kind = kind;
    n.notice.detail = std::move(detail);
    n.notice.quote = std::move(quote);
    out.push_back(std::move(n));
  };
  const std::string assignee = t.assignee.value_or("");
  if (const auto* c = std::get_if<CommentAdded>(&event)) {
    const Comment& comment = c->comment;
    const bool internal = comment.visibility == Visibility::internal;
    if (!internal && comment.author != t.requester) add(t.requester, EmailKind::reply, "", comment.body, false);
    for (const auto& m : comment.mentions) add(m, EmailKind::mentioned, "", comment.body, internal);
    if (comment.author == t.requester) add(assignee, EmailKind::customer_replied, "", comment.body, internal);
  } else if (const auto* s = std::get_if<StatusChanged>(&event)) {
    if (s->to == Status::resolved) {
      add(t.requester, EmailKind::resolved,
          std::string(name_of(s->resolution ? s->resolution->code : ResolutionCode::resolved)),
          s->resolution ? s->resolution->text : "", false);
    } else if (s->to == Status::closed) {
      add(t.requester, EmailKind::closed, "", "", false);
    } else {
      add(t.requester, EmailKind::status_changed, std::string(name_of(s->to)), "", false);
    }
  } else if (const auto* a = std::get_if<TicketAssigned>(&event)) {
    if (a->after) add(*a->after, EmailKind::assigned, "", "", false);
  } else if (const auto* w = std::get_if<SlaWarning>(&event)) {
    add(assignee, EmailKind::sla_warning, std::string(name_of(w->metric)), "", true);
  } else if (const auto* b = std::get_if<SlaBreached>(&event)) {
    add(assignee, EmailKind::sla_breached, std::string(name_of(b->metric)), "", true);
  }
  return out;
}

Result<std::vector<EmailNotifications::Mail>> EmailNotifications::mails_of(const EventRecord& r,
                                                                           const std::string* only) {
  std::vector<Mail> out;
  if (!streams::is_ticket(r.stream)) return out;
  auto decoded = decode_ticket_event(r.type, r.data, cipher_);
  if (!decoded) {
    if (decoded.error().code == Errc::unavailable) return std::unexpected(decoded.error());
    spdlog::warn("email: position {} does not decode; nothing sent", r.position);
    return out;
  }
  const std::string tenant = engine_.tenant_of(r);
  // Only the event types that notify anyone load the ticket.
  const bool notifies = std::holds_alternative<CommentAdded>(*decoded) ||
                        std::holds_alternative<StatusChanged>(*decoded) ||
                        std::holds_alternative<TicketAssigned>(*decoded) ||
                        std::holds_alternative<SlaWarning>(*decoded) || std::holds_alternative<SlaBreached>(*decoded);
  if (!notifies) return out;
  auto loaded = engine_.ticket_as_of(r.stream, r.time);
  if (!loaded) {
    if (loaded.error().code == Errc::not_found) return out;
    return std::unexpected(loaded.error());
  }
  for (Notice& n : notices_of(r, *decoded, *loaded)) {
    if (only && n.recipient != *only) continue;
    auto opted_out = store_.notification_opt_out(tenant, n.recipient);
    if (!opted_out) return std::unexpected(opted_out.error());
    auto user = engine_.user(n.recipient);
    if (!user) return std::unexpected(user.error());
    const bool readable = *user && !(*user)->email.empty() && (*user)->email != FieldCipher::kErased;
    if (*opted_out || !readable || (n.internal && !is_staff((*user)->role))) {
      skipped_.fetch_add(1);
      continue;
    }
    EmailBodies bodies = render_email(n.notice);
    Mail m{r.position, tenant, loaded->id, n.recipient, {}};
    m.message.to = (*user)->email;
    m.message.subject = std::move(bodies.subject);
    m.message.date = r.time;
    m.message.message_id =
        fmt::format("<{}.{}.{}@{}>", loaded->id, r.position,
                    sha256_hex({tenant, "/", n.recipient}).substr(0, kRecipientHashDigits), options_.host);
    m.message.in_reply_to = root_id(loaded->id, options_.host);
    m.message.references = {m.message.in_reply_to};
    m.message.text = std::move(bodies.text);
    m.message.html = std::move(bodies.html);
    out.push_back(std::move(m));
  }
  return out;
}

Result<bool> EmailNotifications::deliver(const Mail& m, int max_attempts, DeadLetter* letter) {
  auto already = store_.sent(m.tenant, std::string(kSystem), m.message.message_id);
  if (!already) return std::unexpected(already.error());
  if (*already) return true;  // a replay after a crash: sent before
  RetryBackoff backoff(options_.first_backoff, options_.max_backoff);
  std::string error;
  for (int attempt = 1;; ++attempt) {
    auto done = mailer_.send(m.message);
    if (done) {
      sent_.fetch_add(1);
      if (auto ok = store_.mark_sent(m.tenant, std::string(kSystem), m.message.message_id); !ok) {
        return std::unexpected(ok.error());
      }
      return true;
    }
    error = done.error().message;
    if (done.error().code != Errc::unavailable) break;
    if (attempt >= max_attempts) {
      if (attempt > 1) error = fmt::format("{} (after {} attempts)", error, attempt);
      break;
    }
    retried_.fetch_add(1);
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock, backoff.next(std::nullopt), [&] { return stopping_; })) {
      return make_error(Errc::unavailable, "the e-mail outbox is stopping");
    }
  }
  DeadLetter fresh{0, m.tenant, std::string(kSystem), m.recipient, m.position, error, 1, format_rfc3339(clock_.now())};
  if (letter) {
    fresh = *letter;
    fresh.error = error;
    ++fresh.attempts;
    fresh.at = format_rfc3339(clock_.now());
  }
  spdlog::warn("email: gave up on a message of ticket {} at position {} (a dead letter): {}", m.ticket, m.position,
               error);
  if (auto ok = store_.put_dead_letter(fresh); !ok) return std::unexpected(ok.error());
  if (!letter) dead_lettered_.fetch_add(1);
  return false;
}

Result<void> EmailNotifications::handle(std::span<const EventRecord> batch) {
  std::map<std::string, std::vector<Mail>> by_ticket;  // each in log order
  std::uint64_t last = position_.load();
  for (const EventRecord& r : batch) {
    if (r.position <= last) continue;
    auto mails = mails_of(r, nullptr);
    if (!mails) return std::unexpected(mails.error());
    for (Mail& m : *mails) by_ticket[m.ticket].push_back(std::move(m));
    last = r.position;
  }
  std::vector<std::vector<Mail>> queues;
  for (auto& [ticket, queue] : by_ticket) queues.push_back(std::move(queue));
  auto ok = drain_queues(queues, options_.parallel_tickets,
                         [&](const Mail& m) { return deliver(m, options_.max_attempts, nullptr); });
  if (!ok) return ok;
  position_.store(last);
  return store_.set_outbox_position(kSystem, last);
}

Result<bool> EmailNotifications::retry_dead_letter(const std::string& tenant, std::uint64_t id) {
  auto letter = store_.dead_letter(tenant, std::string(kSystem), id);
  if (!letter) return std::unexpected(letter.error());
  if (!*letter) return make_error(Errc::not_found, fmt::format("no e-mail dead letter {}", id));
  auto records = engine_.log().read_all((*letter)->position - 1, 1);
  if (!records) return std::unexpected(records.error());
  if (records->empty() || records->front().position != (*letter)->position) {
    return make_error(Errc::not_found, "the dead letter's record is not in the log");
  }
  DeadLetter copy = **letter;
  auto mails = mails_of(records->front(), &copy.key);
  if (!mails) return std::unexpected(mails.error());
  if (mails->empty()) {
    return make_error(Errc::not_found, "the message is no longer due (its recipient opted out or was erased)");
  }
  auto done = deliver(mails->front(), 1, &copy);
  if (!done) return std::unexpected(done.error());
  if (*done) {
    if (auto ok = store_.remove_dead_letter(tenant, std::string(kSystem), id); !ok) return std::unexpected(ok.error());
  }
  return *done;
}

}  // namespace ticketd
