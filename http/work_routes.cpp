// Work and oversight: meta, queue, workload, stats, reports, the global event log.
#include <fmt/format.h>

#include "events/streams.h"
#include "http/api_context.h"

namespace ticketd::http {

namespace {

constexpr std::chrono::days kDefaultReportSpan{30};
constexpr std::int64_t kDefaultEventPage = 100;
constexpr std::int64_t kMaxEventPage = 1000;
constexpr std::uint64_t kMaxEventsScanned = 10000;  // per request, when filtering by scope

Response meta(Api::Context& ctx, Call& call) {
  auto config = ctx.engine().tenant(call.who().tenant);
  if (!config) return problem(config.error());
  JsonWriter w;
  w.begin_object();
  w.key("statuses").begin_array();
  for (auto s : all_statuses()) w.value(name_of(s));
  w.end_array().key("priorities").begin_array();
  for (auto p : all_priorities()) w.value(name_of(p));
  w.end_array().key("types").begin_array();
  for (auto t : all_ticket_types()) w.value(name_of(t));
  w.end_array().key("visibilities").begin_array().value("public").value("internal").end_array();
  w.key("resolution_codes").begin_array().value("resolved").value("canceled").value("duplicate").value("wont_fix");
  w.end_array().key("categories").begin_array();
  for (const auto& c : config->categories) w.value(c);
  w.end_array().key("queues").begin_array();
  for (const auto& q : config->queues) w.value(q);
  w.end_array();
  w.key("tenant").value(call.who().tenant).key("role").value(role_name(call.who().role));
  w.end_object();
  return json_ok(w);
}

Response queue(Api::Context& ctx, Call& call) {
  auto limit = int_param(call.request, "limit", 1, kMaxPageSize);
  if (!limit) return std::move(limit.error());
  auto opt = [&](const char* n) -> std::optional<std::string> {
    auto v = call.request.param(n);
    return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
  };
  auto page =
      ctx.queries()->queue(call.who(), opt("queue"), opt("assignee"),
                           static_cast<int>(limit->value_or(kDefaultPageSize)), opt("cursor").value_or(""), ctx.now());
  if (!page) return problem(page.error(), page.error().code == Errc::validation ? 400 : status_of(page.error().code));
  JsonWriter w;
  write_page(w, *page);
  return json_ok(w);
}

Response workload(Api::Context& ctx, Call& call) {
  auto rows = ctx.queries()->workload(call.who());
  if (!rows) return problem(rows.error());
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& r : *rows)
    w.begin_object().key("assignee").value(r.assignee).key("active").value(r.active).end_object();
  w.end_array().end_object();
  return json_ok(w);
}

void write_counts(JsonWriter& w, const char* key, const std::vector<std::pair<std::string, std::int64_t>>& counts) {
  w.key(key).begin_object();
  for (const auto& [name, n] : counts) w.key(name).value(n);
  w.end_object();
}

Response stats(Api::Context& ctx, Call& call) {
  auto s = ctx.queries()->stats(call.who(), ctx.now());
  if (!s) return problem(s.error());
  JsonWriter w;
  w.begin_object();
  write_counts(w, "by_status", s->by_status);
  write_counts(w, "by_priority", s->by_priority);
  write_counts(w, "by_queue", s->by_queue);
  w.key("unassigned").value(s->unassigned).key("breached").value(s->breached);
  w.end_object();
  return json_ok(w);
}

void opt_number(JsonWriter& w, const char* key, const std::optional<double>& v) {
  w.key(key);
  if (v)
    w.value(*v);
  else
    w.null();
}

void write_durations(JsonWriter& w, const char* key, const DurationStats& d) {
  w.key(key).begin_object().key("count").value(d.count);
  opt_number(w, "mean_seconds", d.mean_seconds);
  opt_number(w, "median_seconds", d.median_seconds);
  opt_number(w, "p90_seconds", d.p90_seconds);
  w.end_object();
}

Response report(Api::Context& ctx, Call& call, bool csv) {
  const Request& q = call.request;
  const Timestamp now = ctx.now();
  Timestamp to = now, from = now - kDefaultReportSpan;
  if (auto v = q.param("to")) {
    auto t = parse_rfc3339(*v);
    if (!t) return problem(400, "query parameter to must be an RFC 3339 time");
    to = *t;
  }
  if (auto v = q.param("from")) {
    auto t = parse_rfc3339(*v);
    if (!t) return problem(400, "query parameter from must be an RFC 3339 time");
    from = *t;
  } else {
    from = to - kDefaultReportSpan;
  }
  if (from > to) return problem(400, "from must not be after to");
  const std::string group_by(q.param("group_by").value_or("category"));
  auto rows = ctx.queries()->report(call.who(), from, to, group_by);
  if (!rows) return problem(rows.error(), rows.error().code == Errc::validation ? 400 : status_of(rows.error().code));
  const auto accept = q.header("accept");
  if (csv || (accept && accept->find("text/csv") != std::string_view::npos)) {
    Response r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = report_csv(*rows);
    r.set("Content-Disposition", "attachment; filename=\"report-" + group_by + ".csv\"");
    return r;
  }
  JsonWriter w;
  w.begin_object().key("from").value(format_rfc3339(from)).key("to").value(format_rfc3339(to));
  w.key("group_by").value(group_by).key("groups").begin_array();
  for (const auto& r : *rows) {
    w.begin_object().key("group").value(r.group).key("volume").value(r.volume);
    write_durations(w, "first_response", r.first_response);
    write_durations(w, "resolution", r.resolution);
    w.key("sla_compliance").begin_object();
    opt_number(w, "first_response", r.first_response_compliance);
    opt_number(w, "resolution", r.resolution_compliance);
    w.end_object().key("csat").begin_object().key("responses").value(r.csat_responses);
    opt_number(w, "average", r.csat_average);
    opt_number(w, "satisfied", r.csat_satisfied);
    w.end_object().end_object();
  }
  w.end_array().end_object();
  return json_ok(w);
}

Response events(Api::Context& ctx, Call& call) {
  const Principal& who = call.who();
  auto after = int_param(call.request, "after", 0, std::numeric_limits<std::int64_t>::max());
  if (!after) return std::move(after.error());
  auto limit = int_param(call.request, "limit", 1, kMaxEventPage);
  if (!limit) return std::move(limit.error());
  const auto want = static_cast<std::size_t>(limit->value_or(kDefaultEventPage));
  std::uint64_t position = static_cast<std::uint64_t>(after->value_or(0));
  const std::uint64_t head = ctx.engine().log().head().position;
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  std::size_t written = 0;
  std::uint64_t scanned = 0;
  while (written < want && position < head && scanned < kMaxEventsScanned) {
    auto batch = ctx.engine().log().read_all(position, want - written);
    if (!batch) return problem(batch.error());
    if (batch->empty()) break;
    for (auto& e : *batch) {
      position = e.position;
      ++scanned;
      if (!access::sees_all_tenants(who)) {
        const std::string tenant = ctx.engine().tenant_of(e);
        auto covers = tenant.empty() ? Result<bool>(false) : ctx.engine().covers(who, tenant);
        if (!covers || !*covers) continue;
      }
      auto data = ctx.engine().open_record_data(e);
      if (!data) return problem(data.error());
      e.data = std::move(*data);
      write_event(w, e);
      ++written;
    }
  }
  w.end_array().key("next_cursor");
  if (position < head)
    w.value(std::to_string(position));
  else
    w.null();
  w.key("head").value(head).end_object();
  return json_ok(w);
}

}  // namespace

void add_work_routes(Api::Context& ctx) {
  Router& r = ctx.router;
  auto bind = [&ctx](Response (*fn)(Api::Context&, Call&)) { return [&ctx, fn](Call& c) { return fn(ctx, c); }; };
  r.add("GET", "/api/v1/meta", Access::principal, bind(meta),
        {"Statuses, priorities, types, the tenant's categories and queues", "any principal", {}, "", {200}});
  using access::Action;
  r.add("GET", "/api/v1/queue", Action::read_work_queue, bind(queue),
        {"Open work by SLA due, priority, age", "", {"queue", "assignee", "limit", "cursor"}, "", {200, 400, 403}});
  r.add("GET", "/api/v1/agents/workload", Action::read_workload, bind(workload),
        {"Active tickets per agent", "", {}, "", {200, 403}});
  r.add("GET", "/api/v1/stats", Action::read_stats, bind(stats),
        {"Counts by status, priority, queue; unassigned; breached", "", {}, "", {200, 403}});
  r.add("GET", "/api/v1/reports/summary", Action::read_reports, [&ctx](Call& c) { return report(ctx, c, false); },
        {"Volume, response and resolution times, SLA compliance, CSAT (Accept: text/csv for CSV)",
         "",
         {"from", "to", "group_by"},
         "",
         {200, 400, 403}});
  r.add("GET", "/api/v1/reports/summary.csv", Action::read_reports, [&ctx](Call& c) { return report(ctx, c, true); },
        {"The summary report as CSV", "", {"from", "to", "group_by"}, "", {200, 400, 403}});
  r.add("GET", "/api/v1/events", Action::read_event_log, bind(events),
        {"The global log after a position, with hashes (below the root: the auditor's subtree)",
         "",
         {"after", "limit"},
         "",
         {200, 400, 403}});
}

}  // namespace ticketd::http
