// Outbox: pushes ticketd's changes to the linked tickets of one external system
// (docs/integrations.md, "Outbound"); Integrations runs one per system, so a system that is
// down or slow holds back its own pushes only. It follows the log with a LogFollower from
// its position in the IntegrationStore: for a public or internal comment, a status change,
// a priority change or an assignment of a ticket with an external reference of its system
// whose connection has `outbound` on, it makes that system's REST calls
// (adapters/outbound_calls.h).
//   - Concurrency: the pushes of a batch of records run at most the connection's
//     max_calls_in_flight at once, each for a different external ticket; one ticket's
//     changes go one at a time, in log order. The next batch starts when every push of this
//     one is done or dead-lettered.
//   - Echo guard: a change whose record actor is the integration of this system (it came
//     from there) is never sent back; comments the outbox created are marked, so their
//     webhook echo is not imported (InboundSync asks the store).
//   - Retries: Options::max_attempts calls with exponential backoff from
//     Options::first_backoff (a Retry-After on 429/503 sets the wait when longer), then a
//     dead letter; answers that fail for good (4xx, Jira without a matching transition,
//     SMAX FAILED, an assignee without an account_map entry) go to the dead letters at once.
//     The position is stored (synced) after each batch, so a crash may push the batch in
//     hand once more (at least once), never skip a record.
// Thread-safe: retry() and stats() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

#include "adapters/integration_store.h"
#include "adapters/outbound_calls.h"
#include "commands/command_engine.h"
#include "eventstore/log_follower.h"
#include "http/integrations_port.h"
#include "http/rest_client.h"

namespace ticketd {

class Outbox {
 public:
  struct Options {
    int max_attempts = 6;
    std::chrono::milliseconds first_backoff{500};
    std::chrono::milliseconds max_backoff{60'000};
    std::chrono::milliseconds call_timeout{10'000};
  };
  using ConnectionOf =
      std::function<Result<http::ConnectionSettings>(const std::string& tenant, const std::string& system)>;
  struct Stats {
    std::uint64_t position = 0;
    std::uint64_t pushed = 0, retried_calls = 0, dead_lettered = 0, echoes_skipped = 0;
  };

  // The first start (no position stored) begins at the log's head: history is not pushed.
  Outbox(ExternalSystem system, CommandEngine& engine, IntegrationStore& store, const FieldCipher& cipher,
         ConnectionOf connection_of, const Clock& clock, Options options);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  void start();
  void stop();

  // Pushes dead letter `id` of this system once more: true when it went through (the
  // letter is removed), false when it failed again (the letter keeps the new error);
  // not_found for no such letter of that tenant.
  [[nodiscard]] Result<bool> retry(const std::string& tenant, std::uint64_t id);
  [[nodiscard]] Stats stats() const;

 private:
  struct Push {  // one change for one linked ticket
    std::uint64_t position = 0;
    std::string tenant;
    http::ConnectionSettings connection;
    OutboundChange change;  // change.key: the external ticket
  };

  Result<void> handle(std::span<const EventRecord> batch);
  // The pushes `record` asks of this system (of external ticket `only_key` alone, when set).
  Result<std::vector<Push>> pushes_of(const EventRecord& record, const std::string* only_key);
  // Runs the pushes of a batch, per tenant at most its max_calls_in_flight at once.
  Result<void> push_all(const std::vector<Push>& pushes);
  // One push with its retries: true when done, false when dead-lettered (`letter`, when
  // set, is the retried letter: updated instead of adding one). Errc::unavailable when
  // stopping.
  Result<bool> push(const Push& p, int max_attempts, DeadLetter* letter);

  const ExternalSystem system_;
  const std::string name_;
  CommandEngine& engine_;
  IntegrationStore& store_;
  const FieldCipher& cipher_;
  ConnectionOf connection_of_;
  const Clock& clock_;
  Options options_;
  RestClient client_;
  std::unique_ptr<LogFollower> follower_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> position_{0}, pushed_{0}, retried_calls_{0}, dead_lettered_{0}, echoes_{0};
};

}  // namespace ticketd
