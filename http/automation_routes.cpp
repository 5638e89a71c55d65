// The tenant's escalation rules (docs/automations.md, "Escalation"): read and replaced by
// its admins; stored in the tenant's configuration, so every change is a tenant.configured
// event.
#include <simdjson.h>

#include "events/tenant_config_codec.h"
#include "http/api_context.h"

namespace ticketd::http {

namespace {

Response rules_answer(const TenantConfig& config) {
  JsonWriter w;
  w.begin_object().key("rules").raw(encode_escalation_rules(config.escalations)).end_object();
  return json_ok(w);
}

Response get_escalations(Api::Context& ctx, Call& call) {
  auto config = ctx.engine().tenant(call.who().tenant);
  if (!config) return problem(config.error());
  return rules_answer(*config);
}

Response put_escalations(Api::Context& ctx, Call& call) {
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  in->require("rules");
  auto sent = in->array("rules");
  if (auto bad = in->finish()) return std::move(*bad);
  const std::string rules_json = simdjson::minify(*sent);
  auto current = ctx.engine().tenant(call.who().tenant);
  if (!current) return problem(current.error());
  auto rules = decode_escalation_rules(rules_json, *current);
  if (!rules) return problem(rules.error());
  TenantConfig next = *current;
  next.escalations = std::move(*rules);
  auto saved = ctx.engine().configure_tenant(next, call.who());
  if (!saved) return problem(saved.error());
  return rules_answer(*saved);
}

}  // namespace

void add_automation_routes(Api::Context& ctx) {
  Router& r = ctx.router;
  auto bind = [&ctx](Response (*fn)(Api::Context&, Call&)) { return [&ctx, fn](Call& c) { return fn(ctx, c); }; };
  using access::Action;
  r.add("GET", "/api/v1/automations/escalations", Action::configure_automations, bind(get_escalations),
        {"The tenant's escalation rules", "", {}, "", {200, 403}});
  r.add("PUT", "/api/v1/automations/escalations", Action::configure_automations, bind(put_escalations),
        {"Replace the tenant's escalation rules", "", {}, "rules", {200, 403, 415, 422}});
}

}  // namespace ticketd::http
