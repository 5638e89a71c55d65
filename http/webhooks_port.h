// What the HTTP API asks of outgoing webhooks (notifications/ implements it; http/ does not
// depend on notifications/): a tenant's subscriptions and the deliveries given up on.
// docs/notifications.md is the contract. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "domain/principal.h"

namespace ticketd::http {

// One receiver of a tenant's ticket events.
struct WebhookSubscription {
  std::string id;                        // "wh_" and 16 hex digits, given by subscribe()
  std::string url;                       // http:// or https://
  std::vector<std::string> event_types;  // ticket event types ("ticket.commented"), or "*" for all
  std::string description;
  std::string created_at;  // RFC 3339
  // "whsec_" and the base64 of the key bytes (Standard Webhooks). Write-only: set in
  // subscribe()'s answer only, never listed.
  std::optional<std::string> secret;
};

// A delivery the outbox gave up on (docs/notifications.md, "Dead letters").
struct WebhookDeadLetterView {
  std::uint64_t id = 0;
  std::string subscription;
  std::uint64_t position = 0;  // the log record whose event it is
  std::string error;
  std::uint64_t attempts = 0;
  std::string at;
};

class WebhooksPort {
 public:
  static constexpr std::size_t kMaxSubscriptionsPerTenant = 20;
  static constexpr std::size_t kMaxDeadLettersShown = 500;

  virtual ~WebhooksPort() = default;
  // The tenant's subscriptions, oldest first, secrets left out.
  [[nodiscard]] virtual Result<std::vector<WebhookSubscription>> subscriptions(const std::string& tenant) = 0;
  // Adds `s` (its id and created_at are given here; a secret left out is generated) and
  // answers it with its secret. Errc::conflict beyond kMaxSubscriptionsPerTenant; validation
  // for a secret that is not "whsec_" and base64 of 24 to 64 bytes.
  [[nodiscard]] virtual Result<WebhookSubscription> subscribe(const std::string& tenant, WebhookSubscription s,
                                                              const Principal& by) = 0;
  // Errc::not_found for no such subscription of the tenant. Its dead letters stay listed.
  [[nodiscard]] virtual Result<void> unsubscribe(const std::string& tenant, const std::string& id,
                                                 const Principal& by) = 0;
  // Oldest first, at most kMaxDeadLettersShown.
  [[nodiscard]] virtual Result<std::vector<WebhookDeadLetterView>> dead_letters(const std::string& tenant) = 0;
  // Delivers one again: true when it went through (and is gone), false when it failed again;
  // Errc::not_found for no such letter, or when its subscription was removed.
  [[nodiscard]] virtual Result<bool> retry_dead_letter(const std::string& tenant, std::uint64_t id) = 0;
  // Appends the outbox's counters to a /metrics answer.
  virtual void render_metrics(std::string& out) const = 0;
};

}  // namespace ticketd::http
