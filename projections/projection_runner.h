// ProjectionRunner: the one writer of the read-model database. It reads the log from
// the lowest checkpoint of its projections in batches (kBatchEvents) and applies each
// batch in one SQLite transaction that also stores every checkpoint. Readers use their
// own connections (WAL mode). Lag = durable log head - lowest checkpoint.
//
// Thread-safety: start()/stop() from one thread; lag()/checkpoint() from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "eventstore/event_store.h"
#include "projections/projection.h"

namespace ticketd {

class ProjectionRunner {
 public:
  static constexpr std::size_t kBatchEvents = 4096;
  static constexpr std::chrono::milliseconds kIdleWait{200};

  ProjectionRunner(const EventStore& store, const std::string& db_path,
                   std::vector<std::unique_ptr<Projection>> projections);
  ~ProjectionRunner();

  // Applies everything up to the current head, then returns (tests, rebuild, startup).
  [[nodiscard]] Result<std::uint64_t> catch_up();
  // Follows the log on a background thread until stop().
  void start();
  void stop();

  // Drops `name` (or every projection when empty) and resets its checkpoint; the next
  // catch_up() rebuilds it from the log.
  [[nodiscard]] Result<void> reset(const std::string& name);

  [[nodiscard]] std::uint64_t checkpoint() const { return checkpoint_.load(); }
  [[nodiscard]] std::uint64_t lag() const;
  [[nodiscard]] std::optional<Error> error() const;

 private:
  Result<std::size_t> apply_batch();
  void load_checkpoints();

  const EventStore& store_;
  sql::Database db_;
  std::vector<std::unique_ptr<Projection>> projections_;
  std::vector<std::uint64_t> checkpoints_;  // per projection
  std::atomic<std::uint64_t> checkpoint_{0};  // lowest
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex error_mu_;
  std::optional<Error> error_;
};

}  // namespace ticketd
