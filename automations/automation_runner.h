// AutomationRunner: the work the engine does by itself on what the log records
// (docs/automations.md). A thread follows the log from its start, keeping an
// AssignmentBook, and acts on the records after its checkpoint (IntegrationStore
// outbox_position("automations"); the first run starts at the log's head, so a new
// deployment does not act on its history):
//   - ticket.created, a reopen (status_changed, reason "reopen") and an offer-back leave an
//     unassigned ticket: in a queue whose mode is round_robin or least_loaded
//     (TenantConfig::assignment) it is assigned to the pick of pick_assignee() among the
//     queue's available member staff, as "system:automation/<mode>";
//   - a staff user marked unavailable has their new and open tickets unassigned, as
//     "system:automation/offer_back", which assigns them again where the queue's mode says so.
// Every action is an ordinary command with deterministic event ids ("assign/<ticket>/<p>",
// "offer-back/<ticket>/<p>", p the position of the record that caused it), decided on the
// ticket's current version (If-Match): a restart that reads a record again finds the
// ticket assigned and writes nothing, a person's concurrent assignment wins. A failed
// batch (the store unavailable) is tried again after Options::retry_after.
// Thread-safe: start(), stop() and stats() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "automations/assignment_book.h"
#include "commands/command_engine.h"
#include "eventstore/log_follower.h"

namespace ticketd {

class AutomationRunner {
 public:
  struct Options {
    std::chrono::milliseconds retry_after{1000};
    std::size_t batch_events = 1024;
  };
  struct Stats {
    std::uint64_t position = 0;  // the last record acted on
    std::uint64_t assigned = 0, offered_back = 0, no_candidate = 0, refused = 0;
  };
  static constexpr std::string_view kCheckpointKey = "automations.position";

  // `store` is the engine's log (its meta table keeps the checkpoint).
  AutomationRunner(CommandEngine& engine, EventStore& store, const FieldCipher& cipher, Options options);
  ~AutomationRunner();
  AutomationRunner(const AutomationRunner&) = delete;
  AutomationRunner& operator=(const AutomationRunner&) = delete;

  // Reads the checkpoint and starts the thread. Errc::unavailable or internal when the
  // store cannot be read.
  [[nodiscard]] Result<void> start();
  void stop();
  [[nodiscard]] Stats stats() const;

 private:
  Result<void> handle(std::span<const EventRecord> batch);
  Result<void> act_on_backlog();
  Result<void> act_on(const EventRecord& record);
  Result<void> try_assign(const std::string& ticket, std::uint64_t cause);
  Result<void> offer_back(const std::string& sub, std::uint64_t cause);

  CommandEngine& engine_;
  EventStore& store_;
  const FieldCipher& cipher_;
  Options options_;
  // Only the follower's thread touches these three.
  AssignmentBook book_;
  std::uint64_t book_position_ = 0;  // the last record the book applied
  std::uint64_t checkpoint_ = 0;     // the last record acted on
  std::uint64_t start_head_ = 0;     // the log's head at start()
  std::unique_ptr<LogFollower> follower_;
  std::atomic<std::uint64_t> position_{0}, assigned_{0}, offered_back_{0}, no_candidate_{0}, refused_{0};
};

}  // namespace ticketd
