// ProjectionRunner: the one writer of the read-model database. It follows the log
// (a LogFollower) from the lowest checkpoint of its projections in batches
// (kBatchEvents) and applies each batch in one SQLite transaction that also stores every
// checkpoint. Readers use their own connections (WAL mode). Lag = durable log head -
// lowest checkpoint. A projection whose schema_version() changed is rebuilt from the log.
//
// Thread-safety: start()/stop() from one thread; lag()/checkpoint() from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "eventstore/event_store.h"
#include "eventstore/log_follower.h"
#include "projections/projection.h"

namespace ticketd {

class ProjectionRunner {
 public:
  static constexpr std::size_t kBatchEvents = 4096;

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

  [[nodiscard]] std::uint64_t checkpoint() const { return follower_.position(); }
  [[nodiscard]] std::uint64_t lag() const;
  [[nodiscard]] std::optional<Error> error() const { return follower_.error(); }

 private:
  Result<void> apply(std::span<const EventRecord> batch);
  // Drops `p` and its checkpoint when the database holds another schema_version() of it
  // (or none: a database from before versions were kept); catch_up() then rebuilds it.
  void rebuild_if_outdated(Projection& p);
  // Drops `p`'s tables and checkpoint (inside the caller's transaction).
  void forget(Projection& p);
  // Reads the stored checkpoints; returns the lowest.
  std::uint64_t load_checkpoints();

  const EventStore& store_;
  sql::Database db_;
  std::vector<std::unique_ptr<Projection>> projections_;
  std::vector<std::uint64_t> checkpoints_;  // per projection
  LogFollower follower_;                    // at the lowest checkpoint
};

}  // namespace ticketd
