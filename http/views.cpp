#include "http/views.h"

namespace ticketd::http {

namespace {

void opt_time(JsonWriter& w, const char* key, const std::optional<Timestamp>& t) {
  w.key(key);
  if (t)
    w.value(format_rfc3339(*t));
  else
    w.null();
}

void opt_str(JsonWriter& w, const char* key, const std::optional<std::string>& s) {
  w.key(key);
  if (s)
    w.value(*s);
  else
    w.null();
}

const char* sla_state_name(SlaState s) {
  switch (s) {
    case SlaState::ok:
      return "ok";
    case SlaState::at_risk:
      return "at_risk";
    case SlaState::breached:
      return "breached";
    case SlaState::met:
      return "met";
    case SlaState::paused:
      return "paused";
  }
  return "ok";
}

void write_sla_metric(JsonWriter& w, const char* key, const Ticket& t, SlaMetric metric, const ViewContext& ctx) {
  const auto status =
      evaluate_sla(t.clock(metric), sla_target(ctx.config, t.priority, metric), ctx.config.calendar, ctx.tz, ctx.now);
  w.key(key).begin_object();
  w.key("state").value(sla_state_name(status.state));
  opt_time(w, "due", status.due);
  opt_time(w, "at_risk_from", status.at_risk_from);
  w.key("target_minutes").value(static_cast<std::int64_t>(status.target.count() / 60'000'000));
  w.key("consumed_seconds").value(static_cast<std::int64_t>(status.consumed.count() / 1'000'000));
  w.key("breached").value(status.breached);
  opt_time(w, "met_at", t.clock(metric).met_at);
  w.end_object();
}

}  // namespace

std::string etag(std::uint64_t version) { return "\"" + std::to_string(version) + "\""; }

void write_ticket(JsonWriter& w, const Ticket& t, const ViewContext& ctx) {
  const bool internal = access::sees_internal(ctx.who);
  w.begin_object();
  w.key("id").value(t.id).key("number").value(t.number).key("tenant").value(t.tenant);
  w.key("subject").value(t.subject).key("description").value(t.description);
  w.key("type").value(name_of(t.type)).key("category").value(t.category);
  w.key("priority").value(name_of(t.priority)).key("status").value(name_of(t.status));
  w.key("queue").value(t.queue).key("requester").value(t.requester);
  opt_str(w, "assignee", t.assignee);
  w.key("tags").begin_array();
  for (const auto& tag : t.tags) w.value(tag);
  w.end_array();
  w.key("resolution");
  if (t.resolution) {
    w.begin_object().key("code").value(name_of(t.resolution->code)).key("text").value(t.resolution->text).end_object();
  } else {
    w.null();
  }
  w.key("feedback");
  if (t.feedback_rating && t.feedback_cycle == t.resolution_cycle) {
    w.begin_object().key("rating").value(*t.feedback_rating).key("comment").value(t.feedback_comment).end_object();
  } else {
    w.null();
  }
  w.key("links").begin_array();
  for (const auto& l : t.links) w.begin_object().key("kind").value(l.kind).key("ticket").value(l.ticket).end_object();
  w.end_array();
  std::int64_t comments = 0, attachments = 0;
  for (const auto& c : t.comments) comments += access::may_see(ctx.who, c.visibility) ? 1 : 0;
  for (const auto& a : t.attachments) attachments += access::may_see_attachment(ctx.who, t, a) ? 1 : 0;
  w.key("comment_count").value(comments).key("attachment_count").value(attachments);
  w.key("created_at").value(format_rfc3339(t.created_at)).key("updated_at").value(format_rfc3339(t.updated_at));
  opt_time(w, "resolved_at", t.resolved_at);
  opt_time(w, "closed_at", t.closed_at);
  opt_time(w, "archived_at", t.archived_at);
  w.key("sla").begin_object();
  write_sla_metric(w, "first_response", t, SlaMetric::first_response, ctx);
  write_sla_metric(w, "resolution", t, SlaMetric::resolution, ctx);
  w.end_object();
  w.key("version").value(t.version);
  if (internal) {
    w.key("internal").begin_object();
    w.key("internal_comment_count").value(static_cast<std::int64_t>(t.comments.size()) - comments);
    w.key("internal_attachment_count").value(static_cast<std::int64_t>(t.attachments.size()) - attachments);
    w.key("external").begin_array();
    for (const auto& e : t.external)
      w.begin_object().key("system").value(e.system).key("key").value(e.key).end_object();
    w.end_array();
    w.key("resolution_cycle").value(static_cast<std::uint64_t>(t.resolution_cycle));
    w.end_object();
  }
  w.end_object();
}

void write_ticket_row(JsonWriter& w, const TicketRow& r) {
  w.begin_object();
  w.key("id").value(r.id).key("number").value(r.number).key("tenant").value(r.tenant);
  w.key("subject").value(r.subject).key("type").value(r.type).key("category").value(r.category);
  w.key("priority").value(r.priority).key("status").value(r.status).key("queue").value(r.queue);
  w.key("requester").value(r.requester);
  opt_str(w, "assignee", r.assignee);
  w.key("created_at").value(format_rfc3339(r.created_at)).key("updated_at").value(format_rfc3339(r.updated_at));
  w.key("version").value(r.version);
  w.key("comment_count").value(r.comment_count).key("attachment_count").value(r.attachment_count);
  w.key("sla").begin_object();
  opt_time(w, "first_response_due", r.sla.first_response_due);
  opt_time(w, "resolution_due", r.sla.resolution_due);
  opt_time(w, "first_response_at", r.sla.first_response_at);
  w.key("at_risk").value(r.sla.at_risk).key("breached").value(r.sla.breached);
  w.end_object();
  w.end_object();
}

void write_page(JsonWriter& w, const TicketPage& page) {
  w.begin_object().key("items").begin_array();
  for (const auto& row : page.items) write_ticket_row(w, row);
  w.end_array().key("next_cursor");
  if (page.next_cursor.empty())
    w.null();
  else
    w.value(page.next_cursor);
  w.end_object();
}

void write_comment(JsonWriter& w, const Comment& c) {
  w.begin_object();
  w.key("id").value(c.id).key("author").value(c.author).key("author_role").value(role_name(c.author_role));
  w.key("body").value(c.body).key("visibility").value(name_of(c.visibility));
  w.key("is_staff_reply").value(c.is_staff_reply);
  w.key("attachments").begin_array();
  for (const auto& a : c.attachments) w.value(a);
  w.end_array().key("mentions").begin_array();
  for (const auto& m : c.mentions) w.value(m);
  w.end_array();
  w.key("created_at").value(format_rfc3339(c.at));
  w.end_object();
}

void write_attachment(JsonWriter& w, const AttachmentMeta& a) {
  w.begin_object();
  w.key("id").value(a.id).key("file_name").value(a.file_name).key("content_type").value(a.content_type);
  w.key("size").value(a.size).key("sha256").value(a.sha256).key("uploader").value(a.uploader);
  w.key("visibility").value(name_of(a.visibility)).key("scan_verdict").value(a.scan_verdict);
  if (!a.url.empty()) w.key("url").value(a.url);  // in an external system: no content here
  w.end_object();
}

void write_event(JsonWriter& w, const EventRecord& e) {
  w.begin_object();
  w.key("position").value(e.position).key("stream").value(e.stream).key("version").value(e.version);
  w.key("event_id").value(e.event_id).key("type").value(e.type).key("schema").value(e.schema);
  w.key("time").value(format_rfc3339(e.time));
  w.key("actor").begin_object().key("sub").value(e.actor.sub).key("role").value(e.actor.role);
  w.key("tenant").value(e.actor.tenant).end_object();
  w.key("correlation_id").value(e.correlation_id).key("causation_id").value(e.causation_id);
  w.key("data").raw(e.data);
  w.key("prev_hash").value(e.prev_hash).key("hash").value(e.hash);
  w.end_object();
}

void write_user(JsonWriter& w, const UserRecord& u) {
  w.begin_object();
  w.key("sub").value(u.sub).key("tenant").value(u.tenant).key("role").value(role_name(u.role));
  w.key("name").value(u.name).key("email").value(u.email);
  w.key("queues").begin_array();
  for (const auto& q : u.queues) w.value(q);
  w.end_array().key("available").value(u.available);
  w.end_object();
}

}  // namespace ticketd::http
