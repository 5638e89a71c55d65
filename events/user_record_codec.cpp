#include "events/user_record_codec.h"

#include "base/json_fields.h"
#include "base/json_writer.h"

namespace ticketd {

Result<std::string> encode_user_record(const UserRecord& user, FieldCipher& cipher) {
  FieldSealer seal(cipher, kUserRecorded);
  JsonWriter w;
  w.begin_object().key("sub").value(user.sub).key("tenant").value(user.tenant);
  w.key("role").value(role_name(user.role));
  seal.field(w, "name", user.sub, user.name);
  seal.field(w, "email", user.sub, user.email);
  if (!user.queues.empty()) {
    w.key("queues").begin_array();
    for (const auto& q : user.queues) w.value(q);
    w.end_array();
  }
  if (!user.available) w.key("available").value(false);
  w.end_object();
  if (auto ok = seal.status(); !ok) return std::unexpected(ok.error());
  return w.take();
}

namespace {

// Absent or null: "" (records of old clients left them out).
std::string optional_field(JsonFields& in, FieldOpener& open, const char* key) {
  simdjson::dom::element x;
  if (in.e[key].get(x) != simdjson::SUCCESS || x.is_null()) return {};
  return open.field(in, key);
}

}  // namespace

Result<UserRecord> decode_user_record(std::string_view data, const FieldCipher& cipher) {
  FieldOpener open(cipher, kUserRecorded);
  thread_local simdjson::dom::parser parser;
  JsonFields in;
  if (parser.parse(data.data(), data.size()).get(in.e) != simdjson::SUCCESS || !in.e.is_object()) {
    return make_error(Errc::internal, "user record is not a JSON object");
  }
  UserRecord u;
  u.sub = in.str("sub");
  u.tenant = in.str("tenant");
  u.role = in.enumerated<Role>("role", parse_role);
  u.name = optional_field(in, open, "name");
  u.email = optional_field(in, open, "email");
  simdjson::dom::array queues;
  if (in.e["queues"].get_array().get(queues) == simdjson::SUCCESS) {
    for (auto q : queues) {
      std::string_view name;
      if (q.get_string().get(name) != simdjson::SUCCESS) return make_error(Errc::internal, "user queues are not names");
      u.queues.emplace_back(name);
    }
  }
  bool available = true;
  if (in.e["available"].get_bool().get(available) == simdjson::SUCCESS) u.available = available;
  if (auto opened = open.status(); !opened) return std::unexpected(opened.error());
  if (!in.ok) return make_error(Errc::internal, "user record does not match its schema");
  return u;
}

}  // namespace ticketd
