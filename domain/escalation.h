// Escalation rules: what a tenant's automation does when a ticket's SLA is at risk or
// breached, or when it stays unassigned too long (docs/automations.md, "Escalation"). A
// rule is data in the tenant's configuration (TenantConfig::escalations, versioned as
// tenant.configured events); the automation runner (automations/) fires it. Pure.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ticket.h"

namespace ticketd {

struct EscalationLimits {
  static constexpr std::size_t kMaxRules = 50;    // per tenant
  static constexpr std::size_t kMaxIdBytes = 64;  // [a-z0-9_-]
  static constexpr std::size_t kMaxTags = 20;     // tags a rule adds
  static constexpr std::size_t kMaxNotify = 20;   // people a rule notifies
  static constexpr std::int64_t kMaxMinutes = 366LL * 24 * 60;
};

enum class EscalationTrigger { sla_warning, sla_breached, unassigned };
[[nodiscard]] std::string_view name_of(EscalationTrigger t);  // "sla.warning", "sla.breached", "unassigned"
[[nodiscard]] std::optional<EscalationTrigger> parse_escalation_trigger(std::string_view text);

// The person `notify` names by role instead of by sub: the ticket's assignee when it fires.
inline constexpr std::string_view kNotifyAssignee = "assignee";

struct EscalationRule {
  std::string id;  // unique in the tenant; the actor is "system:automation/escalation/<id>"
  EscalationTrigger on = EscalationTrigger::sla_breached;
  std::optional<SlaMetric> metric;         // sla triggers: one metric, or either
  std::chrono::minutes unassigned_for{0};  // unassigned: how long, 1 minute to a year
  std::optional<std::string> only_queue;   // only tickets of this queue
  // Actions, at least one.
  std::optional<Priority> raise_to;          // priority raised to at least this (never lowered)
  std::optional<std::string> move_to_queue;  // the ticket moves there (and is offered to it)
  std::optional<std::string> assign_to;      // a person (a known agent or admin in scope)
  std::vector<std::string> add_tags;
  std::vector<std::string> notify;  // subs, or kNotifyAssignee: an internal note mentioning them
  friend bool operator==(const EscalationRule&, const EscalationRule&) = default;
};

// Whether `rule` applies to a ticket in `queue` for the SLA event of `metric`
// (`metric` nullopt: the unassigned trigger).
[[nodiscard]] bool escalation_matches(const EscalationRule& rule, EscalationTrigger trigger,
                                      std::optional<SlaMetric> metric, const std::string& queue);

// `current` raised to at least `to`.
[[nodiscard]] Priority raised_priority(Priority current, Priority to);

// The text of the internal note a rule's notify action writes.
[[nodiscard]] std::string escalation_note(const EscalationRule& rule, std::optional<SlaMetric> metric);

}  // namespace ticketd
