#include "events/external_origin.h"

#include "base/json_fields.h"
#include "base/json_writer.h"

namespace ticketd {

Result<std::string> with_origin(std::string data, const ExternalOrigin& origin, std::string_view scope,
                                FieldCipher& cipher) {
  if (data.size() < 2 || data.front() != '{' || data.back() != '}') {
    return make_error(Errc::internal, "event data is not a JSON object");
  }
  const std::string subject = origin.system + ":" + origin.actor_id;
  FieldSealer sealer(cipher, scope);
  JsonWriter w;
  w.begin_object();
  w.key("system").value(origin.system).key("key").value(origin.key);
  sealer.field(w, "actor_id", subject, origin.actor_id);
  sealer.field(w, "actor", subject, origin.actor);
  if (origin.updated) w.key("updated").value(format_rfc3339(*origin.updated));
  if (!origin.delivery.empty()) w.key("delivery").value(origin.delivery);
  w.end_object();
  if (auto ok = sealer.status(); !ok) return std::unexpected(ok.error());
  data.pop_back();
  if (data.size() > 1) data += ',';
  data += "\"origin\":";
  data += w.take();
  data += '}';
  return data;
}

Result<std::optional<ExternalOrigin>> origin_of(std::string_view data, std::string_view scope,
                                                const FieldCipher& cipher) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(data.data(), data.size()).get(root) != simdjson::SUCCESS) {
    return make_error(Errc::internal, "event data is not JSON");
  }
  simdjson::dom::element o;
  if (root["origin"].get(o) != simdjson::SUCCESS) return std::optional<ExternalOrigin>();
  JsonFields in{o};
  FieldOpener opener(cipher, scope);
  ExternalOrigin out;
  out.system = in.str("system");
  out.key = in.str("key");
  out.actor_id = opener.field(in, "actor_id");
  out.actor = opener.field(in, "actor");
  if (auto updated = in.opt_str("updated")) {
    auto t = parse_rfc3339(*updated);
    if (!t) return make_error(Errc::internal, "origin.updated is not an RFC 3339 time");
    out.updated = *t;
  }
  out.delivery = in.opt_str("delivery").value_or("");
  if (auto ok = opener.status(); !ok) return std::unexpected(ok.error());
  if (!in.ok) return make_error(Errc::internal, "origin does not match its schema");
  return std::optional<ExternalOrigin>(std::move(out));
}

}  // namespace ticketd
