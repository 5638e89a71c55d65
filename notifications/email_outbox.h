// EmailNotifications: e-mail notifications (docs/notifications.md, "E-mail"). An outbox
// thread follows the log from its position in the IntegrationStore (outbox_position("email");
// the first start begins at the log's head) and turns ticket events into messages sent
// through a Mailer (mailer.h):
//   - to the requester: public comments by someone else, status changes, resolution (with
//     the link to confirm or reopen), closure;
//   - to the assignee: assignment to them, comments by the requester, SLA warnings and
//     breaches; to every user a comment mentions (an internal note only to staff);
//   - never to the actor of the event, never an internal note to a customer, nothing to a
//     user who opted out (IntegrationStore::notification_opt_out) or whose address the user
//     directory does not hold in clear (unknown, none, or erased): those count as skipped.
// The ticket's state is the one as of the event's time (CommandEngine::ticket_as_of), so a
// replay finds the same recipients.
// Message-ID "<ticket.position.recipient-hash@host>" is the same on every attempt and after
// a restart; In-Reply-To and References name the ticket's root "<ticket@host>", so mail
// clients thread a ticket's messages. A message is marked sent in the store (by its
// Message-ID, synced) as soon as the server accepted it, and a replay skips marked ones; the
// position is stored after each batch of Options::batch_events records. A kill -9 between
// the server's acceptance and the mark may send that one message twice; nothing else is.
// Retryable failures (Errc::unavailable) are retried with backoff, Options::max_attempts
// sends in all; the last failure or a permanent refusal makes a dead letter (system
// "email", key the recipient's sub) that admins list and retry. Messages of one ticket go
// in log order, Options::parallel_tickets tickets at once. Never on the write path. No
// address, name or body reaches a log line. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "adapters/integration_store.h"
#include "base/clock.h"
#include "commands/command_engine.h"
#include "events/field_cipher.h"
#include "eventstore/log_follower.h"
#include "http/email_port.h"
#include "notifications/email_templates.h"
#include "notifications/mailer.h"

namespace ticketd {

class EmailNotifications final : public http::EmailPort {
 public:
  struct Options {
    std::string public_url;  // links: <public_url>/tickets/<id>
    std::string host;        // the right side of Message-IDs (the sender's domain)
    int max_attempts = 6;
    std::chrono::milliseconds first_backoff{1000};
    std::chrono::milliseconds max_backoff{60'000};
    std::size_t parallel_tickets = 4;
    std::size_t batch_events = 64;
  };
  struct Stats {
    std::uint64_t position = 0;
    std::uint64_t sent = 0, retried = 0, dead_lettered = 0, skipped = 0;
  };
  static constexpr std::string_view kSystem = "email";  // its name in the IntegrationStore

  EmailNotifications(CommandEngine& engine, IntegrationStore& store, const FieldCipher& cipher, Mailer& mailer,
                     const Clock& clock, Options options);
  ~EmailNotifications() override;
  EmailNotifications(const EmailNotifications&) = delete;
  EmailNotifications& operator=(const EmailNotifications&) = delete;

  // Starts the outbox. Errc::unavailable or internal when the store cannot be read.
  [[nodiscard]] Result<void> start();
  void stop();
  [[nodiscard]] Stats stats() const;

  Result<bool> email_enabled(const std::string& tenant, const std::string& sub) override;
  Result<void> set_email_enabled(const std::string& tenant, const std::string& sub, bool enabled) override;
  Result<std::vector<http::EmailDeadLetterView>> dead_letters(const std::string& tenant) override;
  Result<bool> retry_dead_letter(const std::string& tenant, std::uint64_t id) override;
  void render_metrics(std::string& out) const override;

 private:
  struct Mail {
    std::uint64_t position = 0;
    std::string tenant;
    std::string ticket;
    std::string recipient;  // the user's sub
    MailMessage message;
  };
  struct Notice {
    std::string recipient;
    EmailNotice notice;
    bool internal = false;  // an internal note: staff only
  };

  Result<void> handle(std::span<const EventRecord> batch);
  // The messages `record` asks for (to `only`, when set).
  Result<std::vector<Mail>> mails_of(const EventRecord& record, const std::string* only);
  std::vector<Notice> notices_of(const EventRecord& record, const TicketEvent& event, const Ticket& ticket) const;
  // One message with its retries: true when sent (or sent before), false when
  // dead-lettered (`letter`, when set, is the retried letter: updated instead of adding
  // one). Errc::unavailable when stopping; the store's errors.
  Result<bool> deliver(const Mail& m, int max_attempts, DeadLetter* letter);

  CommandEngine& engine_;
  IntegrationStore& store_;
  const FieldCipher& cipher_;
  Mailer& mailer_;
  const Clock& clock_;
  Options options_;
  std::unique_ptr<LogFollower> follower_;
  mutable std::mutex mu_;  // stopping_
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> position_{0}, sent_{0}, retried_{0}, dead_lettered_{0}, skipped_{0};
};

}  // namespace ticketd
