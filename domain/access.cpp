#include "domain/access.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>

#include "domain/ticket.h"

namespace ticketd::access {
namespace {

constexpr std::uint32_t bit(Role r) { return 1u << static_cast<unsigned>(r); }

constexpr std::uint32_t roles(std::initializer_list<Role> list) {
  std::uint32_t mask = 0;
  for (Role r : list) mask |= bit(r);
  return mask;
}

using enum Role;
constexpr std::uint32_t kAdmins = roles({admin, global_admin});
constexpr std::uint32_t kWorkers = roles({agent, admin, global_admin});  // hold and work tickets
constexpr std::uint32_t kStaff = kWorkers | bit(system);

struct Rule {
  Action action;
  std::string_view name;
  std::string_view what;  // for denial(): "<what> is for <roles>"
  std::uint32_t roles;
};

// The policy. One row per Action, in enum order (checked below).
constexpr std::array kRules{
    Rule{Action::read_work_queue, "read_work_queue", "the work queue", kWorkers | bit(manager)},
    Rule{Action::read_workload, "read_workload", "workload", kAdmins | bit(manager)},
    Rule{Action::read_stats, "read_stats", "stats", kStaff | bit(manager)},
    Rule{Action::read_reports, "read_reports", "reports", kAdmins | bit(manager)},
    Rule{Action::read_ticket_history, "read_ticket_history", "ticket history", kStaff | bit(auditor)},
    Rule{Action::read_event_log, "read_event_log", "the event log", roles({auditor, global_admin})},
    Rule{Action::read_sla_policies, "read_sla_policies", "SLA policies", kStaff | bit(manager)},
    Rule{Action::change_sla_policies, "change_sla_policies", "changing SLA policies", kAdmins},
    Rule{Action::list_tenants, "list_tenants", "the tenant list", kAdmins},
    Rule{Action::configure_tenants, "configure_tenants", "configuring tenants", bit(global_admin)},
    Rule{Action::read_users, "read_users", "the user directory", kAdmins},
    Rule{Action::register_users, "register_users", "registering users", kAdmins},
    Rule{Action::bulk_change, "bulk_change", "bulk changes", kAdmins},
    Rule{Action::erase_subject, "erase_subject", "erasing a person's data", kAdmins},
    Rule{Action::export_subject, "export_subject", "exporting a person's data", kAdmins},
    Rule{Action::configure_integrations, "configure_integrations", "configuring integrations", kAdmins},
    Rule{Action::configure_webhooks, "configure_webhooks", "configuring webhooks", kAdmins},
    Rule{Action::configure_notifications, "configure_notifications", "e-mail notifications' dead letters", kAdmins},
    Rule{Action::configure_automations, "configure_automations", "configuring automations", kAdmins},
    Rule{Action::set_availability, "set_availability", "setting availability", kWorkers},
    Rule{Action::read_macros, "read_macros", "macros", kWorkers},
    Rule{Action::change_macros, "change_macros", "changing macros", kAdmins},
    Rule{Action::read_templates, "read_templates", "ticket templates",
         kWorkers | roles({customer, manager, auditor, integration})},
    Rule{Action::change_templates, "change_templates", "changing ticket templates", kAdmins},
    Rule{Action::create_ticket, "create_ticket", "creating tickets", kWorkers | roles({customer, integration})},
    Rule{Action::create_for_others, "create_for_others", "creating tickets for another requester",
         kWorkers | bit(integration)},
    Rule{Action::link_external, "link_external", "linking external tickets", kAdmins | bit(integration)},
    Rule{Action::edit_ticket, "edit_ticket", "editing tickets", kStaff | roles({customer, integration})},
    Rule{Action::edit_triage_fields, "edit_triage_fields",
         "changing priority, category, queue, type or tags (or editing after new)", kStaff | bit(integration)},
    Rule{Action::assign_self, "assign_self", "assigning tickets", kStaff},
    Rule{Action::assign_others, "assign_others", "assigning or unassigning others", kAdmins | bit(system)},
    Rule{Action::be_assigned, "be_assigned", "holding tickets", kWorkers},
    Rule{Action::change_status, "change_status", "changing status", kStaff | roles({customer, integration})},
    Rule{Action::work_ticket, "work_ticket", "starting, parking or resolving tickets", kStaff | bit(integration)},
    Rule{Action::withdraw, "withdraw", "withdrawing an unresolved ticket", bit(customer)},
    Rule{Action::reopen_within_window, "reopen_within_window", "reopening within the reopen window",
         roles({customer, agent, integration})},
    Rule{Action::reopen_any_time, "reopen_any_time", "reopening after the reopen window", kAdmins},
    Rule{Action::comment, "comment", "commenting", kStaff | roles({customer, integration})},
    Rule{Action::attach, "attach", "attaching files", kWorkers | bit(customer)},
    Rule{Action::write_internal, "write_internal", "internal comments and files", kStaff | bit(integration)},
    Rule{Action::merge, "merge", "merging tickets", kWorkers},
    Rule{Action::receive_merge, "receive_merge", "receiving a merge", kStaff},
    Rule{Action::give_feedback, "give_feedback", "feedback", kStaff | roles({customer, manager, auditor})},
    Rule{Action::apply_macro, "apply_macro", "applying macros", kWorkers},
    Rule{Action::run_scheduler, "run_scheduler", "SLA events and auto-close", bit(system)},
};

constexpr bool rules_in_enum_order() {
  for (std::size_t i = 0; i < kRules.size(); ++i) {
    if (static_cast<std::size_t>(kRules[i].action) != i) return false;
  }
  return true;
}
static_assert(rules_in_enum_order(), "kRules must list every Action once, in enum order");

constexpr std::array kActions = [] {
  std::array<Action, kRules.size()> out{};
  for (std::size_t i = 0; i < kRules.size(); ++i) out[i] = kRules[i].action;
  return out;
}();

const Rule& rule(Action action) { return kRules[static_cast<std::size_t>(action)]; }

constexpr std::array kRoleOrder{customer, agent, admin, manager, auditor, global_admin, integration};

}  // namespace

bool may(Role role, Action action) { return (rule(action).roles & bit(role)) != 0; }

bool may(const Principal& who, Action action) { return may(who.role, action); }

std::string who_may(Action action) {
  std::string out;
  for (Role r : kRoleOrder) {
    if (!may(r, action)) continue;
    if (!out.empty()) out += ", ";
    out += role_name(r);
  }
  return out.empty() ? std::string("ticketd itself") : out;
}

std::string denial(Action action) { return std::string(rule(action).what) + " is for: " + who_may(action); }

std::span<const Action> all_actions() { return kActions; }

std::string_view name_of(Action action) { return rule(action).name; }

bool may_grant(const Principal& who, Role role) {
  if (role == system) return false;
  return role != global_admin || who.role == global_admin;
}

bool may_set_availability(const Principal& who, std::string_view sub) {
  if (!may(who, Action::set_availability)) return false;
  return who.sub == sub || may(who, Action::register_users);
}

bool sees_all_tenants(const Principal& who) { return who.role == global_admin || who.role == system; }

bool sees_only_own_tickets(const Principal& who) { return who.role == customer; }

bool acts_as_requester(const Principal& who) { return who.role == customer; }

bool sees_internal(const Principal& who) { return who.role != customer; }

bool may_see(const Principal& who, Visibility visibility) {
  return visibility == Visibility::public_ || sees_internal(who);
}

bool may_see_attachment(const Principal& who, const Ticket& t, const AttachmentMeta& a) {
  if (sees_internal(who)) return true;
  const auto& shared = t.shared_attachments;
  return t.requester == who.sub && std::find(shared.begin(), shared.end(), a.id) != shared.end();
}

bool may_act_on(const Principal& who, const Ticket& t) {
  if (who.role != integration) return true;
  return std::any_of(t.external.begin(), t.external.end(), [&](const ExternalRef& e) { return e.system == who.sub; });
}

bool mirrors_external_workflow(const Principal& who) { return who.role == Role::integration; }

bool may_import_as(const Principal& who, const std::string* system) {
  return who.role != integration || (system != nullptr && *system == who.sub);
}

bool may_see_ticket(const Ticket& t, const Principal& who, bool in_scope) {
  if (!t.exists() || !in_scope) return false;
  return !sees_only_own_tickets(who) || t.requester == who.sub;
}

}  // namespace ticketd::access
