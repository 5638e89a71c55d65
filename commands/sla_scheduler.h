// Time-driven work: SLA warnings (at 80 %) and breaches, and auto-close of resolved
// tickets, issued as ordinary commands by the system principal with deterministic
// event ids ("sla/<ticket>/<metric>/<cycle>/<kind>", "auto-close/<ticket>/<cycle>").
// A restart or a second scheduler racing this one therefore cannot record anything
// twice: the store acknowledges a repeated event id without writing, and decide()
// refuses a warning or breach the ticket already holds.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "commands/command_handler.h"
#include "events/time_zones.h"
#include "eventstore/log_follower.h"

namespace ticketd {

// Ids of tickets that may still need time-driven work (not closed), kept by following
// the log (a LogFollower) from where it last stopped. Thread-safe.
class ActiveTickets {
 public:
  ActiveTickets(const EventStore& store, const FieldCipher& cipher);
  // Reads the log up to its head.
  [[nodiscard]] Result<void> catch_up();
  [[nodiscard]] std::vector<std::string> ids() const;

 private:
  Result<void> apply(std::span<const EventRecord> batch);

  const FieldCipher& cipher_;
  mutable std::mutex mu_;
  std::set<std::string> ids_;
  LogFollower follower_;
};

struct SchedulerReport {
  std::size_t checked = 0;
  std::size_t warnings = 0;
  std::size_t breaches = 0;
  std::size_t auto_closed = 0;
};

class SlaScheduler {
 public:
  SlaScheduler(CommandHandler& handler, TicketRepository& tickets, TenantDirectory& tenants, TimeZones& zones,
               Clock& clock)
      : handler_(handler), tickets_(tickets), tenants_(tenants), zones_(zones), clock_(clock) {}

  // Examines each ticket once and issues whatever is due now.
  [[nodiscard]] Result<SchedulerReport> run_once(const std::vector<std::string>& ticket_ids);

 private:
  Result<void> check(const std::string& id, SchedulerReport& report);

  CommandHandler& handler_;
  TicketRepository& tickets_;
  TenantDirectory& tenants_;
  TimeZones& zones_;
  Clock& clock_;
};

}  // namespace ticketd
