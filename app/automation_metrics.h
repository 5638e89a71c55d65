// The automation runner's counters as /metrics series (docs/automations.md): ticketd hands
// this to the API as ApiServices::more_metrics, since http/ does not know automations/.
#pragma once

#include <string>

#include "automations/automation_runner.h"
#include "http/metrics.h"

namespace ticketd::app {

inline void render_automation_metrics(const AutomationRunner& runner, std::string& out) {
  const AutomationRunner::Stats s = runner.stats();
  http::append_series(out, "ticketd_automations_position", "gauge", "The last log position the automations handled.",
                      s.position);
  http::append_series(out, "ticketd_automations_assigned_total", "counter", "Tickets assigned by an assignment mode.",
                      s.assigned);
  http::append_series(out, "ticketd_automations_offered_back_total", "counter",
                      "Tickets of unavailable agents offered back to their queue.", s.offered_back);
  http::append_series(out, "ticketd_automations_no_candidate_total", "counter",
                      "Tickets left unassigned: no available member of their queue.", s.no_candidate);
  http::append_series(out, "ticketd_automations_refused_total", "counter",
                      "Automation commands refused (the ticket moved on first).", s.refused);
  http::append_series(out, "ticketd_automations_escalations_total", "counter", "Escalation rules that fired.",
                      s.escalations);
}

}  // namespace ticketd::app
