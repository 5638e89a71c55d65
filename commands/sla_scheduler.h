// Time-driven work: SLA warnings (at 80 %) and breaches, auto-close of resolved tickets,
// and retention (archiving closed tickets, docs/privacy.md), issued as ordinary commands by
// the system principal with deterministic event ids ("sla/<ticket>/<metric>/<cycle>/<kind>",
// "auto-close/<ticket>/<cycle>", "archive/<ticket>").
// A restart or a second scheduler racing this one therefore cannot record anything
// twice: the store acknowledges a repeated event id without writing, and decide()
// refuses a warning or breach the ticket already holds.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "commands/command_handler.h"
#include "events/time_zones.h"
#include "eventstore/log_follower.h"

namespace ticketd {

// The tickets that may still need time-driven work, kept by following the log (a
// LogFollower) from where it last stopped: the active ones (not closed) for SLA work and
// auto-close, and the closed ones, with their tenant and closing time, for retention.
// Archived tickets leave it. Thread-safe.
class ActiveTickets {
 public:
  ActiveTickets(const EventStore& store, const FieldCipher& cipher);
  // Reads the log up to its head.
  [[nodiscard]] Result<void> catch_up();
  // The tickets not closed, in id order.
  [[nodiscard]] std::vector<std::string> ids() const;
  // The closed tickets that have been closed for at least `age(tenant)` at `now` (asked
  // once per tenant), in id order; `age`'s first error ends the call.
  [[nodiscard]] Result<std::vector<std::string>> closed_for(
      Timestamp now, const std::function<Result<Timestamp::duration>(const std::string& tenant)>& age) const;

 private:
  struct Entry {
    std::size_t tenant = 0;              // index into tenants_
    std::optional<Timestamp> closed_at;  // set while closed
  };
  Result<void> apply(std::span<const EventRecord> batch);

  const FieldCipher& cipher_;
  mutable std::mutex mu_;
  simdjson::dom::parser parser_;
  std::map<std::string, Entry> tickets_;
  std::vector<std::string> tenants_;  // each tenant's name once
  std::map<std::string, std::size_t, std::less<>> tenant_index_;
  LogFollower follower_;
};

struct SchedulerReport {
  std::size_t checked = 0;
  std::size_t warnings = 0;
  std::size_t breaches = 0;
  std::size_t auto_closed = 0;
  std::size_t archived = 0;
};

class SlaScheduler {
 public:
  SlaScheduler(CommandHandler& handler, TicketRepository& tickets, TenantDirectory& tenants, TimeZones& zones,
               Clock& clock)
      : handler_(handler), tickets_(tickets), tenants_(tenants), zones_(zones), clock_(clock) {}

  // Examines each active ticket once and issues whatever is due now, then archives the
  // closed tickets whose retention is over (see archive_due, domain/ticket_workflow.h).
  [[nodiscard]] Result<SchedulerReport> run_once(const ActiveTickets& tickets);

 private:
  Result<void> check(const std::string& id, SchedulerReport& report);
  Result<void> archive(const std::string& id, SchedulerReport& report);
  // Issues `command` on ticket `id` as the system principal of `tenant`, with the event id
  // seed `seed`; counts it in `counter` when it wrote an event.
  Result<void> issue(const std::string& id, const std::string& tenant, TicketCommand command, std::string seed,
                     std::size_t& counter);

  CommandHandler& handler_;
  TicketRepository& tickets_;
  TenantDirectory& tenants_;
  TimeZones& zones_;
  Clock& clock_;
};

}  // namespace ticketd
