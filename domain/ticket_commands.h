// What principals (and the scheduler) ask of a ticket. Ids, numbers and time are
// chosen by the commands layer and passed in, so decide() stays pure.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/macro.h"
#include "domain/ticket.h"
#include "domain/ticket_events.h"

namespace ticketd {

struct CreateTicket {
  std::string id;      // from IdSource
  std::string number;  // from the ticket-number sequence
  std::string tenant;
  std::string subject;
  std::string description;
  std::optional<TicketType> type;
  std::optional<std::string> category;
  std::optional<Priority> priority;
  std::optional<std::string> queue;
  std::vector<std::string> tags;
  std::optional<std::string> requester;  // staff may create for someone; default: the caller
  std::vector<std::string> attachments;
  std::optional<ExternalRef> external;  // integration imports
};

struct UpdateTicket {
  std::optional<std::string> subject, description, category, queue;
  std::optional<Priority> priority;
  std::optional<TicketType> type;
  std::optional<std::vector<std::string>> tags;
};

// What the commands layer knows about a prospective assignee (from the user directory).
struct KnownUser {
  std::string sub;
  std::string tenant;
  Role role = Role::customer;
};

struct AssignTicket {
  std::optional<std::string> assignee;     // nullopt: unassign
  std::optional<KnownUser> assignee_user;  // directory entry of `assignee`, if known
  bool assignee_in_scope = false;          // the assignee's scope covers the ticket's tenant
};

struct ChangeStatus {
  Status target = Status::open;
  std::optional<Resolution> resolution;
};

struct AddComment {
  std::string comment_id;
  std::string body;
  Visibility visibility = Visibility::public_;
  std::vector<std::string> attachments;
  std::vector<std::string> mentions;
};

struct AddAttachment {
  AttachmentMeta attachment;  // uploader is set from the principal
};

struct MergeTicket {
  std::string into;           // target ticket id
  std::string target_tenant;  // facts about the target, loaded by the handler
  Status target_status = Status::new_;
  bool target_exists = false;
};

struct ReceiveMerge {
  std::string from;
};

struct GiveFeedback {
  int rating = 0;
  std::string comment;
};

struct AddExternalRef {
  ExternalRef ref;
};

// Applies one of the tenant's macros (docs/automations.md): its parts are decided as their
// own commands would be - AddComment, UpdateTicket (priority, tags), AssignTicket,
// ChangeStatus, in this order, each on the state the parts before it leave - and all their
// events are written in one append. One refused part refuses the whole macro.
struct ApplyMacro {
  std::string macro_id;
  std::string comment_id;  // from IdSource, for the macro's comment
  // Filled by the commands layer (the applying principal's tenant, the user directory):
  std::optional<Macro> macro;  // nullopt: no such macro (not_found)
  std::string comment_body;    // macro->comment's body with its placeholders rendered
  AssignTicket assign;         // macro->assignee resolved ("me": the principal), enriched as AssignTicket is
};

struct RecordSlaWarning {
  SlaMetric metric = SlaMetric::first_response;
  Timestamp due{};
};
struct RecordSlaBreach {
  SlaMetric metric = SlaMetric::first_response;
  Timestamp due{};
};
struct AutoClose {};
// Retention (the scheduler): archives a ticket closed for the tenant's retention period and
// its reopen window, whichever is longer.
struct ArchiveTicket {};

using TicketCommand = std::variant<CreateTicket, UpdateTicket, AssignTicket, ChangeStatus, AddComment, AddAttachment,
                                   MergeTicket, ReceiveMerge, GiveFeedback, AddExternalRef, RecordSlaWarning,
                                   RecordSlaBreach, AutoClose, ArchiveTicket, ApplyMacro>;

}  // namespace ticketd
