// The data subjects' rights (docs/privacy.md): erasure and export.
#include "base/subject_keys.h"
#include "http/api_context.h"

namespace ticketd::http {

namespace {

// Tickets one export covers at most (a larger one says "truncated": true).
constexpr int kMaxExportTickets = 10000;

// 404 unless `who` may act on `subject`: a global admin on anyone, an admin on a user the
// directory holds in a tenant of their scope.
std::optional<Response> out_of_scope(Api::Context& ctx, const Principal& who, const std::string& subject) {
  if (access::sees_all_tenants(who)) return std::nullopt;
  auto user = ctx.engine().user(subject);
  if (!user) return problem(user.error());
  if (!*user) return problem(404, "no such user");
  auto covers = ctx.engine().covers(who, (*user)->tenant);
  if (!covers) return problem(covers.error());
  if (!*covers) return problem(404, "no such user");
  return std::nullopt;
}

// POST /privacy/erase {"subject": "<sub>"}: a global admin erases anyone; an admin only a
// user the directory holds in a tenant of their scope (any other subject is 404 to them).
Response erase(Api::Context& ctx, Call& call) {
  const Principal& who = call.who();
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  in->require("subject");
  auto subject = in->string("subject", SubjectKeys::kMaxSubjectBytes);
  if (subject && subject->empty()) in->add_error("subject", "must not be empty");
  if (auto bad = in->finish()) return std::move(*bad);
  if (auto refused = out_of_scope(ctx, who, *subject)) return std::move(*refused);
  auto erased = ctx.engine().erase_subject(*subject, who);
  if (!erased) return problem(erased.error());
  JsonWriter w;
  w.begin_object().key("subject").value(*subject).key("keys").value(erased->keys);
  w.key("position").value(erased->position).end_object();
  return json_ok(w);
}

// GET /privacy/export?subject=<sub>: everything ticketd holds about the person, in the
// caller's scope: the user record, the tickets they requested (whole, as staff see them),
// the comments they wrote, the attachments they uploaded (metadata) and their feedback.
Response export_subject(Api::Context& ctx, Call& call) {
  const Principal& who = call.who();
  const auto param = call.request.param("subject");
  if (!param || param->empty() || param->size() > SubjectKeys::kMaxSubjectBytes) {
    return invalid_field("subject", "send the subject's sub (1 to 512 bytes)");
  }
  const std::string subject(*param);
  if (auto refused = out_of_scope(ctx, who, subject)) return std::move(*refused);
  auto user = ctx.engine().user(subject);
  if (!user) return problem(user.error());
  auto ids = ctx.queries()->tickets_of_person(who, subject, kMaxExportTickets + 1);
  if (!ids) return problem(ids.error());
  const bool truncated = ids->size() > static_cast<std::size_t>(kMaxExportTickets);
  if (truncated) ids->pop_back();
  std::vector<TicketRepository::Ptr> tickets;
  for (const auto& id : *ids) {
    auto t = ctx.engine().ticket(id, who);
    if (!t) return problem(t.error());
    tickets.push_back(std::move(*t));
  }
  JsonWriter w;
  w.begin_object().key("subject").value(subject).key("user");
  if (*user)
    write_user(w, **user);
  else
    w.null();
  w.key("tickets_requested").begin_array();
  for (const auto& t : tickets) {
    if (t->requester != subject) continue;
    auto config = ctx.engine().tenant(t->tenant);
    if (!config) return problem(config.error());
    auto tz = ctx.engine().time_zone(config->calendar.time_zone);
    if (!tz) return problem(tz.error());
    write_ticket(w, *t, ViewContext{who, *config, **tz, ctx.now()});
  }
  w.end_array().key("comments_written").begin_array();
  for (const auto& t : tickets) {
    for (const auto& c : t->comments) {
      if (c.author != subject) continue;
      w.begin_object().key("ticket").value(t->id).key("comment");
      write_comment(w, c);
      w.end_object();
    }
  }
  w.end_array().key("attachments_uploaded").begin_array();
  for (const auto& t : tickets) {
    for (const auto& a : t->attachments) {
      if (a.uploader != subject) continue;
      w.begin_object().key("ticket").value(t->id).key("attachment");
      write_attachment(w, a);
      w.end_object();
    }
  }
  w.end_array().key("feedback").begin_array();
  for (const auto& t : tickets) {
    if (t->requester != subject || !t->feedback_rating) continue;
    w.begin_object().key("ticket").value(t->id).key("rating").value(std::int64_t{*t->feedback_rating});
    w.key("comment").value(t->feedback_comment).end_object();
  }
  w.end_array().key("truncated").value(truncated).end_object();
  return json_ok(w);
}

}  // namespace

void add_privacy_routes(Api::Context& ctx) {
  Router& r = ctx.router;
  auto bind = [&ctx](Response (*fn)(Api::Context&, Call&)) { return [&ctx, fn](Call& c) { return fn(ctx, c); }; };
  r.add("POST", "/api/v1/privacy/erase", access::Action::erase_subject, bind(erase),
        {"Erase a person's data: destroy their keys and record privacy.erased (no personal data)",
         "",
         {},
         "subject",
         {200, 403, 404, 415, 422, 503}});
  r.add("GET", "/api/v1/privacy/export", access::Action::export_subject, bind(export_subject),
        {"Everything held about a person: user record, tickets requested, comments, attachments, feedback",
         "",
         {"subject"},
         "",
         {200, 403, 404, 422}});
}

}  // namespace ticketd::http
