// The leader's side of replication: GET /api/v1/replication/keys, from which a follower
// copies the subject keys its log names (replication/log_replica.h). Authenticated by the
// shared replication secret (ApiOptions::replication_secret), not by a user's token: it
// hands out key bytes, which no user role may read.
#include "base/base64.h"
#include "base/hmac.h"
#include "base/subject_keys.h"
#include "http/api_context.h"

namespace ticketd::http {

namespace {

// Key ids per request at most (a follower asks for the few one record names).
constexpr std::size_t kMaxKeyIdsPerRequest = 100;

bool secret_matches(const Request& request, const std::string& secret) {
  auto header = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header || !header->starts_with(kBearer)) return false;
  const std::string_view given = header->substr(kBearer.size());
  return equal_constant_time(given, secret);
}

Response keys(Api::Context& ctx, Call& call) {
  if (ctx.options.replication_secret.empty() || ctx.services.subject_keys == nullptr) {
    return problem(404, "replication is not enabled on this ticketd (--replication-secret)");
  }
  if (!secret_matches(call.request, ctx.options.replication_secret)) {
    Response r = problem(401, "the replication secret is missing or wrong");
    r.set("WWW-Authenticate", "Bearer");
    return r;
  }
  const std::string_view joined = call.request.param("ids").value_or("");
  std::vector<std::string> ids;
  for (std::size_t from = 0; from < joined.size();) {
    auto comma = joined.find(',', from);
    if (comma == std::string_view::npos) comma = joined.size();
    if (comma > from) ids.emplace_back(joined.substr(from, comma - from));
    from = comma + 1;
  }
  if (ids.empty() || ids.size() > kMaxKeyIdsPerRequest) {
    return problem(422, fmt::format("ids: 1 to {} comma-separated key ids", kMaxKeyIdsPerRequest));
  }
  SubjectKeys& store = *ctx.services.subject_keys;
  JsonWriter w;
  w.begin_object().key("keys").begin_array();
  for (const auto& id : ids) {
    auto bytes = store.key(id);
    auto subject = store.subject_of(id);
    if (!bytes || !subject) return problem(503, "the key store cannot be read now");
    if (!*bytes || !*subject) continue;  // erased or unknown: the follower keeps it unreadable
    w.begin_object().key("id").value(id).key("subject").value(**subject).key("key").value(base64_encode(**bytes));
    w.end_object();
  }
  w.end_array().end_object();
  Response r = json_ok(w);
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace

void add_replication_routes(Api::Context& ctx) {
  ctx.router.add("GET", "/api/v1/replication/keys", Access::anyone, [&ctx](Call& c) { return keys(ctx, c); },
                 {"Copies of subject keys for a follower (the replication secret as bearer)",
                  "a follower holding the replication secret",
                  {"ids"},
                  "",
                  {200, 401, 404, 422}});
}

}  // namespace ticketd::http
