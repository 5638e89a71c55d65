// Internal to http/: what the route files share. Not for use outside this folder.
#pragma once

#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "http/api.h"
#include "http/json_input.h"
#include "http/metrics.h"
#include "http/problem.h"
#include "http/upload_quota.h"
#include "http/views.h"
#include "http/work_queue.h"
#include "projections/ticket_queries.h"

namespace ticketd::http {

struct Api::Context {
  Context(ApiServices s, ApiOptions o);

  ApiServices services;
  ApiOptions options;
  RateLimiter limiter;
  RateLimiter auth_failures;  // per client address; an exhausted address is not even verified
  UploadQuota uploads;        // bytes of uploads in flight
  Router router;
  std::unique_ptr<Metrics> metrics;
  std::unique_ptr<WorkQueue> workers;

  // Read-model connections, one per handler in flight.
  class QueryLease {
   public:
    QueryLease(Context& ctx, std::unique_ptr<TicketQueries> q) : ctx_(ctx), q_(std::move(q)) {}
    ~QueryLease();
    QueryLease(const QueryLease&) = delete;
    QueryLease& operator=(const QueryLease&) = delete;
    TicketQueries* operator->() { return q_.get(); }

   private:
    Context& ctx_;
    std::unique_ptr<TicketQueries> q_;
  };
  [[nodiscard]] QueryLease queries();
  std::mutex queries_mu;
  std::vector<std::unique_ptr<TicketQueries>> idle_queries;

  [[nodiscard]] Timestamp now() const { return services.clock.now(); }
  [[nodiscard]] CommandEngine& engine() { return services.engine; }

  // A ticket id from an id or a TICK-YYYY-NNNNNN number (looked up in the read model).
  [[nodiscard]] Result<std::string> ticket_id(const Principal& who, const std::string& id_or_number);
  // The ticket as `who` may see it, or not_found.
  [[nodiscard]] Result<TicketRepository::Ptr> visible_ticket(const Principal& who, const std::string& id_or_number);
  // 200 (or `status`) with the ticket's view and ETag.
  [[nodiscard]] Response ticket_response(const Ticket& t, const Principal& who, int status = 200);
  // The command request of a call: If-Match, Idempotency-Key, body fingerprint, request id.
  [[nodiscard]] std::expected<CommandRequest, Response> command_request(const Call& call);
  // Runs `command` on the ticket named by the path's {id}; answers with `render`
  // (default: the ticket view) or the error.
  using Render = std::function<Response(const CommandOutcome&)>;
  [[nodiscard]] Response run(Call& call, TicketCommand command, const Render& render = nullptr);
};

[[nodiscard]] Response forbidden(std::string detail);
// RouteDoc::who of ticket routes whose role check is decide()'s, after the scope check.
[[nodiscard]] std::string who_on_tickets(access::Action action);
inline constexpr const char* kAnyoneOnTickets = "any principal, on tickets in scope (customers: their own)";
// The query parameter `name` as an int in [lo, hi], or a 400.
[[nodiscard]] std::expected<std::optional<std::int64_t>, Response> int_param(const Request& r, std::string_view name,
                                                                             std::int64_t lo, std::int64_t hi);
[[nodiscard]] Response json_ok(JsonWriter& w, int status = 200);

// A page of one of a ticket's append-only lists (comments, attachments, history), from the
// query's `limit` (1-200, default 50) and `cursor`. A cursor is "<kind>.<position>": the
// position (0-based, in the whole list) after the last item of the page before. Positions
// never move, because the lists only grow. A cursor of another kind, or past `size`, is 400.
struct ItemPage {
  std::size_t from = 0;
  std::size_t limit = kDefaultPageSize;
};
[[nodiscard]] std::expected<ItemPage, Response> item_page(const Request& r, std::string_view kind, std::size_t size);

// Writes {"items": [...], "next_cursor": ...}: the items of `page` that `visible` lets
// through, at most page.limit of them. `items` holds the list from position `base` on (the
// whole list when 0); next_cursor is null when no visible item follows.
template <class T, class Visible, class Write>
Response item_page_response(std::span<const T> items, std::size_t base, const ItemPage& page, std::string_view kind,
                            Visible visible, Write write) {
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  std::size_t i = page.from - base, given = 0;
  for (; i < items.size() && given < page.limit; ++i) {
    if (!visible(items[i])) continue;
    write(w, items[i]);
    ++given;
  }
  std::size_t next = i;
  while (next < items.size() && !visible(items[next])) ++next;
  w.end_array().key("next_cursor");
  if (next < items.size())
    w.value(fmt::format("{}.{}", kind, base + i));
  else
    w.null();
  w.end_object();
  return json_ok(w);
}

void add_ticket_routes(Api::Context& ctx);
void add_attachment_routes(Api::Context& ctx);
void add_work_routes(Api::Context& ctx);
void add_directory_routes(Api::Context& ctx);
void add_ops_routes(Api::Context& ctx);
void add_privacy_routes(Api::Context& ctx);
void add_replication_routes(Api::Context& ctx);
void add_integration_routes(Api::Context& ctx);
void add_webhook_routes(Api::Context& ctx);
void add_email_routes(Api::Context& ctx);
void add_automation_routes(Api::Context& ctx);
void add_macro_routes(Api::Context& ctx);

// The OpenAPI 3 document of every route of `router`.
[[nodiscard]] std::string openapi_document(const Router& router);

}  // namespace ticketd::http
