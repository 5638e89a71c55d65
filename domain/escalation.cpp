#include "domain/escalation.h"

#include <array>
#include <utility>

#include "domain/ticket_events.h"

namespace ticketd {

namespace {
constexpr std::array<std::pair<EscalationTrigger, std::string_view>, 3> kTriggers{{
    {EscalationTrigger::sla_warning, "sla.warning"},
    {EscalationTrigger::sla_breached, "sla.breached"},
    {EscalationTrigger::unassigned, "unassigned"},
}};
}  // namespace

std::string_view name_of(EscalationTrigger t) {
  for (const auto& [trigger, name] : kTriggers) {
    if (trigger == t) return name;
  }
  return "unassigned";
}

std::optional<EscalationTrigger> parse_escalation_trigger(std::string_view text) {
  for (const auto& [trigger, name] : kTriggers) {
    if (name == text) return trigger;
  }
  return std::nullopt;
}

bool escalation_matches(const EscalationRule& rule, EscalationTrigger trigger, std::optional<SlaMetric> metric,
                        const std::string& queue) {
  if (rule.on != trigger) return false;
  if (rule.only_queue && *rule.only_queue != queue) return false;
  return !rule.metric || !metric || *rule.metric == *metric;
}

Priority raised_priority(Priority current, Priority to) {
  return static_cast<int>(to) > static_cast<int>(current) ? to : current;
}

std::string escalation_note(const EscalationRule& rule, std::optional<SlaMetric> metric) {
  std::string what;
  switch (rule.on) {
    case EscalationTrigger::sla_warning:
      what = "the " + std::string(name_of(metric.value_or(SlaMetric::resolution))) + " SLA is at risk";
      break;
    case EscalationTrigger::sla_breached:
      what = "the " + std::string(name_of(metric.value_or(SlaMetric::resolution))) + " SLA is breached";
      break;
    case EscalationTrigger::unassigned:
      what = "unassigned for " + std::to_string(rule.unassigned_for.count()) + " minutes";
      break;
  }
  return "Escalation " + rule.id + ": " + what + ".";
}

}  // namespace ticketd
