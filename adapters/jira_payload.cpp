// Jira Cloud / Data Center webhook bodies (docs/integrations.md, "Jira").
#include "adapters/payload_fields.h"
#include "adapters/payloads.h"

namespace ticketd {

namespace {

using payload::at;
using payload::element;
using payload::text;

// The text of an Atlassian document (REST v3): its "text" nodes in order, paragraphs on
// their own lines. A plain string (REST v2, webhooks) is itself.
void document_text(element node, std::string& out) {
  std::string_view s;
  if (node.get_string().get(s) == simdjson::SUCCESS) {
    out += s;
    return;
  }
  if (auto t = text(node, {"text"})) out += *t;
  simdjson::dom::array content;
  if (node.is_object() && node["content"].get_array().get(content) == simdjson::SUCCESS) {
    for (element child : content) document_text(child, out);
    if (auto type = text(node, {"type"}); type == "paragraph" || type == "heading") out += '\n';
  }
}

std::optional<std::string> document(element e, std::initializer_list<std::string_view> path) {
  auto x = at(e, path);
  if (!x) return std::nullopt;
  std::string out;
  document_text(*x, out);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

ExternalPerson person(element e, std::initializer_list<std::string_view> path) {
  ExternalPerson p;
  auto x = at(e, path);
  if (!x) return p;
  p.id = text(*x, {"accountId"}).value_or(text(*x, {"key"}).value_or(text(*x, {"name"}).value_or("")));
  p.name = text(*x, {"displayName"}).value_or("");
  p.email = text(*x, {"emailAddress"}).value_or("");
  return p;
}

void read_fields(element fields, ExternalTicket& t) {
  t.subject = text(fields, {"summary"});
  t.description = document(fields, {"description"});
  t.status = text(fields, {"status", "name"});
  t.status_category = text(fields, {"status", "statusCategory", "key"});
  t.priority = text(fields, {"priority", "name"});
  t.type = text(fields, {"issuetype", "name"});
  // An object (not a string), null while unresolved.
  if (at(fields, {"resolution"})) t.resolution = text(fields, {"resolution", "name"}).value_or("resolved");
  if (auto updated = text(fields, {"updated"})) t.updated = parse_external_time(*updated);
  t.reporter = person(fields, {"reporter"});
  if (t.reporter.id.empty()) t.reporter = person(fields, {"creator"});
  simdjson::dom::array files;
  if (fields["attachment"].get_array().get(files) == simdjson::SUCCESS) {
    for (element f : files) {
      ExternalAttachment a;
      a.id = text(f, {"id"}).value_or("");
      a.name = text(f, {"filename"}).value_or("");
      a.size = static_cast<std::uint64_t>(payload::integer(f, {"size"}).value_or(0));
      a.url = text(f, {"content"}).value_or("");
      a.content_type = text(f, {"mimeType"}).value_or("");
      if (!a.id.empty()) t.attachments.push_back(std::move(a));
    }
  }
}

}  // namespace

Result<ExternalTicket> parse_jira_issue(simdjson::dom::element issue) {
  ExternalTicket t;
  t.key = text(issue, {"key"}).value_or("");
  if (t.key.empty()) return make_error(Errc::validation, "the Jira issue has no key");
  t.event = "jira:issue";
  if (auto fields = at(issue, {"fields"})) read_fields(*fields, t);
  return t;
}

Result<ExternalTicket> parse_jira_webhook(std::string_view body) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return make_error(Errc::validation, "the Jira webhook body is not a JSON object");
  }
  auto issue = at(root, {"issue"});
  if (!issue) return make_error(Errc::validation, "the Jira webhook names no issue (issue.key)");
  auto parsed = parse_jira_issue(*issue);
  if (!parsed) return make_error(Errc::validation, "the Jira webhook names no issue (issue.key)");
  ExternalTicket t = std::move(*parsed);
  t.event = text(root, {"webhookEvent"}).value_or("");
  t.actor = person(root, {"user"});
  if (auto comment = at(root, {"comment"})) {
    ExternalComment c;
    c.id = text(*comment, {"id"}).value_or("");
    c.body = document(*comment, {"body"}).value_or("");
    // JSM's flag; a comment without it is internal (Waldur's rule too).
    c.is_public = payload::boolean(*comment, {"jsdPublic"}).value_or(false);
    c.author = person(*comment, {"author"});
    if (t.actor.id.empty()) t.actor = c.author;
    if (!c.id.empty()) t.comments.push_back(std::move(c));
    // A comment delivery's issue has few fields; its time is the comment's.
    if (!t.updated) {
      if (auto updated = text(*comment, {"updated"})) t.updated = parse_external_time(*updated);
    }
  }
  t.partial = !t.subject || !t.status;
  // The changelog of an update says a resolution was cleared (a reopen).
  simdjson::dom::array items;
  if (root["changelog"]["items"].get_array().get(items) == simdjson::SUCCESS) {
    for (element item : items) {
      if (text(item, {"field"}) == "resolution" && !text(item, {"to"})) t.resolution = "";
    }
  }
  return t;
}

}  // namespace ticketd
