// Macros (agents apply them to tickets) and ticket templates (customers start tickets from
// them): listed and replaced per tenant, as part of its configuration (docs/automations.md).
#include "events/tenant_config_codec.h"
#include "http/api_context.h"

namespace ticketd::http {

namespace {

Response list_macros(Api::Context& ctx, Call& call) {
  auto config = ctx.engine().tenant(call.who().tenant);
  if (!config) return problem(config.error());
  JsonWriter w;
  w.begin_object().key("macros").raw(encode_macros(config->macros)).end_object();
  return json_ok(w);
}

Response list_templates(Api::Context& ctx, Call& call) {
  auto config = ctx.engine().tenant(call.who().tenant);
  if (!config) return problem(config.error());
  JsonWriter w;
  w.begin_object().key("templates").raw(encode_templates(config->templates)).end_object();
  return json_ok(w);
}

// PUT {"<key>": [...]}: replaces one list of the caller's tenant configuration, as
// PUT /sla/policies replaces the SLA targets; `replace` decodes and sets it.
template <class Replace>
Response put_list(Api::Context& ctx, Call& call, const char* key, std::size_t max_items, Replace replace) {
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  in->require(key);
  (void)in->array(key, max_items);
  if (auto bad = in->finish()) return std::move(*bad);
  auto current = ctx.engine().tenant(call.who().tenant);
  if (!current) return problem(current.error());
  TenantConfig next = *current;
  if (auto replaced = replace(next); !replaced) return problem(replaced.error());
  auto saved = ctx.engine().configure_tenant(next, call.who());
  if (!saved) return problem(saved.error());
  return std::string_view(key) == "macros" ? list_macros(ctx, call) : list_templates(ctx, call);
}

Response put_macros(Api::Context& ctx, Call& call) {
  return put_list(ctx, call, "macros", TenantConfigLimits::kMaxMacros, [&](TenantConfig& next) -> Result<void> {
    auto sent = decode_macros(call.request.body);
    if (!sent) return std::unexpected(sent.error());
    next.macros = std::move(*sent);
    return {};
  });
}

Response put_templates(Api::Context& ctx, Call& call) {
  return put_list(ctx, call, "templates", TenantConfigLimits::kMaxTemplates, [&](TenantConfig& next) -> Result<void> {
    auto sent = decode_templates(call.request.body, next);
    if (!sent) return std::unexpected(sent.error());
    next.templates = std::move(*sent);
    return {};
  });
}

Response apply_macro(Api::Context& ctx, Call& call) {
  if (!call.request.body.empty()) {  // none, or an object without fields
    auto in = JsonInput::parse(call.request);
    if (!in) return std::move(in.error());
    if (auto bad = in->finish()) return std::move(*bad);
  }
  ApplyMacro a;
  a.macro_id = call.params.get("macro_id");
  a.comment_id = ctx.services.ids.next_id();
  return ctx.run(call, std::move(a));
}

}  // namespace

void add_macro_routes(Api::Context& ctx) {
  Router& r = ctx.router;
  auto bind = [&ctx](Response (*fn)(Api::Context&, Call&)) { return [&ctx, fn](Call& c) { return fn(ctx, c); }; };
  using access::Action;
  r.add("GET", "/api/v1/macros", Action::read_macros, bind(list_macros),
        {"The macros of one's tenant", "", {}, "", {200, 403}});
  r.add("PUT", "/api/v1/macros", Action::change_macros, bind(put_macros),
        {"Replace the tenant's macros", "", {}, "macros", {200, 403, 415, 422}});
  r.add("POST", "/api/v1/tickets/{id}/macros/{macro_id}", Access::principal, bind(apply_macro),
        {"Apply a macro of one's tenant: all its actions in one change",
         who_on_tickets(Action::apply_macro),
         {},
         "none",
         {200, 403, 404, 409, 412, 415, 422}});
  r.add("GET", "/api/v1/templates", Action::read_templates, bind(list_templates),
        {"The ticket templates of one's tenant", "", {}, "", {200, 403}});
  r.add("PUT", "/api/v1/templates", Action::change_templates, bind(put_templates),
        {"Replace the tenant's ticket templates", "", {}, "templates", {200, 403, 415, 422}});
}

}  // namespace ticketd::http
