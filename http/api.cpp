#include "http/api.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <stdexcept>

#include "base/sha256.h"
#include "http/api_context.h"

namespace ticketd::http {

namespace {

// A strong ETag ("3") as a version; nullopt for anything else.
std::optional<std::uint64_t> parse_if_match(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v.empty() || v.size() > 19) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

// What runs on the I/O thread (Route::quick): the probes only, which read a few counters.
// Everything else goes to the workers: a ticket read may replay its tail, a list may sort by
// due time or filter by SLA state without an index, and any authenticated request may first
// record its principal in the user directory (a durable append).
constexpr std::pair<std::string_view, std::string_view> kQuickRoutes[] = {
    {"GET", "/healthz"},
    {"GET", "/readyz"},
};

}  // namespace

Response forbidden(std::string detail) { return problem(403, std::move(detail)); }

std::string who_on_tickets(access::Action action) {
  return access::who_may(action) + ", on tickets in scope (customers: their own)";
}

Response json_ok(JsonWriter& w, int status) { return json_response(status, w.take()); }

std::expected<std::optional<std::int64_t>, Response> int_param(const Request& r, std::string_view name, std::int64_t lo,
                                                               std::int64_t hi) {
  auto v = r.param(name);
  if (!v) return std::optional<std::int64_t>();
  std::int64_t n = 0;
  const auto* end = v->data() + v->size();
  auto [ptr, ec] = std::from_chars(v->data(), end, n);
  if (ec != std::errc() || ptr != end || n < lo || n > hi) {
    return std::unexpected(
        problem(400, fmt::format("query parameter {} must be an integer from {} to {}", name, lo, hi)));
  }
  return std::optional<std::int64_t>(n);
}

std::expected<ItemPage, Response> item_page(const Request& r, std::string_view kind, std::size_t size) {
  ItemPage page;
  auto limit = int_param(r, "limit", 1, kMaxPageSize);
  if (!limit) return std::unexpected(std::move(limit.error()));
  if (*limit) page.limit = static_cast<std::size_t>(**limit);
  auto cursor = r.param("cursor");
  if (!cursor) return page;
  const std::string_view c = *cursor;
  std::size_t position = 0;
  const bool ours = c.size() > kind.size() + 1 && c.starts_with(kind) && c[kind.size()] == '.';
  const char* digits = c.data() + kind.size() + 1;
  auto [end, ec] = ours ? std::from_chars(digits, c.data() + c.size(), position) : std::from_chars_result{digits, {}};
  if (!ours || ec != std::errc() || end != c.data() + c.size() || position > size) {
    return std::unexpected(problem(400, "cursor is not one of this list's cursors"));
  }
  page.from = position;
  return page;
}

Api::Context::Context(ApiServices s, ApiOptions o)
    : services(std::move(s)),
      options(std::move(o)),
      limiter(options.rate),
      auth_failures(options.auth_failures),
      uploads(options.uploads) {}

Api::Context::QueryLease::~QueryLease() {
  std::lock_guard lock(ctx_.queries_mu);
  ctx_.idle_queries.push_back(std::move(q_));
}

Api::Context::QueryLease Api::Context::queries() {
  {
    std::lock_guard lock(queries_mu);
    if (!idle_queries.empty()) {
      auto q = std::move(idle_queries.back());
      idle_queries.pop_back();
      return QueryLease(*this, std::move(q));
    }
  }
  return QueryLease(*this, std::make_unique<TicketQueries>(services.read_model_path));
}

Result<std::string> Api::Context::ticket_id(const Principal& who, const std::string& id_or_number) {
  if (!id_or_number.starts_with("TICK-")) return id_or_number;
  auto row = queries()->get(who, id_or_number, now());
  if (!row) return std::unexpected(row.error());
  return row->id;
}

Result<TicketRepository::Ptr> Api::Context::visible_ticket(const Principal& who, const std::string& id_or_number) {
  auto id = ticket_id(who, id_or_number);
  if (!id) return std::unexpected(id.error());
  return engine().ticket(*id, who);
}

Response Api::Context::ticket_response(const Ticket& t, const Principal& who, int status) {
  auto config = engine().tenant(t.tenant);
  if (!config) return problem(config.error());
  auto tz = engine().time_zone(config->calendar.time_zone);
  if (!tz) return problem(tz.error());
  JsonWriter w;
  write_ticket(w, t, ViewContext{who, *config, **tz, now()});
  Response r = json_ok(w, status);
  r.set("ETag", etag(t.version));
  return r;
}

std::expected<CommandRequest, Response> Api::Context::command_request(const Call& call) {
  CommandRequest req;
  req.principal = call.who();
  req.correlation_id = call.request.request_id;
  // "*" matches any current ticket, and commands on a ticket that does not exist are 404
  // anyway, so it pins nothing. A weak ETag never matches (If-Match compares strongly).
  if (auto v = call.request.header("if-match"); v && *v != "*") {
    if (v->starts_with("W/")) {
      return std::unexpected(problem(412, "If-Match compares strong ETags; a weak one (W/) never matches"));
    }
    req.if_match = parse_if_match(*v);
    if (!req.if_match) return std::unexpected(problem(400, "If-Match must be a ticket ETag such as \"3\""));
  }
  if (auto key = call.request.header("idempotency-key")) {
    if (key->empty() || key->size() > IdempotencyStore::kMaxKeyBytes) {
      return std::unexpected(
          problem(400, fmt::format("Idempotency-Key must be 1-{} bytes", IdempotencyStore::kMaxKeyBytes)));
    }
    req.idempotency_key = std::string(*key);
    req.fingerprint = sha256_hex({call.request.method, "\n", call.request.path, "\n", call.request.body});
  }
  return req;
}

Response Api::Context::run(Call& call, TicketCommand command, const Render& render) {
  auto id = ticket_id(call.who(), call.params.get("id"));
  if (!id) return problem(id.error());
  auto req = command_request(call);
  if (!req) return std::move(req.error());
  auto out = engine().execute(*id, std::move(command), *req);
  if (!out) return problem(out.error());
  Response r = render ? render(*out) : ticket_response(*out->ticket, call.who());
  if (r.status < 300) {
    bool has_etag = false;
    for (const auto& h : r.headers) has_etag = has_etag || h.first == "ETag";
    if (!has_etag) r.set("ETag", etag(out->ticket->version));
    if (out->replayed) r.set("Idempotent-Replayed", "true");
  }
  return r;
}

Api::Api(ApiServices services, ApiOptions options)
    : ctx_(std::make_unique<Context>(std::move(services), std::move(options))) {
  add_ops_routes(*ctx_);
  add_ticket_routes(*ctx_);
  add_attachment_routes(*ctx_);
  add_work_routes(*ctx_);
  add_directory_routes(*ctx_);
  add_privacy_routes(*ctx_);
  add_replication_routes(*ctx_);
  add_integration_routes(*ctx_);
  add_webhook_routes(*ctx_);
  add_email_routes(*ctx_);
  add_automation_routes(*ctx_);
  add_macro_routes(*ctx_);
  for (const auto& [method, pattern] : kQuickRoutes) {
    if (!ctx_->router.set_quick(method, pattern)) throw std::logic_error("no route " + std::string(pattern));
  }
  std::vector<std::string> names;
  for (const auto& r : ctx_->router.routes()) names.push_back(r.method + " " + r.pattern);
  ctx_->metrics = std::make_unique<Metrics>(std::move(names));
  ctx_->workers = std::make_unique<WorkQueue>(ctx_->options.worker_threads, ctx_->options.max_queued_requests);
}

Api::~Api() { shut_down(); }

// The queue outlives this call (until ~Api): an I/O thread may still hand a request to it,
// which is then refused with 503 instead of touching a destroyed queue.
void Api::shut_down() { ctx_->workers->stop(); }

const Router& Api::router() const { return ctx_->router; }

bool Api::is_upload(std::string_view method, std::string_view path) const {
  return method == "POST" && path.starts_with("/api/v1/tickets/") && path.ends_with("/attachments");
}

namespace {

// The access log's target: the path and the names of the query parameters, never their
// values (a search `q`, an upload's `filename` are personal data; docs/privacy.md).
constexpr std::size_t kMaxLoggedTargetBytes = 512;
std::string loggable_target(const Request& request) {
  std::string out = request.path.substr(0, kMaxLoggedTargetBytes);
  char separator = '?';
  for (const auto& [name, value] : request.query) {
    if (out.size() + name.size() + 1 > kMaxLoggedTargetBytes) break;
    out += separator;
    out += name;
    separator = '&';
  }
  return out;
}

std::size_t route_index(const Router& router, const Route* route) {
  if (route == nullptr) return router.routes().size();
  return static_cast<std::size_t>(route - router.routes().data());
}

// The bearer token's principal, or the answer: 401, or 429 for an address with too many
// failed attempts (its tokens are then not verified at all).
std::expected<Principal, Response> authenticate(Api::Context& ctx, const Request& request) {
  auto header = request.header("authorization");
  std::string_view token;
  if (header && header->size() > 7 && (header->starts_with("Bearer ") || header->starts_with("bearer "))) {
    token = header->substr(7);
  }
  if (int retry = ctx.auth_failures.peek(request.peer); retry > 0) {
    Response r = problem(429, "too many failed authentications from this address; slow down");
    r.set("Retry-After", std::to_string(retry));
    return std::unexpected(std::move(r));
  }
  auto principal = ctx.services.tokens.verify(token, ctx.now());
  if (!principal) {
    (void)ctx.auth_failures.take(request.peer);
    Response r = problem(401, principal.error().message);
    r.set("WWW-Authenticate", token.empty() ? "Bearer" : "Bearer error=\"invalid_token\"");
    return std::unexpected(std::move(r));
  }
  return std::move(*principal);
}

// A follower's answer to every write: 503, naming the leader (docs/replication.md).
Response follower_refusal(const Api::Context& ctx) {
  Response r =
      problem(503, "this ticketd is a read-only follower; send writes to the leader at " + ctx.options.leader_url);
  r.set("Location", ctx.options.leader_url);
  return r;
}

Response dispatch(Api::Context& ctx, const Request& request, Router::Match& m, std::string& who) {
  if (m.route == nullptr) {
    if (m.allowed.empty()) return problem(404, "no such resource");
    std::string allow;
    for (const auto& method : m.allowed) allow += (allow.empty() ? "" : ", ") + method;
    Response r = problem(405, "method not allowed here; see Allow");
    r.set("Allow", allow);
    return r;
  }
  if (!ctx.options.leader_url.empty() && m.route->method != "GET") return follower_refusal(ctx);
  Call call{request, std::move(m.params), std::nullopt};
  if (m.route->access == Access::principal) {
    auto principal = authenticate(ctx, request);
    if (!principal) return std::move(principal.error());
    who = principal->tenant + "/" + principal->sub;
    if (int retry = ctx.limiter.take(who); retry > 0) {
      Response r = problem(429, "too many requests; slow down");
      r.set("Retry-After", std::to_string(retry));
      return r;
    }
    // The user directory records every principal when first seen and when its claims change
    // (on the leader: a follower's directory is the leader's).
    if (auto remembered = ctx.options.leader_url.empty() ? ctx.engine().remember_principal(*principal)
                                                         : ctx.engine().check_principal(*principal);
        !remembered) {
      if (remembered.error().code == Errc::forbidden) return forbidden(remembered.error().message);
      spdlog::warn("user directory: {}", remembered.error().message);
    }
    if (m.route->action && !access::may(*principal, *m.route->action)) {
      return forbidden(access::denial(*m.route->action));
    }
    call.principal = std::move(*principal);
  }
  return m.route->handler(call);
}

}  // namespace

std::expected<std::shared_ptr<void>, Response> Api::admit_upload(const Request& head) {
  Context& ctx = *ctx_;
  if (!ctx.options.leader_url.empty()) return std::unexpected(follower_refusal(ctx));
  auto principal = authenticate(ctx, head);
  if (!principal) return std::unexpected(std::move(principal.error()));
  // The declared length, or the most a chunked body may reach.
  std::uint64_t bytes = ctx.options.max_attachment_bytes;
  if (auto length = head.header("content-length")) {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(length->data(), length->data() + length->size(), n);
    if (ec == std::errc() && end == length->data() + length->size()) bytes = n;
  }
  UploadQuota::Refusal why = UploadQuota::Refusal::none;
  auto lease = ctx.uploads.reserve(principal->tenant + "/" + principal->sub, bytes, why);
  if (!lease) {
    Response r = why == UploadQuota::Refusal::principal
                     ? problem(429, "too many bytes of your uploads are in flight; wait for them to finish")
                     : problem(503, "too many uploads are in flight; try again");
    r.set("Retry-After", "1");
    return std::unexpected(std::move(r));
  }
  return lease;
}

void Api::handle(Request request, std::function<void(Response)> done) {
  Context& ctx = *ctx_;
  auto match = ctx.router.match(request.method, request.path);
  // Unmatched paths and the probes are answered at once, on the calling I/O thread.
  const bool quick = match.route == nullptr || match.route->quick;
  auto work = [&ctx, request = std::move(request), match = std::move(match), done]() mutable {
    const auto start = std::chrono::steady_clock::now();
    ctx.metrics->in_flight.fetch_add(1, std::memory_order_relaxed);
    const Route* route = match.route;
    std::string who = "-";
    Response response;
    try {
      response = dispatch(ctx, request, match, who);
    } catch (const std::exception& e) {
      spdlog::error("request {} {} {}: {}", request.request_id, request.method, request.path, e.what());
      response = problem(500, "internal error; see the server log");
    }
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    ctx.metrics->in_flight.fetch_sub(1, std::memory_order_relaxed);
    ctx.metrics->observe(route_index(ctx.router, route), response.status, elapsed);
    if (ctx.options.access_log) {
      spdlog::info("access id={} principal={} {} {} status={} bytes={} us={}", request.request_id, who, request.method,
                   loggable_target(request), response.status, response.body_bytes(), elapsed.count());
    }
    done(std::move(response));
  };
  if (quick) return work();
  if (!ctx.workers->try_push(std::move(work))) {
    Response busy = problem(503, "the server is busy; try again");
    busy.set("Retry-After", "1");
    done(std::move(busy));
  }
}

}  // namespace ticketd::http
