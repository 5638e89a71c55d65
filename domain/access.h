// The access policy: the one place that answers "may this principal do X" and "what may
// it see". Routes (http/), the ticket rules (ticket_decide.cpp), the JSON views and the
// read-model queries all ask here; none of them compares roles itself.
//
// Two kinds of question:
//   - may(principal, Action): a yes/no by role, from the table in access.cpp. The HTTP
//     router checks the Action a route names before its handler runs (403 when not), and
//     the OpenAPI document's "who" for a route is who_may(action).
//   - visibility: which tenants (scope), which tickets (customers: their own), and which
//     comments, attachments and fields (internal content: not for customers).
// Scope itself (the tenant tree) is TenantTree / in_scope in principal.h, whose
// "sees every tenant" rule is sees_all_tenants() below.
//
// Pure functions of their arguments; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "domain/principal.h"
#include "domain/ticket_vocabulary.h"

namespace ticketd {

struct Ticket;
struct AttachmentMeta;

namespace access {

enum class Action {
  // Reading beyond single tickets (checked by the HTTP router).
  read_work_queue,          // GET /queue
  read_workload,            // GET /agents/workload
  read_stats,               // GET /stats
  read_reports,             // GET /reports/summary[.csv]
  read_ticket_history,      // GET /tickets/{id}/history (events, as-of state)
  read_event_log,           // GET /events (the log with hashes)
  read_sla_policies,        // GET /sla/policies
  change_sla_policies,      // PUT /sla/policies
  list_tenants,             // GET /tenants (own subtree; see sees_all_tenants)
  configure_tenants,        // PUT /tenants/{id}
  read_users,               // GET /users
  register_users,           // PUT /users/{sub}, with the roles may_grant() allows
  bulk_change,              // POST /tickets/bulk
  erase_subject,            // POST /privacy/erase (a subject of the actor's scope; any for a global admin)
  export_subject,           // GET /privacy/export (the same scope)
  configure_integrations,   // GET/PUT /integrations/{system}, its status and dead letters (own tenant)
  configure_webhooks,       // GET/POST /webhooks, DELETE /webhooks/{id}, their dead letters (own tenant)
  configure_notifications,  // e-mail notifications' dead letters and their retry (own tenant)
  configure_automations,    // GET/PUT /automations/escalations (own tenant)
  set_availability,         // PUT /users/{sub}/availability: one's own (others: see may_set_availability)
  read_macros,              // GET /macros (those of one's own tenant)
  change_macros,            // PUT /macros
  read_templates,           // GET /templates (those of one's own tenant)
  change_templates,         // PUT /templates
  // Ticket commands (checked by decide(), after the ticket's scope).
  create_ticket,
  create_for_others,   // a requester other than oneself
  link_external,       // external references: import with one, or add one
  edit_ticket,         // subject and description
  edit_triage_fields,  // priority, category, queue, type, tags; and editing after `new`
  assign_self,
  assign_others,  // and unassigning others
  be_assigned,    // a role that can hold tickets
  change_status,
  work_ticket,  // start, wait, resolve
  withdraw,     // close an unresolved ticket (its requester)
  reopen_within_window,
  reopen_any_time,
  comment,
  attach,
  write_internal,  // internal comments and attachments
  merge,
  receive_merge,
  give_feedback,  // also needs to be the ticket's requester
  apply_macro,    // POST /tickets/{id}/macros/{macro_id}; each part also needs its own Action
  run_scheduler,  // SLA warnings, breaches, auto-close
};

// Whether `role` / `who` may take `action`.
[[nodiscard]] bool may(Role role, Action action);
[[nodiscard]] bool may(const Principal& who, Action action);

// The roles that may take `action`, comma-separated in Role order ("agent, admin"),
// for documentation and error messages. The system role is left out.
[[nodiscard]] std::string who_may(Action action);

// "<what the action is> is for <who_may>", the detail of a 403.
[[nodiscard]] std::string denial(Action action);

// Whether `who` may give a user `role`: a global admin any role, others any role but
// global_admin; nobody the system role (it never comes from outside).
[[nodiscard]] bool may_grant(const Principal& who, Role role);

// Whether `who` may mark user `sub` available or not: workers themselves, admins anyone of
// their scope (the scope is checked by the caller).
[[nodiscard]] bool may_set_availability(const Principal& who, std::string_view sub);

// Every Action, for table-driven tests and documentation.
[[nodiscard]] std::span<const Action> all_actions();
[[nodiscard]] std::string_view name_of(Action action);

// Global admins and the system see every tenant; everyone else their own subtree.
[[nodiscard]] bool sees_all_tenants(const Principal& who);

// Customers see only the tickets they requested (in lists, searches and reads).
[[nodiscard]] bool sees_only_own_tickets(const Principal& who);

// Customers act as the requesting side: their reply resumes a ticket that waits on the
// customer, and they reopen a closed ticket before they comment on it.
[[nodiscard]] bool acts_as_requester(const Principal& who);

// Internal comments, internal attachments, internal counts and external references.
[[nodiscard]] bool sees_internal(const Principal& who);

// Whether `who` may see a comment or attachment of this visibility (on a ticket it sees).
[[nodiscard]] bool may_see(const Principal& who, Visibility visibility);

// Whether `who` may see attachment `a` of ticket `t` (a ticket it may see): staff every
// attachment; a customer only those in t.shared_attachments (public files it uploaded as
// the requester, or that a public comment references).
[[nodiscard]] bool may_see_attachment(const Principal& who, const Ticket& t, const AttachmentMeta& a);

// Whether `who` may act on ticket `t` (commands other than create): an integration only
// on tickets with an external reference of its own system (`system` == its `sub`, e.g.
// "jira"), so a sync adapter touches only what it mirrors; every other role: yes.
[[nodiscard]] bool may_act_on(const Principal& who, const Ticket& t);
// Whether `who` may create a ticket with external reference `system` (nullptr: none): an
// integration must import with a reference of its own system.
[[nodiscard]] bool may_import_as(const Principal& who, const std::string* system);

// Whether `who` mirrors another system's workflow (an integration): between active
// statuses and to resolved it follows that system, so it skips ticketd's transition table
// and in_progress needs no assignee there (the external assignee is not a ticketd user).
// Closing still needs a resolved ticket; reopening still goes to new or open.
[[nodiscard]] bool mirrors_external_workflow(const Principal& who);

// Whether `who` may see ticket `t` at all: it exists, its tenant is in scope
// (`in_scope`), and it is the requester's own when sees_only_own_tickets(who).
[[nodiscard]] bool may_see_ticket(const Ticket& t, const Principal& who, bool in_scope);

}  // namespace access
}  // namespace ticketd
