// SMAX: no native webhook. A delivery is {"id": "<Request Id>"} (Waldur's convention: the
// ticket is fetched through the REST API), or an `ems` answer {"entities": [...]}, whose
// first Request is read (docs/integrations.md, "SMAX").
#include "adapters/payload_fields.h"
#include "adapters/payloads.h"

namespace ticketd {

namespace {

using payload::at;
using payload::element;
using payload::text;

// The Request's `Comments` property: a JSON string {"Comment":[{CommentId, CommentBody,
// PrivacyType, Submitter:"Person/<id>"}]}.
void read_comments(std::string_view json, ExternalTicket& t) {
  simdjson::dom::parser parser;
  element root;
  simdjson::dom::array list;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS ||
      root["Comment"].get_array().get(list) != simdjson::SUCCESS) {
    return;
  }
  for (element c : list) {
    ExternalComment comment;
    comment.id = text(c, {"CommentId"}).value_or("");
    comment.body = text(c, {"CommentBody"}).value_or("");
    // AGENTPUBLIC counts as public (Waldur's rule); no PrivacyType: internal.
    const auto privacy = text(c, {"PrivacyType"});
    comment.is_public = privacy && *privacy != "INTERNAL";
    comment.author.id = text(c, {"Submitter"}).value_or("");
    if (!comment.id.empty()) t.comments.push_back(std::move(comment));
  }
}

}  // namespace

Result<ExternalTicket> parse_smax_entity(simdjson::dom::element entity) {
  auto props = at(entity, {"properties"});
  ExternalTicket t;
  if (props) t.key = text(*props, {"Id"}).value_or("");
  if (t.key.empty()) return make_error(Errc::validation, "the SMAX entity has no properties.Id");
  t.event = "smax:" + text(entity, {"entity_type"}).value_or("Request");
  t.subject = text(*props, {"DisplayLabel"});
  t.description = text(*props, {"Description"});
  t.status = text(*props, {"Status"});
  t.status_category = text(*props, {"PhaseId"});
  t.priority = text(*props, {"Priority"});
  if (auto code = text(*props, {"CompletionCode"})) t.resolution = *code;
  if (auto ms = payload::integer(*props, {"LastUpdateTime"})) {
    t.updated = Timestamp{std::chrono::milliseconds{*ms}};
  }
  t.reporter.id = text(*props, {"RequestedByPerson"}).value_or("");
  if (auto comments = text(*props, {"Comments"})) read_comments(*comments, t);
  return t;
}

Result<ExternalTicket> parse_smax_webhook(std::string_view body) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return make_error(Errc::validation, "the SMAX webhook body is not a JSON object");
  }
  simdjson::dom::array entities;
  if (root["entities"].get_array().get(entities) == simdjson::SUCCESS && entities.size() > 0) {
    return parse_smax_entity(*entities.begin());
  }
  ExternalTicket t;
  t.key = text(root, {"id"}).value_or("");
  if (t.key.empty()) return make_error(Errc::validation, "the SMAX webhook names no request (id)");
  t.event = "smax:request";
  t.thin = true;
  return t;
}

}  // namespace ticketd
