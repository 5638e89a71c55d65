#include "eventstore/record_codec.h"

#include <simdjson.h>

#include <algorithm>

#include "base/json_writer.h"
#include "base/sha256.h"

namespace ticketd {

std::string canonical_bytes(const EventRecord& r) {
  JsonWriter w;
  w.begin_object()
      .key("position")
      .value(r.position)
      .key("stream")
      .value(r.stream)
      .key("version")
      .value(r.version)
      .key("event_id")
      .value(r.event_id)
      .key("type")
      .value(r.type)
      .key("schema")
      .value(static_cast<std::uint64_t>(r.schema))
      .key("time")
      .value(format_rfc3339(r.time))
      .key("actor")
      .begin_object()
      .key("sub")
      .value(r.actor.sub)
      .key("role")
      .value(r.actor.role)
      .key("tenant")
      .value(r.actor.tenant)
      .end_object()
      .key("correlation_id")
      .value(r.correlation_id)
      .key("causation_id")
      .value(r.causation_id)
      .key("data")
      .raw(r.data)
      .end_object();
  return w.take();
}

std::string chain_hash(std::string_view prev_hash, std::string_view canonical) {
  return sha256_hex({prev_hash, canonical});
}

std::string stored_form(std::string_view canonical, const EventRecord& r) {
  std::string out;
  out.reserve(canonical.size() + kHashTailBytes);
  out.append(canonical.substr(0, canonical.size() - 1));  // drop the closing '}'
  out += ",\"prev_hash\":\"";
  out += r.prev_hash;
  out += "\",\"hash\":\"";
  out += r.hash;
  out += "\"}";
  return out;
}

Result<std::string> canonical_of_stored(std::string_view stored) {
  if (stored.size() <= kHashTailBytes || stored.back() != '}' ||
      stored.substr(stored.size() - kHashTailBytes, 14) != ",\"prev_hash\":\"") {
    return make_error(Errc::internal, "record does not end with the prev_hash/hash tail");
  }
  std::string out(stored.substr(0, stored.size() - kHashTailBytes));
  out.push_back('}');
  return out;
}

namespace {

simdjson::ondemand::parser& thread_parser() {
  thread_local simdjson::ondemand::parser parser;
  return parser;
}

template <class T>
bool take(simdjson::simdjson_result<T>&& r, T& out) {
  return std::move(r).get(out) == simdjson::SUCCESS;
}

bool take_string(simdjson::ondemand::object& obj, const char* key, std::string& out) {
  std::string_view sv;
  if (obj[key].get_string().get(sv) != simdjson::SUCCESS) return false;
  out.assign(sv);
  return true;
}

}  // namespace

Result<EventRecord> decode_record(std::string_view stored) {
  // The on-demand parser validates only what it visits, and some malformed objects leave
  // it in a state its lookups do not expect (found by fuzz/record_codec_fuzz.cpp): the
  // whole record is validated first.
  thread_local simdjson::dom::parser validator;
  if (validator.parse(stored.data(), stored.size()).error() != simdjson::SUCCESS) {
    return make_error(Errc::internal, "record is not JSON");
  }
  simdjson::padded_string padded(stored);
  simdjson::ondemand::document doc;
  if (thread_parser().iterate(padded).get(doc) != simdjson::SUCCESS) {
    return make_error(Errc::internal, "record is not JSON");
  }
  EventRecord r;
  simdjson::ondemand::object obj;
  std::uint64_t schema = 0;
  std::string time_text;
  simdjson::ondemand::object actor;
  simdjson::ondemand::object data;
  std::string_view data_raw;
  bool ok = take(doc.get_object(), obj) && take(obj["position"].get_uint64(), r.position) &&
            take_string(obj, "stream", r.stream) && take(obj["version"].get_uint64(), r.version) &&
            take_string(obj, "event_id", r.event_id) && take_string(obj, "type", r.type) &&
            take(obj["schema"].get_uint64(), schema) && take_string(obj, "time", time_text) &&
            take(obj["actor"].get_object(), actor) && take_string(actor, "sub", r.actor.sub) &&
            take_string(actor, "role", r.actor.role) && take_string(actor, "tenant", r.actor.tenant) &&
            take_string(obj, "correlation_id", r.correlation_id) && take_string(obj, "causation_id", r.causation_id) &&
            take(obj["data"].get_object(), data) && take(data.raw_json(), data_raw);
  if (ok) {
    r.data.assign(data_raw);
    ok = take_string(obj, "prev_hash", r.prev_hash) && take_string(obj, "hash", r.hash);
  }
  if (!ok) return make_error(Errc::internal, "record misses a field or has a wrong type");
  auto is_hash = [](std::string_view h) {
    return h.size() == kHashHexBytes &&
           std::all_of(h.begin(), h.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  };
  if (!is_hash(r.prev_hash) || !is_hash(r.hash)) {
    return make_error(Errc::internal, "record hashes are not 64 lowercase hex digits");
  }
  auto time = parse_rfc3339(time_text);
  if (!time) return make_error(Errc::internal, "record time is not RFC 3339");
  r.time = *time;
  r.schema = static_cast<std::uint32_t>(schema);
  return r;
}

Result<std::string> minify_json_object(std::string_view json, std::size_t max_bytes) {
  if (json.size() > max_bytes) {
    return make_error(Errc::too_large, "event data exceeds the size limit");
  }
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return make_error(Errc::validation, "event data is not valid JSON");
  }
  if (!root.is_object()) return make_error(Errc::validation, "event data is not a JSON object");
  std::string out(json.size(), '\0');
  std::size_t len = 0;
  if (simdjson::minify(json.data(), json.size(), out.data(), len) != simdjson::SUCCESS) {
    return make_error(Errc::validation, "event data cannot be minified");
  }
  out.resize(len);
  return out;
}

}  // namespace ticketd
