// Outbox: pushes ticketd's changes to linked external tickets (docs/integrations.md,
// "Outbound"). It follows the log with a LogFollower from its position in the
// IntegrationStore, one record at a time: for a public or internal comment, a status change
// or a priority change of a ticket with an external reference of a system whose connection
// has `outbound` on, it makes that system's REST calls (adapters/outbound_calls.h).
//   - Echo guard: a change whose record actor is the integration of that system (it came
//     from there) is never sent back; comments the outbox created are marked, so their
//     webhook echo is not imported (InboundSync asks the store).
//   - Retries: kMaxAttempts calls with exponential backoff from Options::first_backoff (a
//     Retry-After on 429/503 sets the wait when longer), then a dead letter; answers that
//     fail for good (4xx, Jira without a matching transition, SMAX FAILED) go to the dead
//     letters at once. The position is stored (synced) after each record, so a crash may
//     push the record in hand once more (at least once), never skip one.
//   - One thread: at most one call in flight, across systems and tenants.
// Thread-safe: retry() and stats() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

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
  Outbox(CommandEngine& engine, IntegrationStore& store, const FieldCipher& cipher, ConnectionOf connection_of,
         const Clock& clock, Options options);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  void start();
  void stop();

  // Pushes dead letter `id` once more: true when it went through (the letter is removed),
  // false when it failed again (the letter keeps the new error); not_found for no such
  // letter of that tenant and system.
  [[nodiscard]] Result<bool> retry(const std::string& tenant, const std::string& system, std::uint64_t id);
  [[nodiscard]] Stats stats() const;

 private:
  Result<void> handle(std::span<const EventRecord> batch);
  // Pushes what `record` asks of each linked system; Errc::unavailable when stopping.
  // Pushes what `record` asks of each linked system (or only `only` of a retry, once):
  // true when every push went through. Errc::unavailable when stopping.
  struct Only {
    std::string system, key;
    DeadLetter* letter;  // updated instead of adding a new letter
  };
  Result<bool> push_record(const EventRecord& record, const Only* only);
  PushResult push_with_retries(ExternalSystem system, const http::ConnectionSettings& c, const OutboundChange& change,
                               int max_attempts);
  void run();

  CommandEngine& engine_;
  IntegrationStore& store_;
  const FieldCipher& cipher_;
  ConnectionOf connection_of_;
  const Clock& clock_;
  Options options_;
  RestClient client_;
  std::unique_ptr<LogFollower> follower_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::mutex push_mu_;  // one push at a time (the thread's and retry()'s)
  std::atomic<std::uint64_t> position_{0}, pushed_{0}, retried_calls_{0}, dead_lettered_{0}, echoes_{0};
};

}  // namespace ticketd
