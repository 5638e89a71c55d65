// Tenants, users and SLA policies.
#include <fmt/format.h>
#include <simdjson.h>

#include "events/tenant_config_codec.h"
#include "http/api_context.h"

namespace ticketd::http {

namespace {

constexpr std::size_t kMaxNameBytes = 200;
constexpr std::size_t kMaxQueueNameBytes = 64;  // as the tenant settings allow

// Writes `config` as the API shows it: {id, name, parent, settings: {...}}.
void write_tenant(JsonWriter& w, const TenantConfig& config) {
  thread_local simdjson::dom::parser parser;
  const std::string encoded = encode_tenant_config(config);
  simdjson::dom::object root;
  w.begin_object().key("id").value(config.id).key("name").value(config.name).key("parent").value(config.parent);
  w.key("settings").begin_object();
  if (parser.parse(encoded).get_object().get(root) == simdjson::SUCCESS) {
    for (auto [key, value] : root) {
      if (key == "name" || key == "parent") continue;
      w.key(key).raw(simdjson::minify(value));
    }
  }
  w.end_object().end_object();
}

Response get_policies(Api::Context& ctx, Call& call) {
  auto config = ctx.engine().tenant(call.who().tenant);
  if (!config) return problem(config.error());
  JsonWriter w;
  write_tenant(w, *config);
  return json_ok(w);
}

// 422 unless the calendar names a time zone of the system's tz database.
std::optional<Response> unknown_time_zone(Api::Context& ctx, const TenantConfig& config) {
  if (ctx.engine().time_zone(config.calendar.time_zone)) return std::nullopt;
  return invalid_field("calendar.time_zone", "unknown IANA time zone '" + config.calendar.time_zone + "'");
}

Response put_policies(Api::Context& ctx, Call& call) {
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  const bool has_sla = in->has("sla"), has_calendar = in->has("calendar");
  (void)in->object("sla");
  (void)in->object("calendar");
  if (!has_sla && !has_calendar) in->add_error("sla", "send sla and/or calendar");
  if (auto bad = in->finish()) return std::move(*bad);
  auto current = ctx.engine().tenant(call.who().tenant);
  if (!current) return problem(current.error());
  auto sent = decode_tenant_config(call.who().tenant, call.request.body);
  if (!sent) return problem(sent.error());
  TenantConfig next = *current;
  if (has_sla) next.sla = sent->sla;
  if (has_calendar) next.calendar = sent->calendar;
  if (auto bad = unknown_time_zone(ctx, next)) return std::move(*bad);
  auto saved = ctx.engine().configure_tenant(next, call.who());
  if (!saved) return problem(saved.error());
  JsonWriter w;
  write_tenant(w, *saved);
  return json_ok(w);
}

Response list_tenants(Api::Context& ctx, Call& call) {
  auto rows = ctx.queries()->tenants(call.who());
  if (!rows) return problem(rows.error());
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  bool own_listed = false;
  for (const auto& row : *rows) own_listed = own_listed || row.id == call.who().tenant;
  if (!own_listed && !access::sees_all_tenants(call.who())) {
    auto own = ctx.engine().tenant(call.who().tenant);
    if (!own) return problem(own.error());
    write_tenant(w, *own);
  }
  for (const auto& row : *rows) {
    auto config = decode_tenant_config(row.id, row.config_json);
    if (config) write_tenant(w, *config);
  }
  w.end_array().key("next_cursor").null().end_object();
  return json_ok(w);
}

Response put_tenant(Api::Context& ctx, Call& call) {
  const std::string& id = call.params.get("id");
  if (id.size() > kMaxNameBytes) return invalid_field("id", "must be at most 200 bytes");
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  auto name = in->string("name", kMaxNameBytes);
  auto parent = in->string("parent", kMaxNameBytes);
  auto settings = in->object("settings");
  std::string settings_json = "{}";
  if (settings) settings_json = simdjson::minify(settings->raw());
  if (auto bad = in->finish()) return std::move(*bad);
  auto config = decode_tenant_config(id, settings_json);
  if (!config) return problem(config.error());
  config->name = name.value_or(id);
  config->parent = parent.value_or("");
  if (config->parent == id) return invalid_field("parent", "a tenant cannot be its own parent");
  if (auto bad = unknown_time_zone(ctx, *config)) return std::move(*bad);
  auto saved = ctx.engine().configure_tenant(*config, call.who());
  if (!saved) return problem(saved.error());
  JsonWriter w;
  write_tenant(w, *saved);
  return json_ok(w);
}

Response list_users(Api::Context& ctx, Call& call) {
  auto limit = int_param(call.request, "limit", 1, kMaxPageSize);
  if (!limit) return std::move(limit.error());
  const int n = static_cast<int>(limit->value_or(kDefaultPageSize));
  auto rows = ctx.queries()->users(call.who(), n, std::string(call.request.param("cursor").value_or("")));
  if (!rows) return problem(rows.error());
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& u : *rows) {
    w.begin_object().key("sub").value(u.sub).key("tenant").value(u.tenant).key("role").value(u.role);
    w.key("name").value(u.name).key("email").value(u.email).key("queues").raw(u.queues);
    w.key("available").value(u.available).end_object();
  }
  w.end_array().key("next_cursor");
  if (static_cast<int>(rows->size()) == n)
    w.value(rows->back().sub);
  else
    w.null();
  w.end_object();
  return json_ok(w);
}

Response put_user(Api::Context& ctx, Call& call) {
  const Principal& who = call.who();
  const std::string& sub = call.params.get("sub");
  if (sub.size() > kMaxNameBytes) return invalid_field("sub", "must be at most 200 bytes");
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  in->require("role");
  auto tenant = in->string("tenant", kMaxNameBytes);
  auto role =
      in->enumerated<Role>("role", parse_role, "customer, agent, admin, manager, auditor, global_admin, integration");
  auto name = in->string("name", kMaxNameBytes);
  auto email = in->string("email", kMaxNameBytes);
  auto queues = in->strings("queues", kMaxQueueNameBytes);  // at most kMaxArrayItems
  if (role && !access::may_grant(who, *role)) {
    in->add_error("role", std::string("you may not grant the role ") + role_name(*role));
  }
  if (auto bad = in->finish()) return std::move(*bad);
  UserRecord user{sub, tenant.value_or(who.tenant), name.value_or(""), email.value_or(""), *role};
  if (queues) user.queues = std::move(*queues);
  auto covers = ctx.engine().covers(who, user.tenant);
  if (!covers) return problem(covers.error());
  if (!*covers) return problem(404, "no such tenant");
  auto existing = ctx.engine().user(sub);
  if (!existing) return problem(existing.error());
  if (*existing) {
    auto covers_existing = ctx.engine().covers(who, (*existing)->tenant);
    if (!covers_existing) return problem(covers_existing.error());
    if (!*covers_existing) return problem(404, "no such user");
    user.available = (*existing)->available;
  }
  if (auto recorded = ctx.engine().record_user(user, who); !recorded) {
    return problem(recorded.error());
  }
  JsonWriter w;
  write_user(w, user);
  return json_ok(w);
}

Response put_availability(Api::Context& ctx, Call& call) {
  const Principal& who = call.who();
  const std::string& sub = call.params.get("sub");
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  in->require("available");
  auto available = in->boolean("available");
  if (auto bad = in->finish()) return std::move(*bad);
  if (!access::may_set_availability(who, sub)) {
    return problem(403,
                   "setting another user's availability is for: " + access::who_may(access::Action::register_users));
  }
  auto existing = ctx.engine().user(sub);
  if (!existing) return problem(existing.error());
  if (!*existing) return problem(404, "no such user");
  auto covers = ctx.engine().covers(who, (*existing)->tenant);
  if (!covers) return problem(covers.error());
  if (!*covers) return problem(404, "no such user");
  UserRecord user = **existing;
  if (!access::may(user.role, access::Action::be_assigned))
    return invalid_field("available", "only staff hold tickets");
  user.available = *available;
  if (user != **existing) {
    if (auto recorded = ctx.engine().record_user(user, who); !recorded) return problem(recorded.error());
  }
  JsonWriter w;
  write_user(w, user);
  return json_ok(w);
}

}  // namespace

void add_directory_routes(Api::Context& ctx) {
  Router& r = ctx.router;
  auto bind = [&ctx](Response (*fn)(Api::Context&, Call&)) { return [&ctx, fn](Call& c) { return fn(ctx, c); }; };
  using access::Action;
  r.add("GET", "/api/v1/sla/policies", Action::read_sla_policies, bind(get_policies),
        {"The tenant's SLA targets and business calendar", "", {}, "", {200, 403}});
  r.add("PUT", "/api/v1/sla/policies", Action::change_sla_policies, bind(put_policies),
        {"Replace the tenant's SLA targets and/or calendar", "", {}, "sla, calendar", {200, 403, 415, 422}});
  r.add("GET", "/api/v1/tenants", Action::list_tenants, bind(list_tenants),
        {"Tenants in scope (a global admin's scope is every tenant)", "", {}, "", {200, 403}});
  r.add("PUT", "/api/v1/tenants/{id}", Action::configure_tenants, bind(put_tenant),
        {"Create or configure a tenant", "", {}, "name, parent, settings", {200, 403, 415, 422}});
  r.add("GET", "/api/v1/users", Action::read_users, bind(list_users),
        {"Known users of tenants in scope", "", {"limit", "cursor"}, "", {200, 400, 403}});
  r.add("PUT", "/api/v1/users/{sub}", Action::register_users, bind(put_user),
        {"Register or update a user ahead of first sign-in (only a global admin grants global_admin)",
         "",
         {},
         "tenant, role, name, email, queues",
         {200, 403, 404, 415, 422}});
  r.add("PUT", "/api/v1/users/{sub}/availability", Action::set_availability, bind(put_availability),
        {"Mark a user available for automatic assignment or not (oneself; admins anyone in scope)",
         "",
         {},
         "available",
         {200, 403, 404, 415, 422}});
}

}  // namespace ticketd::http
