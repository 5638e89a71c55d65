// The data subjects' rights (docs/privacy.md): erasure.
#include "base/subject_keys.h"
#include "http/api_context.h"

namespace ticketd::http {

namespace {

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
  if (!access::sees_all_tenants(who)) {
    auto user = ctx.engine().user(*subject);
    if (!user) return problem(user.error());
    if (!*user) return problem(404, "no such user");
    auto covers = ctx.engine().covers(who, (*user)->tenant);
    if (!covers) return problem(covers.error());
    if (!*covers) return problem(404, "no such user");
  }
  auto erased = ctx.engine().erase_subject(*subject, who);
  if (!erased) return problem(erased.error());
  JsonWriter w;
  w.begin_object().key("subject").value(*subject).key("keys").value(erased->keys);
  w.key("position").value(erased->position).end_object();
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
}

}  // namespace ticketd::http
