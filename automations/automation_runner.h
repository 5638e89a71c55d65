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
//     "system:automation/offer_back", which assigns them again where the queue's mode says so;
//     any unassignment by an automation is such an offer;
//   - ticket.sla_warning and ticket.sla_breached fire the tenant's matching escalation rules
//     (TenantConfig::escalations), and check_timers() fires the "unassigned" rules of
//     tickets unassigned that long, each once per unassigned stretch, as
//     "system:automation/escalation/<rule>": priority raised, queue moved (the ticket
//     offered to the new queue), assignee set, tags added, people notified by an internal
//     note that mentions them.
// Every action is an ordinary command with deterministic event ids ("assign/<ticket>/<p>",
// "offer-back/<ticket>/<p>", "escalate/<rule>/<ticket>/<p>/<action>" with action update,
// offer, assign or notify, p the position of
// the record that caused it: for "unassigned", the one that left it unassigned), decided on the
// ticket's current version (If-Match): a restart that reads a record again finds the
// ticket assigned and writes nothing, a person's concurrent assignment wins. A failed
// batch (the store unavailable) is tried again after Options::retry_after.
// Thread-safe: start(), stop(), check_timers() and stats() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "automations/assignment_book.h"
#include "base/clock.h"
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
    std::uint64_t position = 0;  // the last record handled (in the book, and acted on where due)
    std::uint64_t assigned = 0, offered_back = 0, no_candidate = 0, refused = 0, escalations = 0;
  };
  static constexpr std::string_view kCheckpointKey = "automations.position";
  // A synced write per batch would compete with the commands' own syncs.
  static constexpr std::chrono::seconds kCheckpointEvery{1};

  // `store` is the engine's log (its meta table keeps the checkpoint).
  AutomationRunner(CommandEngine& engine, EventStore& store, const FieldCipher& cipher, const Clock& clock,
                   Options options);
  ~AutomationRunner();
  AutomationRunner(const AutomationRunner&) = delete;
  AutomationRunner& operator=(const AutomationRunner&) = delete;

  // Reads the checkpoint and starts the thread. Errc::unavailable or internal when the
  // store cannot be read.
  [[nodiscard]] Result<void> start();
  void stop();
  [[nodiscard]] Stats stats() const;
  // Fires the "unassigned" rules now due (ticketd calls it with the SLA scheduler). Waits
  // for a batch in hand. Errors of the store; refused commands are counted.
  [[nodiscard]] Result<void> check_timers();

 private:
  Result<void> handle(std::span<const EventRecord> batch);
  Result<void> act_on_backlog();
  Result<void> save_checkpoint();  // under mu_
  Result<void> act_on(const EventRecord& record);
  // Assigns `ticket` if its queue's mode says so, with the event id seed `seed`, judged on
  // its state at `version` (the causing record's) or later.
  Result<void> try_assign(const std::string& ticket, const std::string& seed, std::uint64_t version);
  Result<void> offer_back(const std::string& sub, std::uint64_t cause);
  Result<void> escalate_sla(const EventRecord& record);
  // Fires `rule` on ticket `t`; `metric` for the sla triggers.
  Result<void> fire(const EscalationRule& rule, const Ticket& t, std::optional<SlaMetric> metric, std::uint64_t cause);
  // Issues one command of an automation: Errc::unavailable/internal are errors, a refusal
  // is counted and logged (ids only).
  Result<bool> issue(const std::string& ticket, TicketCommand command, CommandRequest request);

  CommandEngine& engine_;
  EventStore& store_;
  const FieldCipher& cipher_;
  const Clock& clock_;
  Options options_;
  std::mutex mu_;  // the book and the positions: the follower's thread and check_timers()
  AssignmentBook book_;
  std::uint64_t book_position_ = 0;  // the last record the book applied
  std::uint64_t checkpoint_ = 0;     // the last record acted on
  std::uint64_t start_head_ = 0;     // the log's head at start()
  std::uint64_t saved_checkpoint_ = 0;
  std::chrono::steady_clock::time_point saved_at_{};
  std::unique_ptr<LogFollower> follower_;
  std::atomic<std::uint64_t> position_{0}, assigned_{0}, offered_back_{0}, no_candidate_{0}, refused_{0},
      escalations_{0};
};

}  // namespace ticketd
