#include "events/ticket_json.h"

namespace ticketd::ticket_json {
namespace {

// Authors may be the system principal, which tokens can never name (parse_role).
std::optional<Role> parse_author_role(std::string_view s) {
  return s == role_name(Role::system) ? std::optional<Role>(Role::system) : parse_role(s);
}

}  // namespace

void write_strings(JsonWriter& w, std::string_view key, const std::vector<std::string>& values) {
  w.key(key).begin_array();
  for (const auto& v : values) w.value(v);
  w.end_array();
}

template <class T>
void write_core(JsonWriter& w, const T& t, FieldSealer& seal) {
  w.key("id").value(t.id).key("number").value(t.number).key("tenant").value(t.tenant);
  seal.field(w, "subject", t.requester, t.subject);
  seal.field(w, "description", t.requester, t.description);
  w.key("type").value(name_of(t.type)).key("category").value(t.category);
  w.key("priority").value(name_of(t.priority)).key("queue").value(t.queue);
  w.key("requester").value(t.requester);
  write_strings(w, "tags", t.tags);
}

template <class T>
void read_core(JsonFields& in, T& t, FieldOpener& open) {
  t.id = in.str("id");
  t.number = in.str("number");
  t.tenant = in.str("tenant");
  t.subject = open.field(in, "subject");
  t.description = open.field(in, "description");
  t.type = in.enumerated<TicketType>("type", parse_ticket_type);
  t.category = in.str("category");
  t.priority = in.enumerated<Priority>("priority", parse_priority);
  t.queue = in.str("queue");
  t.requester = in.str("requester");
  t.tags = in.strs("tags");
}

template void write_core<Ticket>(JsonWriter&, const Ticket&, FieldSealer&);
template void write_core<TicketCreated>(JsonWriter&, const TicketCreated&, FieldSealer&);
template void read_core<Ticket>(JsonFields&, Ticket&, FieldOpener&);
template void read_core<TicketCreated>(JsonFields&, TicketCreated&, FieldOpener&);

void write_comment(JsonWriter& w, const Comment& c, FieldSealer& seal) {
  w.key("comment_id").value(c.id).key("author").value(c.author);
  w.key("author_role").value(role_name(c.author_role));
  seal.field(w, "body", c.author, c.body);
  w.key("visibility").value(name_of(c.visibility)).key("is_staff_reply").value(c.is_staff_reply);
  write_strings(w, "attachments", c.attachments);
  write_strings(w, "mentions", c.mentions);
}

Comment read_comment(JsonFields& in, FieldOpener& open) {
  Comment c;
  c.id = in.str("comment_id");
  c.author = in.str("author");
  c.author_role = in.enumerated<Role>("author_role", parse_author_role);
  c.body = open.field(in, "body");
  c.visibility = in.enumerated<Visibility>("visibility", parse_visibility);
  c.is_staff_reply = in.boolean("is_staff_reply");
  c.attachments = in.strs("attachments");
  c.mentions = in.strs("mentions");
  return c;
}

void write_attachment(JsonWriter& w, const AttachmentMeta& a, FieldSealer& seal) {
  w.key("attachment_id").value(a.id);
  seal.field(w, "file_name", a.uploader, a.file_name);
  w.key("content_type").value(a.content_type).key("size").value(a.size).key("sha256").value(a.sha256);
  w.key("uploader").value(a.uploader).key("visibility").value(name_of(a.visibility));
  w.key("scan_verdict").value(a.scan_verdict);
  // An external reference only; sealed like the name (a URL may carry it).
  if (!a.url.empty()) seal.field(w, "url", a.uploader, a.url);
}

AttachmentMeta read_attachment(JsonFields& in, FieldOpener& open) {
  AttachmentMeta a;
  a.id = in.str("attachment_id");
  a.file_name = open.field(in, "file_name");
  a.content_type = in.str("content_type");
  a.size = static_cast<std::uint64_t>(in.i64("size"));
  a.sha256 = in.str("sha256");
  a.uploader = in.str("uploader");
  a.visibility = in.enumerated<Visibility>("visibility", parse_visibility);
  a.scan_verdict = in.str("scan_verdict");
  if (in.has("url")) a.url = open.field(in, "url");
  return a;
}

void write_resolution(JsonWriter& w, const std::optional<Resolution>& r, const std::string& requester,
                      FieldSealer& seal) {
  if (!r) return;
  w.key("resolution").begin_object().key("code").value(name_of(r->code));
  seal.field(w, "text", requester, r->text);
  w.end_object();
}

std::optional<Resolution> read_resolution(JsonFields& in, FieldOpener& open) {
  simdjson::dom::element x;
  if (in.e["resolution"].get(x) != simdjson::SUCCESS) return std::nullopt;
  JsonFields sub{x};
  const auto code = sub.enumerated<ResolutionCode>("code", parse_resolution_code);
  Resolution out{code, open.field(sub, "text")};
  in.ok = in.ok && sub.ok;
  return out;
}

}  // namespace ticketd::ticket_json
