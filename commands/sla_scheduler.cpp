#include "commands/sla_scheduler.h"

#include <fmt/format.h>

#include "domain/sla.h"
#include "domain/ticket_workflow.h"
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
// start next time, which is harmless: every change below is idempotent.
Result<void> ActiveTickets::apply(std::span<const EventRecord> batch) {
  for (const auto& r : batch) {
    if (r.type == "ticket.created") {
      simdjson::dom::element root;
      std::string_view tenant;
      if (parser_.parse(r.data).get(root) != simdjson::SUCCESS ||
          root["tenant"].get_string().get(tenant) != simdjson::SUCCESS) {
        return make_error(Errc::internal,
                          "ticket.created at position " + std::to_string(r.position) + " names no tenant");
      }
      auto it = tenant_index_.find(tenant);
      if (it == tenant_index_.end()) {
        it = tenant_index_.emplace(std::string(tenant), tenants_.size()).first;
        tenants_.emplace_back(tenant);
      }
      tickets_[r.stream] = Entry{it->second, std::nullopt};
    } else if (r.type == "ticket.status_changed") {
      auto e = decode_ticket_event(r.type, r.data, cipher_);
      if (!e) return std::unexpected(e.error());
      auto it = tickets_.find(r.stream);
      if (it == tickets_.end()) continue;
      if (std::get<StatusChanged>(*e).to == Status::closed) {
        it->second.closed_at = r.time;
      } else {
        it->second.closed_at.reset();
      }
    } else if (r.type == "ticket.archived") {
      tickets_.erase(r.stream);
    }
  }
  return {};
}

std::vector<std::string> ActiveTickets::ids() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, entry] : tickets_) {
    if (!entry.closed_at) out.push_back(id);
  }
  return out;
}

Result<std::vector<std::string>> ActiveTickets::closed_for(
    Timestamp now, const std::function<Result<Timestamp::duration>(const std::string& tenant)>& age) const {
  std::lock_guard lock(mu_);
  std::vector<std::optional<Timestamp::duration>> ages(tenants_.size());
  std::vector<std::string> out;
  for (const auto& [id, entry] : tickets_) {
    if (!entry.closed_at) continue;
    auto& tenant_age = ages[entry.tenant];
    if (!tenant_age) {
      auto a = age(tenants_[entry.tenant]);
      if (!a) return std::unexpected(a.error());
      tenant_age = *a;
    }
    if (now - *entry.closed_at >= *tenant_age) out.push_back(id);
  }
  return out;
}

Result<void> SlaScheduler::issue(const std::string& id, const std::string& tenant, TicketCommand command,
                                 std::string seed, std::size_t& counter) {
  CommandRequest request;
  request.principal = system_principal(tenant);
  request.event_id_seed = std::move(seed);
  auto out = handler_.execute(id, std::move(command), request);
  if (!out) return std::unexpected(out.error());
  if (out->events_written > 0) ++counter;
  return {};
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
  for (SlaMetric metric : {SlaMetric::first_response, SlaMetric::resolution}) {
    const SlaClock& clock = t.clock(metric);
    const auto status = evaluate_sla(clock, sla_target(*config, t.priority, metric), config->calendar, **zone, now);
    if (status.state != SlaState::at_risk && status.state != SlaState::breached) continue;
    // The resolution clock restarts on reopen; its cycle keeps each run's ids apart.
    const std::uint32_t cycle = metric == SlaMetric::resolution ? t.resolution_cycle : 0;
    const std::string base = fmt::format("sla/{}/{}/{}", id, name_of(metric), cycle);
    if (!clock.warned) {
      auto r = issue(id, t.tenant, RecordSlaWarning{metric, status.at_risk_from.value_or(now)}, base + "/warning",
                     report.warnings);
      if (!r) return r;
    }
    if (status.state == SlaState::breached && !clock.breached) {
      auto r =
          issue(id, t.tenant, RecordSlaBreach{metric, status.due.value_or(now)}, base + "/breach", report.breaches);
      if (!r) return r;
    }
  }
  if (t.status == Status::resolved && t.resolved_at && now - *t.resolved_at >= config->auto_close_delay) {
    auto r =
        issue(id, t.tenant, AutoClose{}, fmt::format("auto-close/{}/{}", id, t.resolution_cycle), report.auto_closed);
    if (!r) return r;
  }
  return {};
}

Result<void> SlaScheduler::archive(const std::string& id, SchedulerReport& report) {
  auto loaded = tickets_.load(id);
  if (!loaded) return std::unexpected(loaded.error());
  const Ticket& t = **loaded;
  if (!t.exists()) return {};
  auto config = tenants_.get(t.tenant);
  if (!config) return std::unexpected(config.error());
  if (!archive_due(t, *config, clock_.now())) return {};
  return issue(id, t.tenant, ArchiveTicket{}, "archive/" + id, report.archived);
}

Result<SchedulerReport> SlaScheduler::run_once(const ActiveTickets& tickets) {
  SchedulerReport report;
  for (const auto& id : tickets.ids()) {
    auto r = check(id, report);
    if (!r) return std::unexpected(r.error());
  }
  // Closed long enough for their tenant; archive_due() has the last word on each.
  auto due = tickets.closed_for(clock_.now(), [&](const std::string& tenant) -> Result<Timestamp::duration> {
    auto config = tenants_.get(tenant);
    if (!config) return std::unexpected(config.error());
    return std::max<Timestamp::duration>(config->retention, config->reopen_window);
  });
  if (!due) return std::unexpected(due.error());
  for (const auto& id : *due) {
    auto r = archive(id, report);
    if (!r) return std::unexpected(r.error());
  }
  return report;
}

}  // namespace ticketd
