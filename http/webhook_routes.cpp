// Outgoing webhooks' admin routes (docs/notifications.md): a tenant's subscriptions and the
// deliveries given up on. The deliveries themselves are notifications/' (WebhooksPort).
#include <boost/url/parse.hpp>

#include "base/decimal.h"
#include "domain/ticket_events.h"
#include "http/api_context.h"
#include "http/webhooks_port.h"

namespace ticketd::http {

namespace {

constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxDescriptionBytes = 500;
constexpr std::size_t kMaxSecretBytes = 200;

std::optional<Response> unavailable(Api::Context& ctx) {
  if (ctx.services.webhooks == nullptr) return problem(404, "webhooks do not run on this ticketd");
  return std::nullopt;
}

void write(JsonWriter& w, const WebhookSubscription& s) {
  w.begin_object().key("id").value(s.id).key("url").value(s.url);
  w.key("event_types").begin_array();
  for (const auto& t : s.event_types) w.value(t);
  w.end_array();
  w.key("description").value(s.description).key("created_at").value(s.created_at);
  if (s.secret) w.key("secret").value(*s.secret);
  w.end_object();
}

Response list(Api::Context& ctx, Call& call) {
  if (auto no = unavailable(ctx)) return std::move(*no);
  auto subs = ctx.services.webhooks->subscriptions(call.who().tenant);
  if (!subs) return problem(subs.error());
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& s : *subs) write(w, s);
  w.end_array().end_object();
  Response r = json_ok(w);
  r.set("Cache-Control", "no-store");
  return r;
}

bool known_type(const std::string& t) {
  if (t == "*") return true;
  for (auto name : kTicketEventTypes) {
    if (name == t) return true;
  }
  return false;
}

Response subscribe(Api::Context& ctx, Call& call) {
  if (auto no = unavailable(ctx)) return std::move(*no);
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  WebhookSubscription s;
  in->require("url");
  s.url = in->string("url", kMaxUrlBytes).value_or("");
  if (!s.url.empty()) {
    auto parsed = boost::urls::parse_absolute_uri(s.url);
    if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") || parsed->host().empty()) {
      in->add_error("url", "must be an absolute http:// or https:// URL");
    }
  }
  in->require("event_types");
  s.event_types = in->strings("event_types").value_or(std::vector<std::string>{});
  if (in->has("event_types") && s.event_types.empty()) in->add_error("event_types", "must name at least one type");
  for (const auto& t : s.event_types) {
    if (!known_type(t)) in->add_error("event_types", "'" + t + "' is not a ticket event type (docs/events.md) or *");
  }
  s.description = in->string("description", kMaxDescriptionBytes).value_or("");
  s.secret = in->string("secret", kMaxSecretBytes);
  if (auto bad = in->finish()) return std::move(*bad);
  auto created = ctx.services.webhooks->subscribe(call.who().tenant, std::move(s), call.who());
  if (!created) return problem(created.error());
  JsonWriter w;
  write(w, *created);
  Response r = json_ok(w, 201);
  r.set("Cache-Control", "no-store");
  r.set("Location", "/api/v1/webhooks/" + created->id);
  return r;
}

Response unsubscribe(Api::Context& ctx, Call& call) {
  if (auto no = unavailable(ctx)) return std::move(*no);
  auto removed = ctx.services.webhooks->unsubscribe(call.who().tenant, call.params.get("id"), call.who());
  if (!removed) return problem(removed.error());
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

Response list_dead_letters(Api::Context& ctx, Call& call) {
  if (auto no = unavailable(ctx)) return std::move(*no);
  auto letters = ctx.services.webhooks->dead_letters(call.who().tenant);
  if (!letters) return problem(letters.error());
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& l : *letters) {
    w.begin_object().key("id").value(l.id).key("subscription").value(l.subscription).key("position").value(l.position);
    w.key("error").value(l.error).key("attempts").value(l.attempts).key("at").value(l.at).end_object();
  }
  w.end_array().end_object();
  return json_ok(w);
}

Response retry_dead_letter(Api::Context& ctx, Call& call) {
  if (auto no = unavailable(ctx)) return std::move(*no);
  const auto id = parse_decimal(call.params.get("id"));
  if (!id) return problem(404, "no such dead letter");
  auto delivered = ctx.services.webhooks->retry_dead_letter(call.who().tenant, *id);
  if (!delivered) return problem(delivered.error());
  return json_response(200, *delivered ? R"({"status":"delivered"})" : R"({"status":"failed_again"})");
}

}  // namespace

void add_webhook_routes(Api::Context& ctx) {
  Router& r = ctx.router;
  auto bind = [&ctx](Response (*fn)(Api::Context&, Call&)) { return [&ctx, fn](Call& c) { return fn(ctx, c); }; };
  r.add("GET", "/api/v1/webhooks", access::Action::configure_webhooks, bind(list),
        {"The tenant's webhook subscriptions, secrets left out", "", {}, "", {200, 403, 404}});
  r.add("POST", "/api/v1/webhooks", access::Action::configure_webhooks, bind(subscribe),
        {"Subscribe a URL to ticket event types; the answer carries the signing secret, once",
         "",
         {},
         "url, event_types, description, secret",
         {201, 403, 404, 409, 415, 422}});
  r.add("DELETE", "/api/v1/webhooks/{id}", access::Action::configure_webhooks, bind(unsubscribe),
        {"Remove a subscription (nothing more is delivered to it)", "", {}, "", {204, 403, 404}});
  r.add("GET", "/api/v1/webhooks/dead-letters", access::Action::configure_webhooks, bind(list_dead_letters),
        {"Webhook deliveries the outbox gave up on", "", {}, "", {200, 403, 404}});
  r.add("POST", "/api/v1/webhooks/dead-letters/{id}/retry", access::Action::configure_webhooks, bind(retry_dead_letter),
        {"Deliver a dead letter once more (removed when it goes through)", "", {}, "", {200, 403, 404}});
}

}  // namespace ticketd::http
