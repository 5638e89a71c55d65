// IntegrationStore: what the sync adapters keep beside the log, in their own RocksDB
// database (<data-dir>/integrations; RocksDB headers stay in the .cpp):
//   - each tenant's connection per system (as the caller stored it: secrets sealed),
//   - the durable inbox of webhook deliveries, in arrival order, and the delivery ids
//     seen (duplicates are dropped; ids are remembered for kDeliveryMemory),
//   - the link of each external ticket to its ticketd ticket, and the external "updated"
//     time of the newest change applied to it (older deliveries change nothing),
//   - each integration's status (counters, unknown values, refused changes), as JSON,
//   - the outbox's position in the log, the comments it created, its dead letters,
//   - and for outgoing webhooks (notifications/webhooks.h): the subscriptions, the
//     webhook outbox's position (outbox_position("webhooks")) and its dead letters
//     (system "webhooks", key the subscription id),
//   - and for e-mail notifications (notifications/email_outbox.h): each user's opt-out, the
//     messages an SMTP server accepted (by Message-ID), the e-mail outbox's position
//     (outbox_position("email")) and its dead letters (system "email", key the recipient).
// enqueue() (see there), put_connection(), link(), mark_sent() and set_notification_opt_out() are synced before they
// return; the rest is not (a power loss may bring back an applied inbox entry, which is applied again and writes
// nothing twice, or forget an updated time or a status count). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/timestamp.h"

namespace ticketd {

struct InboxEntry {
  std::uint64_t seq = 0;  // arrival order
  std::string tenant;
  std::string system;
  std::string delivery;  // the delivery id (or the body's SHA-256 when the system sends none)
  std::string payload;   // as enqueued (the caller seals the body)
};

enum class Enqueued { accepted, duplicate, full };

// An outgoing webhook subscription as its owner stored it (the secret sealed).
struct StoredSubscription {
  std::string tenant;
  std::string id;
  std::string stored;
};

// A push the outbox gave up on (docs/integrations.md, "Dead letters"): the change is the
// log record at `position`, read again for a retry (so an erasure holds for it too).
struct DeadLetter {
  std::uint64_t id = 0;
  std::string tenant;
  std::string system;
  std::string key;  // the external ticket
  std::uint64_t position = 0;
  std::string error;
  std::uint64_t attempts = 0;
  std::string at;  // RFC 3339, when it was given up (or last retried)
};

class IntegrationStore {
 public:
  // Deliveries waiting at most; beyond, a webhook answers 503 (the system retries).
  static constexpr std::size_t kMaxInboxEntries = 100'000;
  // How long a delivery id is remembered for dropping duplicates (Zammad retries for under a
  // minute, Jira for hours).
  static constexpr std::chrono::hours kDeliveryMemory{24 * 7};

  // Opens (creating) the database in `dir`. Errc::unavailable when another process has it.
  [[nodiscard]] static Result<std::unique_ptr<IntegrationStore>> open(const std::string& dir);
  virtual ~IntegrationStore() = default;

  [[nodiscard]] virtual Result<std::optional<std::string>> connection(const std::string& tenant,
                                                                      const std::string& system) = 0;
  [[nodiscard]] virtual Result<void> put_connection(const std::string& tenant, const std::string& system,
                                                    const std::string& stored) = 0;

  // Adds a delivery unless its id was seen (duplicate) or the inbox is full; `now` is
  // when the id is remembered from.
  [[nodiscard]] virtual Result<Enqueued> enqueue(const std::string& tenant, const std::string& system,
                                                 const std::string& delivery, const std::string& payload,
                                                 Timestamp now) = 0;
  // The oldest `max` entries still in the inbox after sequence number `after` (the
  // reader's position: reading on from it skips what it removed), or after the lowest
  // entry still being written when that is lower.
  [[nodiscard]] virtual Result<std::vector<InboxEntry>> inbox(std::uint64_t after, std::size_t max) = 0;
  [[nodiscard]] virtual Result<void> finish(std::uint64_t seq) = 0;
  [[nodiscard]] virtual std::size_t inbox_depth() const = 0;
  // Forgets delivery ids remembered before `before` (a batch at most); how many.
  [[nodiscard]] virtual Result<std::size_t> forget_deliveries(Timestamp before) = 0;

  [[nodiscard]] virtual Result<std::optional<std::string>> ticket_of(const std::string& tenant,
                                                                     const std::string& system,
                                                                     const std::string& key) = 0;
  [[nodiscard]] virtual Result<void> link(const std::string& tenant, const std::string& system, const std::string& key,
                                          const std::string& ticket_id) = 0;
  [[nodiscard]] virtual Result<std::optional<Timestamp>> applied_updated(const std::string& tenant,
                                                                         const std::string& system,
                                                                         const std::string& key) = 0;
  [[nodiscard]] virtual Result<void> set_applied_updated(const std::string& tenant, const std::string& system,
                                                         const std::string& key, Timestamp updated) = 0;

  // Every configured connection, as (tenant, system).
  [[nodiscard]] virtual Result<std::vector<std::pair<std::string, std::string>>> connections() = 0;
  // The pull's watermark: the newest updated time a pull of the connection saw.
  [[nodiscard]] virtual Result<std::optional<Timestamp>> pull_watermark(const std::string& tenant,
                                                                        const std::string& system) = 0;
  [[nodiscard]] virtual Result<void> set_pull_watermark(const std::string& tenant, const std::string& system,
                                                        Timestamp at) = 0;

  // The position in the log of the system's outbox (nullopt before its first run).
  [[nodiscard]] virtual Result<std::optional<std::uint64_t>> outbox_position(std::string_view system) = 0;
  [[nodiscard]] virtual Result<void> set_outbox_position(std::string_view system, std::uint64_t position) = 0;
  // Comments the outbox created in a system, by the system's comment id: their webhook
  // echo is not imported.
  [[nodiscard]] virtual Result<void> mark_pushed_comment(const std::string& tenant, const std::string& system,
                                                         const std::string& comment_id) = 0;
  [[nodiscard]] virtual Result<bool> pushed_comment(const std::string& tenant, const std::string& system,
                                                    const std::string& comment_id) = 0;

  // Marks a message `system` sent (its id: a Message-ID), so a replay sends it no more.
  [[nodiscard]] virtual Result<void> mark_sent(const std::string& tenant, const std::string& system,
                                               const std::string& message_id) = 0;
  [[nodiscard]] virtual Result<bool> sent(const std::string& tenant, const std::string& system,
                                          const std::string& message_id) = 0;
  // Whether user `sub` of `tenant` opted out of notifications (false until they do).
  [[nodiscard]] virtual Result<bool> notification_opt_out(const std::string& tenant, const std::string& sub) = 0;
  [[nodiscard]] virtual Result<void> set_notification_opt_out(const std::string& tenant, const std::string& sub,
                                                              bool opt_out) = 0;
  // Dead letters: put() assigns an id when `letter.id` is 0 and returns it.
  [[nodiscard]] virtual Result<std::uint64_t> put_dead_letter(DeadLetter letter) = 0;
  [[nodiscard]] virtual Result<std::vector<DeadLetter>> dead_letters(const std::string& tenant,
                                                                     const std::string& system, std::size_t max) = 0;
  [[nodiscard]] virtual Result<std::optional<DeadLetter>> dead_letter(const std::string& tenant,
                                                                      const std::string& system, std::uint64_t id) = 0;
  [[nodiscard]] virtual Result<void> remove_dead_letter(const std::string& tenant, const std::string& system,
                                                        std::uint64_t id) = 0;

  // Webhook subscriptions: put is synced; every tenant's, by tenant then id.
  [[nodiscard]] virtual Result<void> put_subscription(const StoredSubscription& s) = 0;
  [[nodiscard]] virtual Result<void> remove_subscription(const std::string& tenant, const std::string& id) = 0;
  [[nodiscard]] virtual Result<std::vector<StoredSubscription>> subscriptions() = 0;

  [[nodiscard]] virtual Result<std::optional<std::string>> status(const std::string& tenant,
                                                                  const std::string& system) = 0;
  [[nodiscard]] virtual Result<void> put_status(const std::string& tenant, const std::string& system,
                                                const std::string& json) = 0;
};

}  // namespace ticketd
