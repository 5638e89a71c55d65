// Integrations: the sync adapters behind http::IntegrationsPort (docs/integrations.md).
// receive() checks a webhook's signature with the tenant's connection and stores the
// delivery in the durable inbox (IntegrationStore, synced) before the 202; one worker
// thread then applies the inbox in arrival order through InboundSync and removes each
// entry once applied or refused. An entry that fails for a reason worth retrying (the log
// unavailable) stays and is tried again after kRetryPause, so a crash or kill between
// receiving and applying loses nothing (the entry is applied at the next start; its
// commands' event ids make a second application write nothing).
//
// Inbox payloads hold the body sealed under "integration:<tenant>/<system>" (personal
// data is never in clear on disk); an entry is deleted once applied, but RocksDB keeps
// the deleted bytes until compaction.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "adapters/inbound_sync.h"
#include "adapters/integration_store.h"
#include "adapters/outbox.h"
#include "base/clock.h"
#include "base/ids.h"
#include "commands/command_engine.h"
#include "events/field_cipher.h"
#include "http/integrations_port.h"

namespace ticketd {

class Integrations final : public http::IntegrationsPort {
 public:
  static constexpr std::size_t kInboxBatch = 64;
  static constexpr std::chrono::milliseconds kRetryPause{1000};
  // Refused changes kept in an integration's status (the newest).
  static constexpr std::size_t kRefusalsShown = 20;
  // How often the worker stores the status counters (and at stop()).
  static constexpr std::chrono::milliseconds kStatusSaveEvery{200};
  // Opened connections kept in memory (all are dropped when more would be).
  static constexpr std::size_t kMaxCachedConnections = 1024;

  Integrations(CommandEngine& engine, IntegrationStore& store, FieldCipher& cipher, IdSource& ids, const Clock& clock,
               Outbox::Options outbox = {});
  ~Integrations() override;
  Integrations(const Integrations&) = delete;
  Integrations& operator=(const Integrations&) = delete;

  // Starts the inbox worker (it applies what a previous run left in the inbox first) and
  // the outboxes.
  void start();
  void stop();

  [[nodiscard]] Result<http::WebhookOutcome> receive(const http::WebhookDelivery& delivery) override;
  [[nodiscard]] Result<http::ConnectionSettings> connection(const std::string& tenant,
                                                            const std::string& system) override;
  [[nodiscard]] Result<http::ConnectionSettings> configure(const std::string& tenant, const std::string& system,
                                                           http::ConnectionSettings settings,
                                                           const Principal& by) override;
  [[nodiscard]] Result<std::string> status(const std::string& tenant, const std::string& system) override;
  [[nodiscard]] Result<std::vector<http::DeadLetterView>> dead_letters(const std::string& tenant,
                                                                       const std::string& system) override;
  [[nodiscard]] Result<bool> retry_dead_letter(const std::string& tenant, const std::string& system,
                                               std::uint64_t id) override;
  // The outboxes' counters added up; position: the lowest.
  [[nodiscard]] Outbox::Stats outbox_stats() const;

  // Pull sync (docs/integrations.md, "Pull"): every ticket the system changed since
  // `since` (default: the stored watermark minus kPullOverlap, else kFirstPullWindow ago),
  // page by page, through the same mapping as a webhook; the newest updated time seen
  // becomes the watermark. The periodic pull of a connection with pull_interval_s runs it
  // on the inbox worker.
  struct PullReport {
    std::size_t pages = 0, tickets = 0, refused = 0;
    Timestamp since{};
  };
  static constexpr std::chrono::minutes kPullOverlap{5};  // JQL dates stop at minutes
  static constexpr std::chrono::hours kFirstPullWindow{24};
  static constexpr std::size_t kMaxPullPages = 1000;
  [[nodiscard]] Result<PullReport> pull(const std::string& tenant, const std::string& system,
                                        std::optional<Timestamp> since = std::nullopt);
  [[nodiscard]] Result<http::SyncReport> sync(const std::string& tenant, const std::string& system,
                                              std::optional<Timestamp> since) override;

  // Deliveries not yet applied (all tenants).
  [[nodiscard]] std::size_t inbox_depth() const { return store_.inbox_depth(); }

 private:
  struct Counters;
  void run();
  // Applies one entry: true when it is done with (applied or refused for good).
  bool apply(const InboxEntry& entry);
  // Runs the pulls that are due.
  void pull_due();
  Counters& counters(const std::string& tenant, const std::string& system);  // under mu_
  void save(const std::string& tenant, const std::string& system);           // under mu_

  CommandEngine& engine_;
  IntegrationStore& store_;
  FieldCipher& cipher_;
  IdSource& ids_;
  const Clock& clock_;
  InboundSync inbound_;
  RestClient client_{std::chrono::seconds(10)};
  std::vector<std::unique_ptr<Outbox>> outboxes_;  // one per system, in ExternalSystem order
  std::mutex apply_mu_;                            // one application at a time: the inbox worker's, a pull's
  std::map<std::pair<std::string, std::string>, std::chrono::steady_clock::time_point> last_pull_;  // worker only

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool pending_ = false;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Counters>> counters_;
  std::chrono::steady_clock::time_point last_saved_{};
  std::map<std::pair<std::string, std::string>, http::ConnectionSettings> connections_;  // opened, by tenant and system
  std::thread worker_;
};

}  // namespace ticketd
