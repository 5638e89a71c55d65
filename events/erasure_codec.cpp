#include "events/erasure_codec.h"

#include "base/json_fields.h"
#include "base/json_writer.h"

namespace ticketd {

std::string encode_erasure(const ErasureRecord& r) {
  JsonWriter w;
  w.begin_object().key("subject").value(r.subject).key("keys").begin_array();
  for (const auto& id : r.key_ids) w.value(id);
  w.end_array().end_object();
  return w.take();
}

Result<ErasureRecord> decode_erasure(std::string_view data) {
  thread_local simdjson::dom::parser parser;
  JsonFields in;
  if (parser.parse(data.data(), data.size()).get(in.e) != simdjson::SUCCESS || !in.e.is_object()) {
    return make_error(Errc::internal, "erasure record is not a JSON object");
  }
  ErasureRecord r;
  r.subject = in.str("subject");
  r.key_ids = in.strs("keys");
  if (!in.ok || r.subject.empty()) return make_error(Errc::internal, "erasure record does not match its schema");
  return r;
}

}  // namespace ticketd
