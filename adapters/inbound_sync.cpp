#include "adapters/inbound_sync.h"

#include <fmt/format.h>

#include "adapters/value_maps.h"

namespace ticketd {

namespace {

// Refusals of the domain or the policy: reported, never retried.
bool refused(const Error& e) {
  return e.code == Errc::conflict || e.code == Errc::validation || e.code == Errc::forbidden ||
         e.code == Errc::not_found || e.code == Errc::precondition_failed || e.code == Errc::too_large;
}

std::string describe(const Error& e) {
  std::string out = e.message;
  for (const auto& f : e.fields) out += "; " + f.field + ": " + f.message;
  return out;
}

// The statuses to pass through on the way to `target` (the domain's workflow allows
// closing only a resolved ticket, and reopening only to new or open).
std::vector<Status> steps_to(Status from, Status target) {
  if (from == target) return {};
  const bool done = from == Status::resolved || from == Status::closed;
  if (target == Status::closed && !done) return {Status::resolved, Status::closed};
  if (done && is_active(target) && target != Status::new_ && target != Status::open) return {Status::open, target};
  return {target};
}

}  // namespace

Result<InboundReport> InboundSync::apply(const std::string& tenant, ExternalSystem system,
                                         const http::ConnectionSettings& connection, const ExternalTicket& t,
                                         const std::string& delivery) {
  const std::string sys(name_of(system));
  const Principal who{sys, tenant, Role::integration, {}, {}};
  const ExternalOrigin origin{sys, t.key, t.actor.id, t.actor.name, t.updated, delivery};
  InboundReport report;
  auto request = [&](std::string seed) {
    CommandRequest r;
    r.principal = who;
    r.correlation_id = sys + ":" + t.key;
    r.causation_id = sys + ":" + delivery;
    r.event_id_seed = std::move(seed);
    r.origin = origin;
    return r;
  };
  // Runs one command on the linked ticket: true when it was taken, false when refused.
  auto run = [&](const std::string& what, TicketCommand command, std::string seed) -> Result<bool> {
    auto done = engine_.execute(report.ticket_id, std::move(command), request(std::move(seed)));
    if (done) {
      report.events_written += done->events_written;
      return true;
    }
    if (!refused(done.error())) return std::unexpected(done.error());
    report.refused.push_back(what + ": " + describe(done.error()));
    return false;
  };

  std::optional<Status> status;
  if (t.status || t.status_category) {
    status = map_status(system, connection, t);
    if (!status) report.unknown_statuses.push_back(t.status.value_or(t.status_category.value_or("")));
  }
  std::optional<Priority> priority;
  if (t.priority) {
    priority = map_priority(system, connection, *t.priority);
    if (!priority) report.unknown_priorities.push_back(*t.priority);
  }
  std::optional<TicketType> type;
  if (t.type) {
    type = map_type(connection, *t.type);
    if (!type) report.unknown_types.push_back(*t.type);
  }

  auto linked = store_.ticket_of(tenant, sys, t.key);
  if (!linked) return std::unexpected(linked.error());
  bool fields_apply = true;
  if (!*linked) {
    if (!t.subject || t.subject->empty()) {
      report.refused.push_back("import of " + t.key + ": the payload names no subject");
      return report;
    }
    CreateTicket create;
    create.tenant = tenant;
    create.subject = *t.subject;
    create.description = t.description && !t.description->empty() ? *t.description : *t.subject;
    create.priority = priority;
    create.type = type;
    create.external = ExternalRef{sys, t.key};
    if (!t.reporter.id.empty()) create.requester = sys + ":" + t.reporter.id;
    CommandRequest r = request("");
    r.idempotency_key = "import/" + sys + "/" + t.key;
    r.fingerprint = r.idempotency_key;
    auto made = engine_.create(std::move(create), r);
    if (!made) {
      if (!refused(made.error())) return std::unexpected(made.error());
      report.refused.push_back("import of " + t.key + ": " + describe(made.error()));
      return report;
    }
    report.ticket_id = made->ticket->id;
    report.created = !made->replayed;
    report.events_written += made->events_written;
    if (auto ok = store_.link(tenant, sys, t.key, report.ticket_id); !ok) return std::unexpected(ok.error());
  } else {
    report.ticket_id = **linked;
    auto applied = store_.applied_updated(tenant, sys, t.key);
    if (!applied) return std::unexpected(applied.error());
    report.stale = t.updated && *applied && *t.updated < **applied;
    fields_apply = !report.stale;
  }

  if (fields_apply) {
    auto current = engine_.ticket(report.ticket_id, who);
    if (!current) {
      if (!refused(current.error())) return std::unexpected(current.error());
      report.refused.push_back("update of " + t.key + ": " + describe(current.error()));
      return report;
    }
    const Ticket& now = **current;
    UpdateTicket update;
    if (t.subject && !t.subject->empty() && *t.subject != now.subject) update.subject = *t.subject;
    if (t.description && !t.description->empty() && *t.description != now.description) {
      update.description = *t.description;
    }
    if (priority && *priority != now.priority) update.priority = *priority;
    if (type && *type != now.type) update.type = *type;
    const std::string base = sys + "/" + delivery + "/" + t.key;
    if (update.subject || update.description || update.priority || update.type) {
      auto ok = run("update of " + t.key, update, base + "/update");
      if (!ok) return std::unexpected(ok.error());
    }
    if (status) {
      int n = 0;
      for (Status step : steps_to(now.status, *status)) {
        ChangeStatus change{step, std::nullopt};
        if (step == Status::resolved) {
          change.resolution = Resolution{ResolutionCode::resolved,
                                         t.resolution && !t.resolution->empty() ? *t.resolution : "Resolved in " + sys};
        }
        auto ok = run(fmt::format("status of {}: {} to {}", t.key, name_of(now.status), name_of(step)), change,
                      fmt::format("{}/status/{}", base, n++));
        if (!ok) return std::unexpected(ok.error());
        if (!*ok) break;
      }
    }
    if (t.updated) {
      if (auto ok = store_.set_applied_updated(tenant, sys, t.key, *t.updated); !ok) return std::unexpected(ok.error());
    }
  }

  for (const ExternalComment& c : t.comments) {
    if (c.body.empty()) continue;
    auto ours = store_.pushed_comment(tenant, sys, c.id);  // the echo of one the outbox made
    if (!ours) return std::unexpected(ours.error());
    if (*ours) continue;
    AddComment add;
    add.comment_id = ids_.next_id();
    add.body = c.body;
    add.visibility = c.is_public ? Visibility::public_ : Visibility::internal;
    auto ok = run("comment " + c.id + " on " + t.key, add, sys + "/" + t.key + "/comment/" + c.id);
    if (!ok) return std::unexpected(ok.error());
  }
  // Files stay in the system: each is a reference (name, size, type, URL), no bytes fetched.
  for (const ExternalAttachment& f : t.attachments) {
    if (f.url.empty() || f.name.empty() || f.id.empty()) continue;
    AddAttachment add;
    add.attachment.id = ids_.next_id();
    add.attachment.file_name = f.name;
    add.attachment.content_type = f.content_type.empty() ? "application/octet-stream" : f.content_type;
    add.attachment.size = f.size;
    add.attachment.visibility = f.is_public ? Visibility::public_ : Visibility::internal;
    add.attachment.scan_verdict = "external";
    add.attachment.url = f.url;
    auto ok = run("attachment " + f.id + " on " + t.key, add, sys + "/" + t.key + "/attachment/" + f.id);
    if (!ok) return std::unexpected(ok.error());
  }
  return report;
}

}  // namespace ticketd
