// The events of a ticket stream. Each carries the values before and after where a value
// changes, so the log alone is the audit trail. Actor and time live in the event record
// (eventstore/event.h); apply() receives the time.
#pragma once

#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/ticket.h"

namespace ticketd {

struct TicketCreated {
  std::string id, number, tenant, subject, description;
  TicketType type = TicketType::question;
  std::string category;
  Priority priority = Priority::medium;
  std::string queue;
  std::string requester;
  std::vector<std::string> tags;
  std::vector<std::string> attachments;
  std::optional<ExternalRef> external;
};

// One changed field of subject/description/priority/category/queue/type.
struct FieldChange {
  std::string field, before, after;
  friend bool operator==(const FieldChange&, const FieldChange&) = default;
};
struct TicketUpdated {
  std::vector<FieldChange> changes;
  std::optional<std::vector<std::string>> tags_before, tags_after;
};

struct TicketAssigned {
  std::optional<std::string> before, after;  // after == nullopt: unassigned
};

struct StatusChanged {
  Status from = Status::new_, to = Status::new_;
  std::string reason;  // assign, unassign, start, wait, resolve, close, confirm, withdraw,
                       // reopen, customer_reply, auto_close, merge
  std::optional<Resolution> resolution;
};

struct CommentAdded {
  Comment comment;  // `at` is set by apply from the record time
};

struct AttachmentAdded {
  AttachmentMeta attachment;
};

struct TicketMerged {  // on the source
  std::string into;
};
struct MergeReceived {  // on the target: a system note
  std::string from;
};

struct FeedbackGiven {
  int rating = 0;
  std::string comment;
};

struct ExternalRefAdded {
  ExternalRef ref;
};

struct SlaWarning {
  SlaMetric metric = SlaMetric::first_response;
  Timestamp due{};
};
struct SlaBreached {
  SlaMetric metric = SlaMetric::first_response;
  Timestamp due{};
};
// Retention: the ticket leaves the read models; the log keeps it (docs/privacy.md).
struct TicketArchived {
  std::int64_t retention_days = 0;  // the tenant's setting that made it due
};

using TicketEvent =
    std::variant<TicketCreated, TicketUpdated, TicketAssigned, StatusChanged, CommentAdded, AttachmentAdded,
                 TicketMerged, MergeReceived, FeedbackGiven, ExternalRefAdded, SlaWarning, SlaBreached, TicketArchived>;

// Every ticket event's type name in the log, in the variant's order.
inline constexpr std::string_view kTicketEventTypes[] = {"ticket.created",        "ticket.updated",
                                                         "ticket.assigned",       "ticket.status_changed",
                                                         "ticket.commented",      "ticket.attachment_added",
                                                         "ticket.merged",         "ticket.merge_received",
                                                         "ticket.feedback_given", "ticket.external_ref_added",
                                                         "ticket.sla_warning",    "ticket.sla_breached",
                                                         "ticket.archived"};
static_assert(std::size(kTicketEventTypes) == std::variant_size_v<TicketEvent>);

// The event's type name in the log ("ticket.created", ...).
[[nodiscard]] std::string_view event_type_name(const TicketEvent& e);
[[nodiscard]] std::string_view name_of(SlaMetric m);

}  // namespace ticketd
