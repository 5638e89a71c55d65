// Liveness, readiness, metrics and the OpenAPI document.
#include <fmt/format.h>

#include "http/api_context.h"

namespace ticketd::http {

namespace {

Response healthz(Api::Context&, Call&) { return json_response(200, R"({"status":"ok"})"); }

Response readyz(Api::Context& ctx, Call&) {
  const auto head = ctx.engine().log().head().position;
  const auto checkpoint = ctx.services.projector.checkpoint();
  const auto lag = head > checkpoint ? head - checkpoint : 0;
  const bool failed = ctx.services.projector.error().has_value();
  const bool store_failed = ctx.engine().log().stats().failed;
  std::optional<ReplicationState> replication;
  if (ctx.services.replication != nullptr) replication = ctx.services.replication->state();
  // A follower is ready while it replicates and is within the same bound of its leader.
  const bool replica_ok = !replication || !replication->follower ||
                          (!replication->failed && replication->lag_records <= ctx.options.ready_max_lag);
  const bool ready = !failed && !store_failed && lag <= ctx.options.ready_max_lag && replica_ok;
  JsonWriter w;
  w.begin_object().key("status").value(ready ? "ready" : "not_ready");
  w.key("log_head").value(head).key("read_model_checkpoint").value(checkpoint).key("lag").value(lag);
  w.key("max_lag").value(ctx.options.ready_max_lag).key("read_models_failed").value(failed);
  w.key("event_store_failed").value(store_failed);
  if (replication) {
    w.key("replication").begin_object();
    w.key("role").value(replication->follower ? "follower" : "leader");
    if (replication->follower) w.key("leader").value(ctx.options.leader_url);
    w.key("lag_records").value(replication->lag_records).key("lag_seconds").value(replication->lag_seconds);
    w.key("failed").value(replication->failed);
    if (!replication->error.empty()) w.key("error").value(replication->error);
    w.end_object();
  }
  w.end_object();
  Response r = json_response(ready ? 200 : 503, w.take());
  if (!ready) r.set("Retry-After", "1");
  return r;
}

Response metrics(Api::Context& ctx, Call& call) {
  if (ctx.options.metrics_on_admin_only && !call.request.admin_listener) return problem(404, "no such resource");
  std::string out;
  ctx.metrics->render(out);
  const auto stats = ctx.engine().log().stats();
  const auto head = ctx.engine().log().head().position;
  const auto checkpoint = ctx.services.projector.checkpoint();
  out += "# HELP ticketd_log_head_position The last durable position of the event log.\n";
  out += "# TYPE ticketd_log_head_position gauge\n";
  out += fmt::format("ticketd_log_head_position {}\n", head);
  out += "# HELP ticketd_events_appended_total Events appended since start.\n";
  out += "# TYPE ticketd_events_appended_total counter\n";
  out += fmt::format("ticketd_events_appended_total {}\n", stats.events);
  out += "# HELP ticketd_log_syncs_total WAL syncs (group commits) since start.\n";
  out += "# TYPE ticketd_log_syncs_total counter\n";
  out += fmt::format("ticketd_log_syncs_total {}\n", stats.syncs);
  out += "# HELP ticketd_projection_lag_events Events the read models are behind the log.\n";
  out += "# TYPE ticketd_projection_lag_events gauge\n";
  out += fmt::format("ticketd_projection_lag_events {}\n", head > checkpoint ? head - checkpoint : 0);
  out += "# HELP ticketd_http_queued_requests Requests waiting for a worker.\n";
  out += "# TYPE ticketd_http_queued_requests gauge\n";
  out += fmt::format("ticketd_http_queued_requests {}\n", ctx.workers->queued());
  if (ctx.services.replication != nullptr) ctx.services.replication->render_metrics(out);
  if (ctx.services.email != nullptr) ctx.services.email->render_metrics(out);
  if (ctx.services.webhooks != nullptr) ctx.services.webhooks->render_metrics(out);
  if (ctx.services.more_metrics) ctx.services.more_metrics(out);
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = std::move(out);
  return r;
}

Response openapi(Api::Context& ctx, Call&) {
  Response r = json_response(200, openapi_document(ctx.router));
  r.content_type = "application/vnd.oai.openapi+json;version=3.0";
  return r;
}

}  // namespace

void add_ops_routes(Api::Context& ctx) {
  Router& r = ctx.router;
  auto bind = [&ctx](Response (*fn)(Api::Context&, Call&)) { return [&ctx, fn](Call& c) { return fn(ctx, c); }; };
  r.add("GET", "/healthz", Access::anyone, bind(healthz), {"Liveness", "anyone", {}, "", {200}});
  r.add("GET", "/readyz", Access::anyone, bind(readyz),
        {"Readiness: log open, read models caught up within a bound", "anyone", {}, "", {200, 503}});
  r.add("GET", "/metrics", Access::anyone, bind(metrics),
        {"Prometheus text format", "anyone on the admin listener", {}, "", {200}});
  r.add("GET", "/api/v1/openapi.json", Access::anyone, bind(openapi), {"This document", "anyone", {}, "", {200}});
}

}  // namespace ticketd::http
