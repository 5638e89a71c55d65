// What the HTTP API asks of the sync adapters (adapters/ implements it; http/ does not
// depend on adapters/): the per-tenant connection settings, webhook deliveries into the
// durable inbox, and the integration's status. docs/integrations.md is the contract.
// Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/timestamp.h"
#include "domain/principal.h"

namespace ticketd::http {

struct WebhookDelivery {
  std::string tenant;
  std::string system;                                        // "jira", "zammad", "smax"
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercase
  std::string body;                                          // the raw bytes, unparsed
};

enum class WebhookOutcome {
  accepted,       // durable in the inbox
  duplicate,      // a delivery id already received: nothing written
  bad_signature,  // missing or wrong: nothing written
  not_configured  // no inbound connection of that system for that tenant
};

// A tenant's connection to one system. In a PUT, a secret left out (nullopt) keeps the
// stored one; in an answer, a secret is never sent (http/ renders only whether it is set).
struct ConnectionSettings {
  std::string base_url;
  std::string email;                                                           // Jira Cloud: with api_token (Basic)
  std::string tenant_id;                                                       // SMAX
  std::string login;                                                           // SMAX
  std::optional<std::string> api_token, pat, token, password, webhook_secret;  // secrets
  std::string project;  // Jira project key, Zammad group, SMAX service
  // External value -> ticketd value, consulted before the defaults (docs/integrations.md).
  std::vector<std::pair<std::string, std::string>> status_map, priority_map, type_map;
  // External account id -> ticketd user id: whom an assignment is pushed to (read
  // backwards; a ticketd user without an entry is not pushed, a dead letter says so).
  std::vector<std::pair<std::string, std::string>> account_map;
  bool inbound = true;
  bool outbound = false;
  // Calls the outbox makes to this connection at once, for different tickets (one ticket's
  // changes go one at a time, in log order).
  static constexpr std::int64_t kDefaultCallsInFlight = 4, kMaxCallsInFlight = 16;
  std::int64_t max_calls_in_flight = kDefaultCallsInFlight;
  std::int64_t pull_interval_s = 0;  // 0: no periodic pull
};

// A push the outbox gave up on (docs/integrations.md, "Dead letters").
struct DeadLetterView {
  std::uint64_t id = 0;
  std::string key;             // the external ticket
  std::uint64_t position = 0;  // the log record whose change it is
  std::string error;
  std::uint64_t attempts = 0;
  std::string at;
};

// What one pull sync did (docs/integrations.md, "Pull").
struct SyncReport {
  std::size_t pages = 0, tickets = 0, refused = 0;
  std::string since;  // RFC 3339: the time the pull asked from
};

class IntegrationsPort {
 public:
  virtual ~IntegrationsPort() = default;
  // Checks the signature over the raw body, then stores the delivery (synced) before it
  // returns accepted. Errc::unavailable when the inbox is full or cannot be written.
  [[nodiscard]] virtual Result<WebhookOutcome> receive(const WebhookDelivery& delivery) = 0;
  // The stored connection (secrets included: the caller must not send them); Errc::not_found
  // when none is configured.
  [[nodiscard]] virtual Result<ConnectionSettings> connection(const std::string& tenant, const std::string& system) = 0;
  // Replaces the connection (secrets left out keep their stored value), stored with its
  // secrets sealed. Returns what connection() then answers.
  [[nodiscard]] virtual Result<ConnectionSettings> configure(const std::string& tenant, const std::string& system,
                                                             ConnectionSettings settings, const Principal& by) = 0;
  // The tenant's dead letters of the system, oldest first (at most kMaxDeadLettersShown).
  static constexpr std::size_t kMaxDeadLettersShown = 500;
  [[nodiscard]] virtual Result<std::vector<DeadLetterView>> dead_letters(const std::string& tenant,
                                                                         const std::string& system) = 0;
  // Pushes one again: true when it went through (and is gone), false when it failed again;
  // Errc::not_found for no such letter.
  [[nodiscard]] virtual Result<bool> retry_dead_letter(const std::string& tenant, const std::string& system,
                                                       std::uint64_t id) = 0;
  // Pulls every ticket the system changed since `since` (nullopt: since the last pull, with
  // an overlap) through the inbound mapping, page by page. Errc::unavailable when the system
  // cannot be reached, validation for answers that are not its API's.
  [[nodiscard]] virtual Result<SyncReport> sync(const std::string& tenant, const std::string& system,
                                                std::optional<Timestamp> since) = 0;
  // Counters, unknown statuses and priorities met, refused changes and the last sync, as JSON.
  [[nodiscard]] virtual Result<std::string> status(const std::string& tenant, const std::string& system) = 0;
};

}  // namespace ticketd::http
