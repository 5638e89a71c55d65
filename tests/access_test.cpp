// The access policy (domain/access.h), table-driven: every role against every action,
// then the visibility questions. The expected table is written out here independently
// of access.cpp, so a change to the policy shows up as a failing row.
#include "domain/access.h"

#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "domain/ticket.h"

using namespace ticketd;
using access::Action;

namespace {

using enum Role;
const std::set<Role> kAllRoles{customer, agent, admin, manager, auditor, global_admin, integration, system};

// role x action: who may.
const std::map<Action, std::set<Role>>& expected() {
  static const std::map<Action, std::set<Role>> table{
      {Action::read_work_queue, {agent, admin, manager, global_admin}},
      {Action::read_workload, {admin, manager, global_admin}},
      {Action::read_stats, {agent, admin, manager, global_admin, system}},
      {Action::read_reports, {admin, manager, global_admin}},
      {Action::read_ticket_history, {agent, admin, auditor, global_admin, system}},
      {Action::read_event_log, {auditor, global_admin}},
      {Action::read_sla_policies, {agent, admin, manager, global_admin, system}},
      {Action::change_sla_policies, {admin, global_admin}},
      {Action::list_tenants, {admin, global_admin}},
      {Action::configure_tenants, {global_admin}},
      {Action::read_users, {admin, global_admin}},
      {Action::register_users, {admin, global_admin}},
      {Action::bulk_change, {admin, global_admin}},
      {Action::erase_subject, {admin, global_admin}},
      {Action::export_subject, {admin, global_admin}},
      {Action::configure_integrations, {admin, global_admin}},
      {Action::configure_webhooks, {admin, global_admin}},
      {Action::configure_automations, {admin, global_admin}},
      {Action::set_availability, {agent, admin, global_admin}},
      {Action::read_macros, {agent, admin, global_admin}},
      {Action::change_macros, {admin, global_admin}},
      {Action::read_templates, {customer, agent, admin, manager, auditor, global_admin, integration}},
      {Action::change_templates, {admin, global_admin}},
      {Action::configure_notifications, {admin, global_admin}},
      {Action::create_ticket, {customer, agent, admin, global_admin, integration}},
      {Action::create_for_others, {agent, admin, global_admin, integration}},
      {Action::link_external, {admin, global_admin, integration}},
      {Action::edit_ticket, {customer, agent, admin, global_admin, integration, system}},
      {Action::edit_triage_fields, {agent, admin, global_admin, integration, system}},
      {Action::assign_self, {agent, admin, global_admin, system}},
      {Action::assign_others, {admin, global_admin, system}},
      {Action::be_assigned, {agent, admin, global_admin}},
      {Action::change_status, {customer, agent, admin, global_admin, integration, system}},
      {Action::work_ticket, {agent, admin, global_admin, integration, system}},
      {Action::withdraw, {customer}},
      {Action::reopen_within_window, {customer, agent, integration}},
      {Action::reopen_any_time, {admin, global_admin}},
      {Action::comment, {customer, agent, admin, global_admin, integration, system}},
      {Action::attach, {customer, agent, admin, global_admin}},
      {Action::write_internal, {agent, admin, global_admin, integration, system}},
      {Action::merge, {agent, admin, global_admin}},
      {Action::receive_merge, {agent, admin, global_admin, system}},
      {Action::give_feedback, {customer, agent, admin, manager, auditor, global_admin, system}},
      {Action::apply_macro, {agent, admin, global_admin}},
      {Action::run_scheduler, {system}},
  };
  return table;
}

Principal as(Role role, std::string sub = "u1") { return Principal{std::move(sub), "acme", role, "", ""}; }

}  // namespace

TEST_CASE("every role against every action matches the policy table") {
  REQUIRE(access::all_actions().size() == expected().size());
  for (Action action : access::all_actions()) {
    INFO("action ", access::name_of(action));
    auto row = expected().find(action);
    REQUIRE_MESSAGE(row != expected().end(), "no expected row for ", access::name_of(action));
    for (Role role : kAllRoles) {
      INFO("role ", role_name(role));
      CHECK(access::may(role, action) == row->second.contains(role));
      CHECK(access::may(as(role), action) == row->second.contains(role));
    }
  }
}

TEST_CASE("who_may and denial name the allowed roles, never the system role") {
  CHECK(access::who_may(Action::read_reports) == "admin, manager, global_admin");
  CHECK(access::who_may(Action::read_event_log) == "auditor, global_admin");
  CHECK(access::who_may(Action::receive_merge) == "agent, admin, global_admin");
  CHECK(access::who_may(Action::run_scheduler) == "ticketd itself");
  CHECK(access::denial(Action::read_reports) == "reports is for: admin, manager, global_admin");
  for (Action action : access::all_actions()) {
    CHECK(access::who_may(action).find("system") == std::string::npos);
    CHECK(!access::name_of(action).empty());
  }
}

TEST_CASE("granting roles: only a global admin grants global_admin; nobody grants system") {
  for (Role granted : kAllRoles) {
    INFO("granted ", role_name(granted));
    CHECK(access::may_grant(as(global_admin), granted) == (granted != Role::system));
    CHECK(access::may_grant(as(admin), granted) == (granted != Role::system && granted != global_admin));
  }
}

TEST_CASE("visibility: tenants, own tickets, internal content") {
  for (Role role : kAllRoles) {
    INFO("role ", role_name(role));
    const Principal who = as(role);
    CHECK(access::sees_all_tenants(who) == (role == global_admin || role == Role::system));
    CHECK(access::sees_only_own_tickets(who) == (role == customer));
    CHECK(access::acts_as_requester(who) == (role == customer));
    CHECK(access::sees_internal(who) == (role != customer));
    CHECK(access::may_see(who, Visibility::public_));
    CHECK(access::may_see(who, Visibility::internal) == (role != customer));
  }
}

TEST_CASE("a ticket is visible when it exists, is in scope, and is the customer's own") {
  Ticket t;
  t.id = "t1";
  t.tenant = "acme";
  t.requester = "c1";
  t.version = 1;
  REQUIRE(t.exists());
  for (Role role : kAllRoles) {
    INFO("role ", role_name(role));
    CHECK(!access::may_see_ticket(t, as(role, "c1"), false));  // out of scope: never
    CHECK(access::may_see_ticket(t, as(role, "c1"), true));
    CHECK(access::may_see_ticket(t, as(role, "c2"), true) == (role != customer));
  }
  Ticket missing;
  CHECK(!access::may_see_ticket(missing, as(admin), true));
}
