// Zammad's trigger webhook body {ticket, article} (docs/integrations.md, "Zammad").
#include "adapters/payload_fields.h"
#include "adapters/payloads.h"

namespace ticketd {

namespace {

using payload::at;
using payload::element;
using payload::text;

// A user object of the body (customer, created_by, updated_by).
ExternalPerson person(element e, std::initializer_list<std::string_view> path) {
  ExternalPerson p;
  auto x = at(e, path);
  if (!x || !x->is_object()) return p;
  p.id = text(*x, {"id"}).value_or("");
  const std::string first = text(*x, {"firstname"}).value_or("");
  const std::string last = text(*x, {"lastname"}).value_or("");
  p.name = first.empty() || last.empty() ? first + last : first + " " + last;
  p.email = text(*x, {"email"}).value_or("");
  return p;
}

// A state or priority: an expanded name ("open"), or an object with its name.
std::optional<std::string> named(element e, std::string_view key) {
  if (auto name = text(e, {key, "name"})) return name;
  return text(e, {key});
}

}  // namespace

Result<ExternalTicket> parse_zammad_ticket(simdjson::dom::element ticket) {
  ExternalTicket t;
  t.key = text(ticket, {"id"}).value_or("");
  if (t.key.empty()) return make_error(Errc::validation, "the Zammad ticket has no id");
  t.event = "zammad:ticket";
  t.subject = text(ticket, {"title"});
  t.status = named(ticket, "state");
  t.status_category = text(ticket, {"state", "state_type", "name"});  // when Zammad expands it
  t.priority = named(ticket, "priority");
  if (auto updated = text(ticket, {"updated_at"})) t.updated = parse_external_time(*updated);
  t.reporter = person(ticket, {"customer"});
  t.actor = person(ticket, {"updated_by"});
  return t;
}

Result<ExternalTicket> parse_zammad_webhook(std::string_view body) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return make_error(Errc::validation, "the Zammad webhook body is not a JSON object");
  }
  auto ticket = at(root, {"ticket"});
  if (!ticket) return make_error(Errc::validation, "the Zammad webhook names no ticket (ticket.id)");
  auto parsed = parse_zammad_ticket(*ticket);
  if (!parsed) return make_error(Errc::validation, "the Zammad webhook names no ticket (ticket.id)");
  ExternalTicket t = std::move(*parsed);
  t.event = "zammad:" + text(root, {"trigger"}).value_or("ticket");
  t.partial = !t.subject || !t.status;
  auto article = at(root, {"article"});
  if (article && article->is_object() && text(*article, {"sender"}) != "System") {
    ExternalComment c;
    c.id = text(*article, {"id"}).value_or("");
    c.body = text(*article, {"body"}).value_or("");
    c.is_public = !payload::boolean(*article, {"internal"}).value_or(true);
    c.author = person(*article, {"created_by"});
    t.type = text(*article, {"type"});
    simdjson::dom::array files;
    if ((*article)["attachments"].get_array().get(files) == simdjson::SUCCESS) {
      for (element f : files) {
        ExternalAttachment a;
        a.id = text(f, {"id"}).value_or("");
        a.name = text(f, {"filename"}).value_or("");
        a.size = static_cast<std::uint64_t>(payload::integer(f, {"size"}).value_or(0));
        a.url = text(f, {"url"}).value_or("");
        a.content_type = text(f, {"preferences", "Content-Type"}).value_or("");
        a.is_public = c.is_public;
        if (!a.id.empty()) t.attachments.push_back(std::move(a));
      }
    }
    // The ticket's first article is its description (Waldur's rule).
    simdjson::dom::array ids;
    std::optional<std::string> first;
    if ((*ticket)["article_ids"].get_array().get(ids) == simdjson::SUCCESS && ids.size() > 0) {
      first = text(*ids.begin(), {});
    }
    if (!c.id.empty() && first == c.id) {
      t.description = c.body;
    } else if (!c.id.empty()) {
      t.comments.push_back(std::move(c));
    }
  }
  return t;
}

}  // namespace ticketd
