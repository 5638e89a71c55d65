// Tickets: create, list, get, edit, assign, status, comments, feedback, merge, history, bulk.
#include <fmt/format.h>

#include "domain/ticket_workflow.h"
#include "http/api_context.h"

namespace ticketd::http {

namespace {

constexpr const char* kPriorities = "low, medium, high, urgent";
constexpr const char* kTypes = "question, incident, service_request, change_request";
constexpr const char* kStatuses =
    "new, open, in_progress, waiting_on_customer, waiting_on_third_party, resolved, closed";
constexpr std::size_t kSubjectMaxBytes = TicketLimits::kSubjectMaxChars * 4;

constexpr std::size_t kMaxExternalBytes = 200;  // an external system's name or ticket key

std::optional<Resolution> read_resolution(JsonInput& in) {
  auto r = in.object("resolution");
  if (!r) return std::nullopt;
  Resolution out;
  auto code = r->enumerated<ResolutionCode>("code", parse_resolution_code, "resolved, canceled, duplicate, wont_fix");
  auto text = r->string("text", TicketLimits::kBodyMaxBytes);
  r->reject_unread();
  if (code) out.code = *code;
  if (text) out.text = *text;
  return out;
}

std::expected<std::optional<Timestamp>, Response> time_param(const Request& r, std::string_view name) {
  auto v = r.param(name);
  if (!v) return std::optional<Timestamp>();
  auto t = parse_rfc3339(*v);
  if (!t) return std::unexpected(problem(400, fmt::format("query parameter {} must be an RFC 3339 time", name)));
  return std::optional<Timestamp>(*t);
}

Response create(Api::Context& ctx, Call& call) {
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  CreateTicket c;
  c.tenant = call.who().tenant;
  in->require("subject");
  c.subject = in->string("subject", kSubjectMaxBytes).value_or("");
  c.description = in->string("description", TicketLimits::kBodyMaxBytes).value_or("");
  c.priority = in->enumerated<Priority>("priority", parse_priority, kPriorities);
  c.type = in->enumerated<TicketType>("type", parse_ticket_type, kTypes);
  c.category = in->string("category");
  c.queue = in->string("queue");
  c.tags = in->strings("tags", TicketLimits::kTagMaxBytes).value_or(std::vector<std::string>{});
  c.requester = in->string("requester");
  if (auto external = in->object("external")) {
    external->require("system");
    external->require("key");
    auto system = external->string("system", kMaxExternalBytes);
    auto key = external->string("key", kMaxExternalBytes);
    external->reject_unread();
    if (system && key) c.external = ExternalRef{*system, *key};
  }
  c.attachments = in->strings("attachments").value_or(std::vector<std::string>{});
  if (!c.attachments.empty()) {
    in->add_error("attachments", "attach files after creating the ticket (POST /api/v1/tickets/{id}/attachments)");
  }
  auto template_id = in->string("template", TenantConfigLimits::kMaxIdBytes);
  if (auto bad = in->finish()) return std::move(*bad);
  if (template_id) {  // the tenant's template fills what the body leaves out
    auto config = ctx.engine().tenant(c.tenant);
    if (!config) return problem(config.error());
    const TicketTemplate* chosen = config->ticket_template(*template_id);
    if (chosen == nullptr) return invalid_field("template", "is not one of the tenant's ticket templates");
    prefill(c, *chosen);
  }
  auto req = ctx.command_request(call);
  if (!req) return std::move(req.error());
  auto out = ctx.engine().create(std::move(c), *req);
  if (!out) return problem(out.error());
  Response r = ctx.ticket_response(*out->ticket, call.who(), 201);
  r.set("Location", "/api/v1/tickets/" + out->ticket->id);
  if (out->replayed) r.set("Idempotent-Replayed", "true");
  return r;
}

Response list(Api::Context& ctx, Call& call) {
  const Request& q = call.request;
  TicketFilter f;
  if (auto v = q.param("status")) {
    std::string_view rest = *v;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      f.status.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  auto opt = [&](const char* name) -> std::optional<std::string> {
    auto v = q.param(name);
    return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
  };
  f.priority = opt("priority");
  f.category = opt("category");
  f.queue = opt("queue");
  f.type = opt("type");
  f.assignee = opt("assignee");
  f.requester = opt("requester");
  f.tag = opt("tag");
  f.sla = opt("sla");
  f.q = opt("q").value_or("");
  f.sort = opt("sort").value_or("-created");
  f.cursor = opt("cursor").value_or("");
  auto after = time_param(q, "created_after");
  if (!after) return std::move(after.error());
  auto before = time_param(q, "created_before");
  if (!before) return std::move(before.error());
  f.created_after = *after;
  f.created_before = *before;
  auto limit = int_param(q, "limit", 1, kMaxPageSize);
  if (!limit) return std::move(limit.error());
  f.limit = static_cast<int>(limit->value_or(kDefaultPageSize));
  auto page = ctx.queries()->list(call.who(), f, ctx.now());
  if (!page) return problem(page.error(), page.error().code == Errc::validation ? 400 : status_of(page.error().code));
  JsonWriter w;
  write_page(w, *page);
  return json_ok(w);
}

Response get(Api::Context& ctx, Call& call) {
  auto t = ctx.visible_ticket(call.who(), call.params.get("id"));
  if (!t) return problem(t.error());
  return ctx.ticket_response(**t, call.who());
}

Response patch(Api::Context& ctx, Call& call) {
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  UpdateTicket u;
  u.subject = in->string("subject", kSubjectMaxBytes);
  u.description = in->string("description", TicketLimits::kBodyMaxBytes);
  u.priority = in->enumerated<Priority>("priority", parse_priority, kPriorities);
  u.type = in->enumerated<TicketType>("type", parse_ticket_type, kTypes);
  u.category = in->string("category");
  u.queue = in->string("queue");
  u.tags = in->strings("tags", TicketLimits::kTagMaxBytes);
  if (auto bad = in->finish()) return std::move(*bad);
  return ctx.run(call, std::move(u));
}

Response assign(Api::Context& ctx, Call& call) {
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  in->require("assignee");
  auto assignee = in->nullable_string("assignee");
  if (auto bad = in->finish()) return std::move(*bad);
  AssignTicket a;
  a.assignee = *assignee;
  if (a.assignee && a.assignee->empty()) return invalid_field("assignee", "must be a user id or null");
  return ctx.run(call, std::move(a));
}

Response change_status(Api::Context& ctx, Call& call) {
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  in->require("status");
  auto status = in->enumerated<Status>("status", parse_status, kStatuses);
  auto resolution = read_resolution(*in);
  if (auto bad = in->finish()) return std::move(*bad);
  return ctx.run(call, ChangeStatus{*status, resolution});
}

Response add_comment(Api::Context& ctx, Call& call) {
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  in->require("body");
  AddComment c;
  c.comment_id = ctx.services.ids.next_id();
  c.body = in->string("body", TicketLimits::kBodyMaxBytes).value_or("");
  c.visibility =
      in->enumerated<Visibility>("visibility", parse_visibility, "public, internal").value_or(Visibility::public_);
  c.attachments = in->strings("attachments").value_or(std::vector<std::string>{});
  c.mentions = in->strings("mentions").value_or(std::vector<std::string>{});
  if (auto bad = in->finish()) return std::move(*bad);
  return ctx.run(call, std::move(c), [&](const CommandOutcome& out) {
    JsonWriter w;
    if (out.ticket->comments.empty()) return problem(500, "the comment is missing");
    write_comment(w, out.ticket->comments.back());
    return json_ok(w, 201);
  });
}

Response list_comments(Api::Context& ctx, Call& call) {
  auto t = ctx.visible_ticket(call.who(), call.params.get("id"));
  if (!t) return problem(t.error());
  const auto& comments = (*t)->comments;
  auto page = item_page(call.request, "comments", comments.size());
  if (!page) return std::move(page.error());
  return item_page_response(
      std::span<const Comment>(comments), 0, *page, "comments",
      [&](const Comment& c) { return access::may_see(call.who(), c.visibility); }, write_comment);
}

Response feedback(Api::Context& ctx, Call& call) {
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  in->require("rating");
  auto rating = in->integer("rating");
  auto comment = in->string("comment", TicketLimits::kFeedbackCommentMaxBytes);
  if (rating && (*rating < 1 || *rating > 5)) in->add_error("rating", "must be from 1 to 5");
  if (auto bad = in->finish()) return std::move(*bad);
  return ctx.run(call, GiveFeedback{static_cast<int>(*rating), comment.value_or("")});
}

Response merge(Api::Context& ctx, Call& call) {
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  in->require("into");
  auto into = in->string("into");
  if (auto bad = in->finish()) return std::move(*bad);
  auto target = ctx.ticket_id(call.who(), *into);
  if (!target) return problem(target.error());
  MergeTicket m;
  m.into = *target;
  return ctx.run(call, std::move(m));
}

Response history(Api::Context& ctx, Call& call) {
  auto t = ctx.visible_ticket(call.who(), call.params.get("id"));
  if (!t) return problem(t.error());
  // After the scope check: a ticket outside it is 404 for every role.
  if (!access::may(call.who(), access::Action::read_ticket_history)) {
    return forbidden(access::denial(access::Action::read_ticket_history));
  }
  auto as_of = time_param(call.request, "as_of");
  if (!as_of) return std::move(as_of.error());
  if (*as_of) {
    auto then = ctx.engine().ticket_as_of((*t)->id, **as_of);
    if (!then) return problem(then.error());
    if (!then->exists()) return problem(404, "the ticket did not exist at that time");
    Response r = ctx.ticket_response(*then, call.who());
    r.headers.clear();  // an old version is not the ticket's current ETag
    return r;
  }
  // Positions are versions - 1; one event more than the page tells whether another follows.
  auto page = item_page(call.request, "history", (*t)->version);
  if (!page) return std::move(page.error());
  auto events = ctx.engine().log().read_stream((*t)->id, page->from + 1, page->limit + 1);
  if (!events) return problem(events.error());
  for (auto& e : *events) {
    auto data = ctx.engine().open_record_data(e);
    if (!data) return problem(data.error());
    e.data = std::move(*data);
  }
  return item_page_response(
      std::span<const EventRecord>(*events), page->from, *page, "history", [](const EventRecord&) { return true; },
      write_event);
}

Response bulk(Api::Context& ctx, Call& call) {
  auto in = JsonInput::parse(call.request);
  if (!in) return std::move(in.error());
  in->require("ids");
  in->require("action");
  auto ids = in->strings("ids");
  auto action = in->string("action");
  auto assignee = in->nullable_string("assignee");
  auto status = in->enumerated<Status>("status", parse_status, kStatuses);
  auto resolution = read_resolution(*in);
  auto priority = in->enumerated<Priority>("priority", parse_priority, kPriorities);
  if (ids && ids->size() > ctx.options.max_bulk_ids) {
    in->add_error("ids", fmt::format("at most {} tickets per request", ctx.options.max_bulk_ids));
  }
  std::optional<TicketCommand> command;
  if (action == "assign") {
    if (!assignee)
      in->add_error("assignee", "is required for assign");
    else
      command = AssignTicket{*assignee, std::nullopt, false};
  } else if (action == "status") {
    if (!status)
      in->add_error("status", "is required for status");
    else
      command = ChangeStatus{*status, resolution};
  } else if (action == "priority") {
    if (!priority)
      in->add_error("priority", "is required for priority");
    else {
      UpdateTicket u;
      u.priority = priority;
      command = u;
    }
  } else if (action) {
    in->add_error("action", "must be one of assign, status, priority");
  }
  if (auto bad = in->finish()) return std::move(*bad);
  // One ETag cannot pin many tickets: refused rather than silently dropped.
  if (call.request.header("if-match")) return problem(400, "If-Match pins one ticket; bulk changes take none");
  auto base = ctx.command_request(call);
  if (!base) return std::move(base.error());
  JsonWriter w;
  w.begin_object().key("results").begin_array();
  for (const auto& ref : *ids) {
    w.begin_object().key("id").value(ref);
    CommandRequest req = *base;
    req.idempotency_item = ref;  // one key per item, in its own namespace
    auto id = ctx.ticket_id(call.who(), ref);
    auto out = id ? ctx.engine().execute(*id, *command, req) : Result<CommandOutcome>(std::unexpected(id.error()));
    if (out) {
      w.key("status").value(200).key("version").value(out->ticket->version);
      w.key("ticket_status").value(name_of(out->ticket->status));
    } else {
      const Response p = problem(out.error());
      w.key("status").value(p.status).key("problem").raw(p.body);
    }
    w.end_object();
  }
  w.end_array().end_object();
  return json_ok(w);
}

}  // namespace

void add_ticket_routes(Api::Context& ctx) {
  Router& r = ctx.router;
  auto bind = [&ctx](Response (*fn)(Api::Context&, Call&)) { return [&ctx, fn](Call& c) { return fn(ctx, c); }; };
  const std::string t = "/api/v1/tickets";
  using access::Action;
  r.add("POST", t, Access::principal, bind(create),
        {"Create a ticket",
         who_on_tickets(Action::create_ticket),
         {},
         "subject, description, priority, category, type, queue, tags, template, requester (staff), external "
         "{system, key} (admins, integrations)",
         {201, 400, 403, 415, 422}});
  r.add("GET", t, Access::principal, bind(list),
        {"List tickets in scope",
         kAnyoneOnTickets,
         {"status", "priority", "category", "queue", "type", "assignee", "requester", "tag", "sla", "created_after",
          "created_before", "q", "sort", "limit", "cursor"},
         "",
         {200, 400}});
  r.add("POST", t + "/bulk", Action::bulk_change, bind(bulk),
        {"Apply one change to many tickets; per-ticket results",
         "",
         {},
         "ids, action (assign, status, priority), assignee, status, resolution, priority",
         {200, 403, 415, 422}});
  r.add("GET", t + "/{id}", Access::principal, bind(get),
        {"A ticket by id or number, with SLA, counts and links", kAnyoneOnTickets, {}, "", {200, 404}});
  r.add("PATCH", t + "/{id}", Access::principal, bind(patch),
        {"Edit a ticket",
         who_on_tickets(Action::edit_ticket),
         {},
         "subject, description, priority, category, queue, type, tags",
         {200, 403, 404, 409, 412, 415, 422}});
  r.add("POST", t + "/{id}/assign", Access::principal, bind(assign),
        {"Assign or unassign",
         who_on_tickets(Action::assign_self),
         {},
         "assignee (sub or null)",
         {200, 403, 404, 409, 412, 422}});
  r.add("POST", t + "/{id}/status", Access::principal, bind(change_status),
        {"Change the status",
         who_on_tickets(Action::change_status),
         {},
         "status, resolution {code, text}",
         {200, 403, 404, 409, 412, 422}});
  r.add("POST", t + "/{id}/comments", Access::principal, bind(add_comment),
        {"Add a comment",
         who_on_tickets(Action::comment),
         {},
         "body, visibility, attachments, mentions",
         {201, 403, 404, 409, 412, 422}});
  r.add("GET", t + "/{id}/comments", Access::principal, bind(list_comments),
        {"Comments, oldest first; internal ones not for customers",
         kAnyoneOnTickets,
         {"limit", "cursor"},
         "",
         {200, 400, 404}});
  r.add("POST", t + "/{id}/feedback", Access::principal, bind(feedback),
        {"Rate the resolution", "the ticket's requester", {}, "rating (1-5), comment", {200, 403, 404, 409, 422}});
  r.add("POST", t + "/{id}/merge", Access::principal, bind(merge),
        {"Merge into another ticket", who_on_tickets(Action::merge), {}, "into", {200, 403, 404, 409, 422}});
  r.add("GET", t + "/{id}/history", Access::principal, bind(history),
        {"The ticket's events, or its state at as_of",
         who_on_tickets(Action::read_ticket_history),
         {"as_of", "limit", "cursor"},
         "",
         {200, 400, 403, 404}});
}

}  // namespace ticketd::http
