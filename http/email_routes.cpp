// E-mail notifications' routes (docs/notifications.md, "E-mail"): a user's own opt-out and
// the admins' dead letters. Sending is notifications/' (EmailPort).

#include "base/decimal.h"
#include "http/api_context.h"
#include "http/email_port.h"

namespace ticketd::http {

namespace {

std::optional<Response> unavailable(Api::Context& ctx) {
  if (ctx.services.email == nullptr) return problem(404, "e-mail notifications do not run on this ticketd");
  return std::nullopt;
}

Response preference(bool enabled) {
  JsonWriter w;
  w.begin_object().key("email").value(enabled).end_object();
  Response r = json_ok(w);
  r.set("Cache-Control", "no-store");
  return r;
}

Response get_preference(Api::Context& ctx, Call& call) {
  if (auto no = unavailable(ctx)) return std::move(*no);
  auto enabled = ctx.services.email->email_enabled(call.who().tenant, call.who().sub);
  if (!enabled) return problem(enabled.error());
  return preference(*enabled);
}

Response put_preference(Api::Context& ctx, Call& call) {
  if (auto no = unavailable(ctx)) return std::move(*no);
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  in->require("email");
  const bool enabled = in->boolean("email").value_or(true);
  if (auto bad = in->finish()) return std::move(*bad);
  if (auto ok = ctx.services.email->set_email_enabled(call.who().tenant, call.who().sub, enabled); !ok) {
    return problem(ok.error());
  }
  return preference(enabled);
}

Response list_dead_letters(Api::Context& ctx, Call& call) {
  if (auto no = unavailable(ctx)) return std::move(*no);
  auto letters = ctx.services.email->dead_letters(call.who().tenant);
  if (!letters) return problem(letters.error());
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& l : *letters) {
    w.begin_object().key("id").value(l.id).key("recipient").value(l.recipient).key("position").value(l.position);
    w.key("error").value(l.error).key("attempts").value(l.attempts).key("at").value(l.at).end_object();
  }
  w.end_array().end_object();
  return json_ok(w);
}

Response retry_dead_letter(Api::Context& ctx, Call& call) {
  if (auto no = unavailable(ctx)) return std::move(*no);
  const auto id = parse_decimal(call.params.get("id"));
  if (!id) return problem(404, "no such dead letter");
  auto sent = ctx.services.email->retry_dead_letter(call.who().tenant, *id);
  if (!sent) return problem(sent.error());
  return json_response(200, *sent ? R"({"status":"sent"})" : R"({"status":"failed_again"})");
}

}  // namespace

void add_email_routes(Api::Context& ctx) {
  Router& r = ctx.router;
  auto bind = [&ctx](Response (*fn)(Api::Context&, Call&)) { return [&ctx, fn](Call& c) { return fn(ctx, c); }; };
  r.add("GET", "/api/v1/me/notifications", Access::principal, bind(get_preference),
        {"Whether the caller receives e-mail notifications", "any principal", {}, "", {200, 404}});
  r.add("PUT", "/api/v1/me/notifications", Access::principal, bind(put_preference),
        {"Opt in to or out of e-mail notifications", "any principal", {}, "email", {200, 404, 415, 422}});
  r.add("GET", "/api/v1/notifications/dead-letters", access::Action::configure_notifications, bind(list_dead_letters),
        {"E-mail notifications the outbox gave up on", "", {}, "", {200, 403, 404}});
  r.add("POST", "/api/v1/notifications/dead-letters/{id}/retry", access::Action::configure_notifications,
        bind(retry_dead_letter), {"Send a dead letter once more (removed when accepted)", "", {}, "", {200, 403, 404}});
}

}  // namespace ticketd::http
