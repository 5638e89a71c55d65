// apply(): folds one ticket event into the state.
#include <algorithm>

#include "domain/ticket_workflow.h"

namespace ticketd {
namespace {

void start_clock(SlaClock& c, Timestamp at) {
  if (!c.met_at && !c.running_since) c.running_since = at;
}

void stop_clock(SlaClock& c, Timestamp at) {
  if (c.running_since) {
    c.ran.emplace_back(*c.running_since, at);
    c.running_since.reset();
  }
}

void meet_clock(SlaClock& c, Timestamp at) {
  stop_clock(c, at);
  if (!c.met_at) c.met_at = at;
}

void share(Ticket& t, const std::string& attachment_id) {
  auto& shared = t.shared_attachments;
  if (std::find(shared.begin(), shared.end(), attachment_id) != shared.end()) return;
  auto it = std::find_if(t.attachments.begin(), t.attachments.end(),
                         [&](const AttachmentMeta& a) { return a.id == attachment_id; });
  if (it != t.attachments.end() && it->visibility == Visibility::public_) shared.push_back(attachment_id);
}

void on_status(Ticket& t, const StatusChanged& e, Timestamp at) {
  t.status = e.to;
  if (e.resolution) t.resolution = e.resolution;
  const bool was_paused = sla_paused(e.from);
  const bool now_paused = sla_paused(e.to);
  if (e.to == Status::resolved || e.to == Status::closed) {
    if (e.from != Status::resolved) ++t.resolution_cycle;  // resolved -> closed is the same resolution
  }
  if (e.to == Status::resolved) {
    t.resolved_at = at;
    meet_clock(t.resolution_clock, at);
    stop_clock(t.first_response, at);
  } else if (e.to == Status::closed) {
    t.closed_at = at;
    if (!t.resolved_at || e.from != Status::resolved) t.resolved_at = at;
    meet_clock(t.resolution_clock, at);
    stop_clock(t.first_response, at);
  } else if (e.reason == "reopen") {
    t.resolution.reset();
    t.resolved_at.reset();
    t.closed_at.reset();
    t.resolution_clock = SlaClock{};  // the resolution clock restarts on reopen
    start_clock(t.resolution_clock, at);
    start_clock(t.first_response, at);
  } else if (was_paused && !now_paused) {
    start_clock(t.first_response, at);
    start_clock(t.resolution_clock, at);
  } else if (!was_paused && now_paused) {
    stop_clock(t.first_response, at);
    stop_clock(t.resolution_clock, at);
  }
}

}  // namespace

Ticket apply(Ticket t, const TicketEvent& event, Timestamp at) {
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, TicketCreated>) {
          t.id = e.id;
          t.number = e.number;
          t.tenant = e.tenant;
          t.subject = e.subject;
          t.description = e.description;
          t.type = e.type;
          t.category = e.category;
          t.priority = e.priority;
          t.queue = e.queue;
          t.requester = e.requester;
          t.tags = e.tags;
          if (e.external) t.external.push_back(*e.external);
          t.status = Status::new_;
          t.created_at = at;
          start_clock(t.first_response, at);
          start_clock(t.resolution_clock, at);
        } else if constexpr (std::is_same_v<E, TicketUpdated>) {
          for (const auto& c : e.changes) {
            if (c.field == "subject")
              t.subject = c.after;
            else if (c.field == "description")
              t.description = c.after;
            else if (c.field == "category")
              t.category = c.after;
            else if (c.field == "queue")
              t.queue = c.after;
            else if (c.field == "priority")
              t.priority = parse_priority(c.after).value_or(t.priority);
            else if (c.field == "type")
              t.type = parse_ticket_type(c.after).value_or(t.type);
          }
          if (e.tags_after) t.tags = *e.tags_after;
        } else if constexpr (std::is_same_v<E, TicketAssigned>) {
          t.assignee = e.after;
        } else if constexpr (std::is_same_v<E, StatusChanged>) {
          on_status(t, e, at);
        } else if constexpr (std::is_same_v<E, CommentAdded>) {
          Comment c = e.comment;
          c.at = at;
          if (c.is_staff_reply && c.visibility == Visibility::public_) meet_clock(t.first_response, at);
          if (c.visibility == Visibility::public_) {
            for (const auto& id : c.attachments) share(t, id);
          }
          t.comments.push_back(std::move(c));
        } else if constexpr (std::is_same_v<E, AttachmentAdded>) {
          t.attachments.push_back(e.attachment);
          if (e.attachment.uploader == t.requester) share(t, e.attachment.id);
        } else if constexpr (std::is_same_v<E, TicketMerged>) {
          t.links.push_back(Link{"duplicate_of", e.into});
        } else if constexpr (std::is_same_v<E, MergeReceived>) {
          t.links.push_back(Link{"merged_from", e.from});
        } else if constexpr (std::is_same_v<E, FeedbackGiven>) {
          t.feedback_rating = e.rating;
          t.feedback_comment = e.comment;
          t.feedback_cycle = t.resolution_cycle;
        } else if constexpr (std::is_same_v<E, ExternalRefAdded>) {
          t.external.push_back(e.ref);
        } else if constexpr (std::is_same_v<E, SlaWarning>) {
          t.clock(e.metric).warned = true;
        } else if constexpr (std::is_same_v<E, SlaBreached>) {
          t.clock(e.metric).breached = true;
        } else if constexpr (std::is_same_v<E, TicketArchived>) {
          t.archived_at = at;
        }
      },
      event);
  t.updated_at = at;
  ++t.version;
  return t;
}

std::string_view event_type_name(const TicketEvent& e) { return kTicketEventTypes[e.index()]; }

std::string_view name_of(SlaMetric m) { return m == SlaMetric::first_response ? "first_response" : "resolution"; }

}  // namespace ticketd
