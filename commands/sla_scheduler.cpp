#include "commands/sla_scheduler.h"

#include <fmt/format.h>

#include "domain/sla.h"
#include "events/ticket_event_codec.h"

namespace ticketd {

inline constexpr std::size_t kIndexBatch = 4096;

ActiveTickets::ActiveTickets(const EventStore& store, const FieldCipher& cipher)
    : cipher_(cipher),
      follower_(
          store, 0, [this](std::span<const EventRecord> batch) { return apply(batch); },
          LogFollower::Options{.batch_events = kIndexBatch}) {}

Result<void> ActiveTickets::catch_up() {
  std::lock_guard lock(mu_);
  auto caught_up = follower_.catch_up();
  if (!caught_up) return std::unexpected(caught_up.error());
  return {};
}

// Runs under mu_ (from catch_up). A batch that fails to decode is applied again from its
// start next time, which is harmless: inserting and erasing ids is idempotent.
Result<void> ActiveTickets::apply(std::span<const EventRecord> batch) {
  for (const auto& r : batch) {
    if (r.type == "ticket.created") {
      ids_.insert(r.stream);
    } else if (r.type == "ticket.status_changed") {
      auto e = decode_ticket_event(r.type, r.data, cipher_);
      if (!e) return std::unexpected(e.error());
      if (std::get<StatusChanged>(*e).to == Status::closed) {
        ids_.erase(r.stream);
      } else {
        ids_.insert(r.stream);
      }
    }
  }
  return {};
}

std::vector<std::string> ActiveTickets::ids() const {
  std::lock_guard lock(mu_);
  return {ids_.begin(), ids_.end()};
}

Result<void> SlaScheduler::check(const std::string& id, SchedulerReport& report) {
  auto loaded = tickets_.load(id);
  if (!loaded) return std::unexpected(loaded.error());
  const Ticket& t = **loaded;
  if (!t.exists() || t.status == Status::closed) return {};
  ++report.checked;
  auto config = tenants_.get(t.tenant);
  if (!config) return std::unexpected(config.error());
  auto zone = zones_.get(config->calendar.time_zone);
  if (!zone) return std::unexpected(zone.error());
  const Timestamp now = clock_.now();
  CommandRequest request;
  request.principal = system_principal(t.tenant);

  auto issue = [&](TicketCommand command, std::string seed, std::size_t& counter) -> Result<void> {
    request.event_id_seed = std::move(seed);
    auto out = handler_.execute(id, std::move(command), request);
    if (!out) return std::unexpected(out.error());
    if (out->events_written > 0) ++counter;
    return {};
  };
  for (SlaMetric metric : {SlaMetric::first_response, SlaMetric::resolution}) {
    const SlaClock& clock = t.clock(metric);
    const auto status = evaluate_sla(clock, sla_target(*config, t.priority, metric), config->calendar, **zone, now);
    if (status.state != SlaState::at_risk && status.state != SlaState::breached) continue;
    // The resolution clock restarts on reopen; its cycle keeps each run's ids apart.
    const std::uint32_t cycle = metric == SlaMetric::resolution ? t.resolution_cycle : 0;
    const std::string base = fmt::format("sla/{}/{}/{}", id, name_of(metric), cycle);
    if (!clock.warned) {
      auto r = issue(RecordSlaWarning{metric, status.at_risk_from.value_or(now)}, base + "/warning", report.warnings);
      if (!r) return r;
    }
    if (status.state == SlaState::breached && !clock.breached) {
      auto r = issue(RecordSlaBreach{metric, status.due.value_or(now)}, base + "/breach", report.breaches);
      if (!r) return r;
    }
  }
  if (t.status == Status::resolved && t.resolved_at && now - *t.resolved_at >= config->auto_close_delay) {
    auto r = issue(AutoClose{}, fmt::format("auto-close/{}/{}", id, t.resolution_cycle), report.auto_closed);
    if (!r) return r;
  }
  return {};
}

Result<SchedulerReport> SlaScheduler::run_once(const std::vector<std::string>& ticket_ids) {
  SchedulerReport report;
  for (const auto& id : ticket_ids) {
    auto r = check(id, report);
    if (!r) return std::unexpected(r.error());
  }
  return report;
}

}  // namespace ticketd
