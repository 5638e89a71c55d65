// Attachments: upload (raw body or multipart/form-data), list, download.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/sha256.h"
#include "http/api_context.h"
#include "http/multipart.h"

namespace ticketd::http {

namespace {

std::string media_type(std::string_view content_type) {
  std::string out(content_type.substr(0, content_type.find(';')));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Response upload(Api::Context& ctx, Call& call) {
  const Request& req = call.request;
  auto ticket = ctx.visible_ticket(call.who(), call.params.get("id"));
  if (!ticket) return problem(ticket.error());

  FilePart part;
  const std::string declared(req.header("content-type").value_or(""));
  if (declared.empty()) return problem(415, "the upload needs a Content-Type");
  if (media_type(declared) == "multipart/form-data") {
    auto boundary = multipart_boundary(declared);
    if (!boundary) return problem(400, boundary.error().message);
    auto found = find_file_part(req.body_file, *boundary);
    if (!found) return problem(found.error(), found.error().code == Errc::validation ? 400 : 500);
    part = *found;
  } else {
    auto name = req.param("filename");
    if (!name) return invalid_field("filename", "is required (?filename=) for a raw upload");
    part.file_name = std::string(*name);
    part.content_type = declared;
    part.offset = 0;
    part.length = req.body_size;
  }
  const std::string type = media_type(part.content_type);
  const auto& allowed = ctx.options.attachment_types;
  if (std::find(allowed.begin(), allowed.end(), type) == allowed.end()) {
    return problem(415, fmt::format("content type {} is not accepted for attachments", type));
  }
  if (part.length > ctx.options.max_attachment_bytes) {
    return problem(413, fmt::format("attachments are limited to {} bytes", ctx.options.max_attachment_bytes));
  }
  Visibility visibility = Visibility::public_;
  if (auto v = req.param("visibility")) {
    auto parsed = parse_visibility(*v);
    if (!parsed) return invalid_field("visibility", "must be public or internal");
    visibility = *parsed;
  }
  const std::string verdict = ctx.services.scanner.scan(req.body_file, part.offset, part.length);
  if (verdict != "clean") {
    // The file's name is its uploader's personal data: never in a log line.
    spdlog::warn("upload refused by the scan hook: ticket={} verdict={}", (*ticket)->id, verdict);
    return invalid_field("file", "refused by the scan: " + verdict);
  }
  AttachmentMeta meta;
  meta.id = ctx.services.ids.next_id();
  auto stored = ctx.services.attachments.put_file(req.body_file, part.offset, part.length, meta.id, (*ticket)->id,
                                                  call.who().sub);
  if (!stored) return problem(stored.error());
  meta.file_name = part.file_name;
  meta.content_type = type;
  meta.size = stored->size;
  meta.sha256 = stored->sha256;
  meta.visibility = visibility;
  meta.scan_verdict = verdict;
  // Until the log holds this attachment, a refusal takes its content back out of the store
  // (the bytes stay while another attachment references them); an outcome the log may
  // still hold (unavailable, internal) keeps them.
  auto release = [&] {
    if (auto r = ctx.services.attachments.release(meta.id, meta.sha256); !r) {
      spdlog::warn("a refused upload's content stays in the attachment store: {}", r.error().message);
    }
  };

  auto command = ctx.command_request(call);
  if (!command) {
    release();
    return std::move(command.error());
  }
  if (!command->idempotency_key.empty()) {
    command->fingerprint = sha256_hex(
        {req.method, "\n", req.path, "\n", meta.file_name, "\n", type, "\n", meta.sha256, "\n", name_of(visibility)});
  }
  auto out = ctx.engine().execute((*ticket)->id, AddAttachment{meta}, *command);
  if (!out) {
    if (out.error().code != Errc::unavailable && out.error().code != Errc::internal) release();
    return problem(out.error());
  }
  if (out->replayed) release();  // the log holds the first upload's attachment, not this one
  if (out->ticket->attachments.empty()) return problem(500, "the attachment is missing");
  JsonWriter w;
  write_attachment(w, out->ticket->attachments.back());
  Response r = json_ok(w, 201);
  r.set("ETag", etag(out->ticket->version));
  r.set("Location", "/api/v1/attachments/" + out->ticket->attachments.back().id + "/content");
  if (out->replayed) r.set("Idempotent-Replayed", "true");
  return r;
}

Response list(Api::Context& ctx, Call& call) {
  auto t = ctx.visible_ticket(call.who(), call.params.get("id"));
  if (!t) return problem(t.error());
  const auto& attachments = (*t)->attachments;
  auto page = item_page(call.request, "attachments", attachments.size());
  if (!page) return std::move(page.error());
  return item_page_response(
      std::span<const AttachmentMeta>(attachments), 0, *page, "attachments",
      [&](const AttachmentMeta& a) { return access::may_see_attachment(call.who(), **t, a); }, write_attachment);
}

std::string disposition(const std::string& file_name) {
  // ASCII fallback plus the RFC 8187 form with the exact (UTF-8) name.
  std::string ascii, encoded;
  for (unsigned char c : file_name) {
    ascii += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_')
      encoded += static_cast<char>(c);
    else
      encoded += fmt::format("%{:02X}", c);
  }
  return fmt::format("attachment; filename=\"{}\"; filename*=UTF-8''{}", ascii, encoded);
}

Response content(Api::Context& ctx, Call& call) {
  const std::string& id = call.params.get("id");
  auto owner = ctx.services.attachments.owner(id);
  if (!owner && owner.error().code == Errc::not_found && !ctx.options.leader_url.empty()) {
    // A follower holds no attachment bytes (they are not in the log): the leader has them
    // and checks the caller there.
    JsonWriter w;
    w.begin_object().key("location").value(ctx.options.leader_url + call.request.target).end_object();
    Response r = json_response(307, w.take());
    r.set("Location", ctx.options.leader_url + call.request.target);
    return r;
  }
  if (!owner) return problem(owner.error());
  auto t = ctx.engine().ticket(*owner, call.who());
  if (!t) return problem(t.error());
  const auto& list = (*t)->attachments;
  auto it = std::find_if(list.begin(), list.end(), [&](const AttachmentMeta& a) { return a.id == id; });
  if (it == list.end() || !access::may_see_attachment(call.who(), **t, *it)) {
    return problem(404, "attachment not found");
  }
  const std::string tag = "\"" + it->sha256 + "\"";
  if (auto none_match = call.request.header("if-none-match"); none_match && *none_match == tag) {
    Response r;
    r.status = 304;
    r.content_type = it->content_type;
    r.set("ETag", tag);
    return r;
  }
  Response r;
  if (call.request.spool_dir.empty()) {
    auto bytes = ctx.services.attachments.get(it->id, it->sha256);
    if (!bytes) return problem(bytes.error());
    r.body = std::move(*bytes);
  } else {
    // Through a file, so the answer never holds the whole content in memory.
    const std::string file = call.request.spool_dir + "/download-" + ctx.services.ids.next_id();
    auto copied = ctx.services.attachments.copy_to_file(it->id, it->sha256, file);
    if (!copied) return problem(copied.error());
    r.body_file = file;
    r.body_file_size = *copied;
  }
  r.status = 200;
  r.content_type = it->content_type;
  r.set("ETag", tag);
  r.set("Content-Disposition", disposition(it->file_name));
  r.set("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace

void add_attachment_routes(Api::Context& ctx) {
  Router& r = ctx.router;
  auto bind = [&ctx](Response (*fn)(Api::Context&, Call&)) { return [&ctx, fn](Call& c) { return fn(ctx, c); }; };
  r.add("POST", "/api/v1/tickets/{id}/attachments", Access::principal, bind(upload),
        {"Upload a file: raw body with Content-Type and ?filename=, or multipart/form-data",
         who_on_tickets(access::Action::attach),
         {"filename", "visibility"},
         "the file's bytes",
         {201, 400, 403, 404, 409, 413, 415, 422}});
  r.add("GET", "/api/v1/tickets/{id}/attachments", Access::principal, bind(list),
        {"A ticket's attachments (visibility-filtered)", kAnyoneOnTickets, {"limit", "cursor"}, "", {200, 400, 404}});
  r.add("GET", "/api/v1/attachments/{id}/content", Access::principal, bind(content),
        {"An attachment's bytes; ETag is its SHA-256", kAnyoneOnTickets, {}, "", {200, 304, 404}});
}

}  // namespace ticketd::http
