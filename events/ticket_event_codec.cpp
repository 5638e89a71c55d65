#include "events/ticket_event_codec.h"

#include "events/ticket_json.h"

namespace ticketd {
namespace {

using namespace ticket_json;

// The fields of ticket.updated whose values are personal data (the ticket's texts).
bool is_sealed_change(std::string_view field) { return field == "subject" || field == "description"; }

void write_optional(JsonWriter& w, std::string_view key, const std::optional<std::string>& v) {
  w.key(key);
  if (v) {
    w.value(*v);
  } else {
    w.null();
  }
}

}  // namespace

Result<std::string> encode_ticket_event(const TicketEvent& event, const std::string& requester, FieldCipher& cipher) {
  FieldSealer seal(cipher, event_type_name(event));
  JsonWriter w;
  w.begin_object();
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, TicketCreated>) {
          write_core(w, e, seal);
          write_strings(w, "attachments", e.attachments);
          if (e.external) {
            w.key("external").begin_object().key("system").value(e.external->system);
            w.key("key").value(e.external->key).end_object();
          }
        } else if constexpr (std::is_same_v<E, TicketUpdated>) {
          w.key("changes").begin_array();
          for (const auto& c : e.changes) {
            w.begin_object().key("field").value(c.field);
            if (is_sealed_change(c.field)) {
              seal.field(w, "before", requester, c.before);
              seal.field(w, "after", requester, c.after);
            } else {
              w.key("before").value(c.before).key("after").value(c.after);
            }
            w.end_object();
          }
          w.end_array();
          if (e.tags_after) {
            write_strings(w, "tags_before", *e.tags_before);
            write_strings(w, "tags_after", *e.tags_after);
          }
        } else if constexpr (std::is_same_v<E, TicketAssigned>) {
          write_optional(w, "before", e.before);
          write_optional(w, "after", e.after);
        } else if constexpr (std::is_same_v<E, StatusChanged>) {
          w.key("from").value(name_of(e.from)).key("to").value(name_of(e.to)).key("reason").value(e.reason);
          write_resolution(w, e.resolution, requester, seal);
        } else if constexpr (std::is_same_v<E, CommentAdded>) {
          write_comment(w, e.comment, seal);
        } else if constexpr (std::is_same_v<E, AttachmentAdded>) {
          write_attachment(w, e.attachment, seal);
        } else if constexpr (std::is_same_v<E, TicketMerged>) {
          w.key("into").value(e.into);
        } else if constexpr (std::is_same_v<E, MergeReceived>) {
          w.key("from").value(e.from);
        } else if constexpr (std::is_same_v<E, FeedbackGiven>) {
          w.key("rating").value(e.rating);
          seal.field(w, "comment", requester, e.comment);
        } else if constexpr (std::is_same_v<E, ExternalRefAdded>) {
          w.key("system").value(e.ref.system).key("key").value(e.ref.key);
        } else if constexpr (std::is_same_v<E, TicketArchived>) {
          w.key("retention_days").value(e.retention_days);
        } else {  // SlaWarning, SlaBreached
          w.key("metric").value(name_of(e.metric)).key("due").value(format_rfc3339(e.due));
        }
      },
      event);
  w.end_object();
  if (auto ok = seal.status(); !ok) return std::unexpected(ok.error());
  return w.take();
}

namespace {

using simdjson::dom::element;

Timestamp read_time(JsonFields& r, const char* key) {
  auto t = parse_rfc3339(r.str(key));
  if (!t) r.ok = false;
  return t.value_or(Timestamp{});
}

SlaMetric parse_metric_or(JsonFields& r) {
  const std::string m = r.str("metric");
  if (m == "first_response") return SlaMetric::first_response;
  if (m == "resolution") return SlaMetric::resolution;
  r.ok = false;
  return SlaMetric::first_response;
}

}  // namespace

Result<TicketChangeFacts> peek_ticket_change(std::string_view type, std::string_view data) {
  thread_local simdjson::dom::parser parser;
  element root;
  if (parser.parse(data.data(), data.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return make_error(Errc::internal, "event data is not a JSON object");
  }
  JsonFields r{root};
  TicketChangeFacts out;
  if (type == "ticket.assigned") {
    out.assignee_after = r.opt_str("after");
  } else if (type == "ticket.status_changed") {
    out.status_to = r.enumerated<Status>("to", parse_status);
    out.reason = r.str("reason");
  } else {
    return make_error(Errc::internal, "not an assignment or status change: " + std::string(type));
  }
  if (!r.ok) return make_error(Errc::internal, std::string(type) + " does not match its schema");
  return out;
}

Result<TicketEvent> decode_ticket_event(std::string_view type, std::string_view data, const FieldCipher& cipher) {
  FieldOpener open(cipher, type);
  thread_local simdjson::dom::parser parser;
  element root;
  if (parser.parse(data.data(), data.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return make_error(Errc::internal, "event data is not a JSON object");
  }
  JsonFields r{root};
  TicketEvent out;
  if (type == "ticket.created") {
    TicketCreated e;
    read_core(r, e, open);
    e.attachments = r.strs("attachments");
    element ext;
    if (root["external"].get(ext) == simdjson::SUCCESS) {
      JsonFields x{ext};
      e.external = ExternalRef{x.str("system"), x.str("key")};
      r.ok = r.ok && x.ok;
    }
    out = std::move(e);
  } else if (type == "ticket.updated") {
    TicketUpdated e;
    simdjson::dom::array changes;
    if (root["changes"].get_array().get(changes) != simdjson::SUCCESS) r.ok = false;
    for (element c : changes) {
      JsonFields x{c};
      std::string field = x.str("field");
      if (is_sealed_change(field)) {
        std::string before = open.field(x, "before");
        e.changes.push_back({std::move(field), std::move(before), open.field(x, "after")});
      } else {
        std::string before = x.str("before");
        e.changes.push_back({std::move(field), std::move(before), x.str("after")});
      }
      r.ok = r.ok && x.ok;
    }
    if (r.has("tags_after")) {
      e.tags_before = r.strs("tags_before");
      e.tags_after = r.strs("tags_after");
    }
    out = std::move(e);
  } else if (type == "ticket.assigned") {
    out = TicketAssigned{r.opt_str("before"), r.opt_str("after")};
  } else if (type == "ticket.status_changed") {
    StatusChanged e;
    e.from = r.enumerated<Status>("from", parse_status);
    e.to = r.enumerated<Status>("to", parse_status);
    e.reason = r.str("reason");
    e.resolution = read_resolution(r, open);
    out = std::move(e);
  } else if (type == "ticket.commented") {
    out = CommentAdded{read_comment(r, open)};
  } else if (type == "ticket.attachment_added") {
    out = AttachmentAdded{read_attachment(r, open)};
  } else if (type == "ticket.merged") {
    out = TicketMerged{r.str("into")};
  } else if (type == "ticket.merge_received") {
    out = MergeReceived{r.str("from")};
  } else if (type == "ticket.feedback_given") {
    const int rating = static_cast<int>(r.i64("rating"));
    out = FeedbackGiven{rating, open.field(r, "comment")};
  } else if (type == "ticket.external_ref_added") {
    out = ExternalRefAdded{ExternalRef{r.str("system"), r.str("key")}};
  } else if (type == "ticket.sla_warning") {
    const SlaMetric m = parse_metric_or(r);
    out = SlaWarning{m, read_time(r, "due")};
  } else if (type == "ticket.sla_breached") {
    const SlaMetric m = parse_metric_or(r);
    out = SlaBreached{m, read_time(r, "due")};
  } else if (type == "ticket.archived") {
    out = TicketArchived{r.i64("retention_days")};
  } else {
    return make_error(Errc::internal, "unknown ticket event type " + std::string(type));
  }
  if (auto opened = open.status(); !opened) return std::unexpected(opened.error());
  if (!r.ok) return make_error(Errc::internal, "event " + std::string(type) + " does not match its schema");
  return out;
}

}  // namespace ticketd
