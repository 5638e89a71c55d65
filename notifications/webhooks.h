// Webhooks: outgoing webhooks (docs/notifications.md, "Webhooks"). Admins subscribe URLs to
// ticket event types (http::WebhooksPort); an outbox thread follows the log from its
// position in the IntegrationStore (outbox_position("webhooks")) and POSTs every ticket
// event of a subscription's tenant whose type it names, appended after the subscription
// was made, to its URL:
//   - body: the event as a CloudEvent in structured JSON mode (application/cloudevents+json),
//     the analytics topic's encoding (replication/analytics_event.h): personal fields stay
//     sealed under their subject's key, so an erased person's data is sent to nobody;
//   - headers: Standard Webhooks (standard_webhook.h) with webhook-id
//     "<subscription id>_<position>", the same on every attempt (receivers drop duplicates
//     by it), and a fresh timestamp and signature per attempt.
//   - 2xx is delivered. 429, 5xx and unreachable receivers are retried with backoff
//     (Retry-After honoured when longer), Options::max_attempts calls in all; any other
//     answer, or the last failure, makes a dead letter (IntegrationStore, system "webhooks")
//     that admins list and retry.
//   - The deliveries of a batch of records run per subscription in log order, at most
//     Options::parallel_subscriptions subscriptions at once; the position is stored after
//     each batch, so a crash may deliver a batch once more (at least once), never skip one.
//   - Never on the write path: commands are acknowledged whatever the receivers do.
// Secrets are stored sealed under the subject "webhook:<tenant>/<id>"; unsubscribing
// destroys that key. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

#include "adapters/integration_store.h"
#include "base/clock.h"
#include "base/ids.h"
#include "commands/command_engine.h"
#include "events/field_cipher.h"
#include "eventstore/log_follower.h"
#include "http/rest_client.h"
#include "http/webhooks_port.h"

namespace ticketd {

class Webhooks final : public http::WebhooksPort {
 public:
  struct Options {
    int max_attempts = 6;
    std::chrono::milliseconds first_backoff{500};
    std::chrono::milliseconds max_backoff{60'000};
    std::chrono::milliseconds call_timeout{10'000};
    std::size_t parallel_subscriptions = 4;
  };
  struct Stats {
    std::uint64_t position = 0;
    std::uint64_t delivered = 0, retried_calls = 0, dead_lettered = 0;
  };
  static constexpr std::string_view kSystem = "webhooks";  // its name in the IntegrationStore

  Webhooks(CommandEngine& engine, IntegrationStore& store, FieldCipher& cipher, IdSource& ids, const Clock& clock,
           Options options);
  ~Webhooks() override;
  Webhooks(const Webhooks&) = delete;
  Webhooks& operator=(const Webhooks&) = delete;

  // Loads the subscriptions and starts the outbox (the first start begins at the log's
  // head). Errc::unavailable or internal when the store cannot be read.
  [[nodiscard]] Result<void> start();
  void stop();
  [[nodiscard]] Stats stats() const;

  Result<std::vector<http::WebhookSubscription>> subscriptions(const std::string& tenant) override;
  Result<http::WebhookSubscription> subscribe(const std::string& tenant, http::WebhookSubscription s,
                                              const Principal& by) override;
  Result<void> unsubscribe(const std::string& tenant, const std::string& id, const Principal& by) override;
  Result<std::vector<http::WebhookDeadLetterView>> dead_letters(const std::string& tenant) override;
  Result<bool> retry_dead_letter(const std::string& tenant, std::uint64_t id) override;
  void render_metrics(std::string& out) const override;

 private:
  struct Subscription {
    http::WebhookSubscription view;  // without its secret
    std::string key;                 // the signing key's bytes
    std::uint64_t after = 0;         // the log's head when it was made: later records only
  };
  struct Delivery {
    std::uint64_t position = 0;
    std::string tenant;
    std::shared_ptr<const Subscription> subscription;
    std::string body;
  };

  Result<void> handle(std::span<const EventRecord> batch);
  // The deliveries `record` asks for (of subscription `only`, when set).
  std::vector<Delivery> deliveries_of(const EventRecord& record, const std::string* only);
  // One delivery with its retries: true when delivered, false when dead-lettered
  // (`letter`, when set, is the retried letter: updated instead of adding one).
  // Errc::unavailable when stopping.
  Result<bool> deliver(const Delivery& d, int max_attempts, DeadLetter* letter);

  CommandEngine& engine_;
  IntegrationStore& store_;
  FieldCipher& cipher_;
  IdSource& ids_;
  const Clock& clock_;
  Options options_;
  RestClient client_;
  std::unique_ptr<LogFollower> follower_;
  mutable std::mutex mu_;  // stopping_, subscriptions_
  std::condition_variable wake_;
  bool stopping_ = false;
  // tenant -> its subscriptions, oldest first
  std::map<std::string, std::vector<std::shared_ptr<const Subscription>>> subscriptions_;
  std::atomic<std::uint64_t> position_{0}, delivered_{0}, retried_calls_{0}, dead_lettered_{0};
};

}  // namespace ticketd
