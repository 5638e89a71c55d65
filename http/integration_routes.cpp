// The sync adapters' routes (docs/integrations.md): the signed webhook of each system,
// which anyone may call (the signature is the authentication), and the admin's
// connection settings and status. The work behind them is adapters/' (IntegrationsPort).
#include <charconv>

#include "http/api_context.h"
#include "http/integrations_port.h"

namespace ticketd::http {

namespace {

constexpr std::string_view kSystems[] = {"jira", "zammad", "smax"};

bool known_system(const std::string& system) {
  for (auto s : kSystems) {
    if (s == system) return true;
  }
  return false;
}

// 404 for a system ticketd has no adapter for, or when no adapters run here.
std::optional<Response> unavailable(Api::Context& ctx, const std::string& system) {
  if (!known_system(system)) return problem(404, "no adapter for system '" + system + "' (jira, zammad, smax)");
  if (ctx.services.integrations == nullptr) return problem(404, "integrations do not run on this ticketd");
  return std::nullopt;
}

Response webhook(Api::Context& ctx, Call& call) {
  const std::string& system = call.params.get("system");
  if (auto no = unavailable(ctx, system)) return std::move(*no);
  const auto tenant = call.request.param("tenant");
  if (!tenant || tenant->empty()) return problem(400, "the query parameter tenant is required");
  WebhookDelivery delivery{std::string(*tenant), system, call.request.headers, call.request.body};
  auto received = ctx.services.integrations->receive(delivery);
  if (!received) return problem(received.error());
  switch (*received) {
    case WebhookOutcome::bad_signature: {
      Response r = problem(401, "the webhook signature is missing or does not match");
      return r;
    }
    case WebhookOutcome::not_configured:
      return problem(404, fmt::format("tenant {} has no inbound {} connection", *tenant, system));
    case WebhookOutcome::duplicate:
      return json_response(200, R"({"status":"duplicate"})");
    case WebhookOutcome::accepted:
      break;
  }
  return json_response(202, R"({"status":"accepted"})");
}

// Limits of a connection's settings.
constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxSecretBytes = 4096;
constexpr std::int64_t kMinPullIntervalS = 30, kMaxPullIntervalS = 86400;

Response render(const ConnectionSettings& c, const std::string& tenant, const std::string& system) {
  JsonWriter w;
  w.begin_object().key("system").value(system).key("tenant").value(tenant);
  w.key("base_url").value(c.base_url).key("project").value(c.project);
  w.key("credentials").begin_object();
  w.key("email").value(c.email).key("tenant_id").value(c.tenant_id).key("login").value(c.login);
  const std::pair<const char*, const std::optional<std::string>*> secrets[] = {
      {"api_token", &c.api_token}, {"pat", &c.pat}, {"token", &c.token}, {"password", &c.password}};
  for (const auto& [name, value] : secrets) {
    w.key(name).begin_object().key("set").value(value->has_value() && !(*value)->empty()).end_object();
  }
  w.end_object();
  w.key("webhook_secret").begin_object().key("set").value(c.webhook_secret && !c.webhook_secret->empty());
  w.end_object();
  const std::pair<const char*, const std::vector<std::pair<std::string, std::string>>*> maps[] = {
      {"status_map", &c.status_map},
      {"priority_map", &c.priority_map},
      {"type_map", &c.type_map},
      {"account_map", &c.account_map}};
  for (const auto& [name, entries] : maps) {
    w.key(name).begin_object();
    for (const auto& [from, to] : *entries) w.key(from).value(to);
    w.end_object();
  }
  w.key("inbound").value(c.inbound).key("outbound").value(c.outbound);
  w.key("pull_interval_s").value(c.pull_interval_s).key("max_calls_in_flight").value(c.max_calls_in_flight);
  w.end_object();
  Response r = json_ok(w);
  r.set("Cache-Control", "no-store");
  return r;
}

Response get_connection(Api::Context& ctx, Call& call) {
  const std::string& system = call.params.get("system");
  if (auto no = unavailable(ctx, system)) return std::move(*no);
  auto c = ctx.services.integrations->connection(call.who().tenant, system);
  if (!c) return problem(c.error());
  return render(*c, call.who().tenant, system);
}

// Checks every value of `map` with `parse`, naming the allowed values.
template <class Parse>
void check_map(JsonInput& in, const char* key, const std::vector<std::pair<std::string, std::string>>& map, Parse parse,
               const char* allowed) {
  for (const auto& [from, to] : map) {
    if (!parse(to)) in.add_error(std::string(key) + "." + from, std::string("must be one of ") + allowed);
  }
}

Response put_connection(Api::Context& ctx, Call& call) {
  const std::string& system = call.params.get("system");
  if (auto no = unavailable(ctx, system)) return std::move(*no);
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  ConnectionSettings c;
  in->require("base_url");
  c.base_url = in->string("base_url", kMaxUrlBytes).value_or("");
  if (!c.base_url.empty() && !c.base_url.starts_with("http://") && !c.base_url.starts_with("https://")) {
    in->add_error("base_url", "must be an http:// or https:// URL");
  }
  c.project = in->string("project").value_or("");
  if (auto creds = in->object("credentials")) {
    c.email = creds->string("email").value_or("");
    c.tenant_id = creds->string("tenant_id").value_or("");
    c.login = creds->string("login").value_or("");
    c.api_token = creds->string("api_token", kMaxSecretBytes);
    c.pat = creds->string("pat", kMaxSecretBytes);
    c.token = creds->string("token", kMaxSecretBytes);
    c.password = creds->string("password", kMaxSecretBytes);
  }
  c.webhook_secret = in->string("webhook_secret", kMaxSecretBytes);
  c.status_map = in->string_map("status_map").value_or(std::vector<std::pair<std::string, std::string>>{});
  c.priority_map = in->string_map("priority_map").value_or(std::vector<std::pair<std::string, std::string>>{});
  c.type_map = in->string_map("type_map").value_or(std::vector<std::pair<std::string, std::string>>{});
  check_map(*in, "status_map", c.status_map, parse_status,
            "new, open, in_progress, waiting_on_customer, waiting_on_third_party, resolved, closed");
  check_map(*in, "priority_map", c.priority_map, parse_priority, "low, medium, high, urgent");
  check_map(*in, "type_map", c.type_map, parse_ticket_type, "question, incident, service_request, change_request");
  c.account_map = in->string_map("account_map").value_or(std::vector<std::pair<std::string, std::string>>{});
  for (const auto& [account, user] : c.account_map) {
    if (account.empty() || user.empty()) in->add_error("account_map", "accounts and user ids must not be empty");
  }
  c.inbound = in->boolean("inbound").value_or(true);
  c.outbound = in->boolean("outbound").value_or(false);
  c.pull_interval_s = in->integer("pull_interval_s").value_or(0);
  if (c.pull_interval_s != 0 && (c.pull_interval_s < kMinPullIntervalS || c.pull_interval_s > kMaxPullIntervalS)) {
    in->add_error("pull_interval_s",
                  fmt::format("must be 0 (no pull) or {} to {} seconds", kMinPullIntervalS, kMaxPullIntervalS));
  }
  c.max_calls_in_flight = in->integer("max_calls_in_flight").value_or(ConnectionSettings::kDefaultCallsInFlight);
  if (c.max_calls_in_flight < 1 || c.max_calls_in_flight > ConnectionSettings::kMaxCallsInFlight) {
    in->add_error("max_calls_in_flight", fmt::format("must be 1 to {}", ConnectionSettings::kMaxCallsInFlight));
  }
  if (auto bad = in->finish()) return std::move(*bad);
  auto saved = ctx.services.integrations->configure(call.who().tenant, system, std::move(c), call.who());
  if (!saved) return problem(saved.error());
  return render(*saved, call.who().tenant, system);
}

Response get_status(Api::Context& ctx, Call& call) {
  const std::string& system = call.params.get("system");
  if (auto no = unavailable(ctx, system)) return std::move(*no);
  auto json = ctx.services.integrations->status(call.who().tenant, system);
  if (!json) return problem(json.error());
  return json_response(200, std::move(*json));
}

Response list_dead_letters(Api::Context& ctx, Call& call) {
  const std::string& system = call.params.get("system");
  if (auto no = unavailable(ctx, system)) return std::move(*no);
  auto letters = ctx.services.integrations->dead_letters(call.who().tenant, system);
  if (!letters) return problem(letters.error());
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& l : *letters) {
    w.begin_object().key("id").value(l.id).key("key").value(l.key).key("position").value(l.position);
    w.key("error").value(l.error).key("attempts").value(l.attempts).key("at").value(l.at).end_object();
  }
  w.end_array().end_object();
  return json_ok(w);
}

Response retry_dead_letter(Api::Context& ctx, Call& call) {
  const std::string& system = call.params.get("system");
  if (auto no = unavailable(ctx, system)) return std::move(*no);
  std::uint64_t id = 0;
  const std::string& text = call.params.get("id");
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) return problem(404, "no such dead letter");
  auto pushed = ctx.services.integrations->retry_dead_letter(call.who().tenant, system, id);
  if (!pushed) return problem(pushed.error());
  return json_response(200, *pushed ? R"({"status":"pushed"})" : R"({"status":"failed_again"})");
}

Response sync(Api::Context& ctx, Call& call) {
  const std::string& system = call.params.get("system");
  if (auto no = unavailable(ctx, system)) return std::move(*no);
  std::optional<Timestamp> since;
  if (auto text = call.request.param("since")) {
    since = parse_rfc3339(*text);
    if (!since) return invalid_field("since", "must be an RFC 3339 time");
  }
  auto done = ctx.services.integrations->sync(call.who().tenant, system, since);
  if (!done) return problem(done.error());
  JsonWriter w;
  w.begin_object().key("since").value(done->since).key("pages").value(static_cast<std::uint64_t>(done->pages));
  w.key("tickets").value(static_cast<std::uint64_t>(done->tickets));
  w.key("refused").value(static_cast<std::uint64_t>(done->refused)).end_object();
  return json_ok(w);
}

}  // namespace

void add_integration_routes(Api::Context& ctx) {
  Router& r = ctx.router;
  auto bind = [&ctx](Response (*fn)(Api::Context&, Call&)) { return [&ctx, fn](Call& c) { return fn(ctx, c); }; };
  r.add("POST", "/api/v1/integrations/{system}/webhook", Access::anyone, bind(webhook),
        {"A webhook delivery of jira, zammad or smax, checked by its signature and kept in the durable inbox",
         "the external system (its signature or shared secret)",
         {"tenant"},
         "the system's own webhook body",
         {200, 202, 400, 401, 404, 413}});
  r.add("GET", "/api/v1/integrations/{system}", access::Action::configure_integrations, bind(get_connection),
        {"The tenant's connection to the system, secrets left out", "", {}, "", {200, 403, 404}});
  r.add("PUT", "/api/v1/integrations/{system}", access::Action::configure_integrations, bind(put_connection),
        {"Set the tenant's connection to the system (secrets are write-only)",
         "",
         {},
         "base_url, credentials, webhook_secret, project, status_map, priority_map, type_map, account_map, inbound, "
         "outbound, pull_interval_s, "
         "max_calls_in_flight",
         {200, 403, 404, 415, 422}});
  r.add("GET", "/api/v1/integrations/{system}/status", access::Action::configure_integrations, bind(get_status),
        {"What the adapter met: deliveries, unknown statuses and priorities, refused changes, the last sync",
         "",
         {},
         "",
         {200, 403, 404}});
  r.add("POST", "/api/v1/integrations/{system}/sync", access::Action::configure_integrations, bind(sync),
        {"Pull the tickets the system changed since a time (default: the last pull) through the mapping",
         "",
         {"since"},
         "",
         {200, 400, 403, 404, 422, 503}});
  r.add("GET", "/api/v1/integrations/{system}/dead-letters", access::Action::configure_integrations,
        bind(list_dead_letters), {"Pushes to the system the outbox gave up on", "", {}, "", {200, 403, 404}});
  r.add("POST", "/api/v1/integrations/{system}/dead-letters/{id}/retry", access::Action::configure_integrations,
        bind(retry_dead_letter),
        {"Push a dead letter once more (removed when it goes through)", "", {}, "", {200, 403, 404}});
}

}  // namespace ticketd::http
