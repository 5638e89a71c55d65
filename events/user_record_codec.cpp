#include "events/user_record_codec.h"

#include "base/json_fields.h"
#include "base/json_writer.h"

namespace ticketd {

std::string encode_user_record(const UserRecord& user) {
  JsonWriter w;
  w.begin_object().key("sub").value(user.sub).key("tenant").value(user.tenant);
  w.key("role").value(role_name(user.role)).key("name").value(user.name).key("email").value(user.email);
  w.end_object();
  return w.take();
}

Result<UserRecord> decode_user_record(std::string_view data) {
  thread_local simdjson::dom::parser parser;
  JsonFields in;
  if (parser.parse(data.data(), data.size()).get(in.e) != simdjson::SUCCESS || !in.e.is_object()) {
    return make_error(Errc::internal, "user record is not a JSON object");
  }
  UserRecord u;
  u.sub = in.str("sub");
  u.tenant = in.str("tenant");
  u.role = in.enumerated<Role>("role", parse_role);
  u.name = in.opt_str("name").value_or("");
  u.email = in.opt_str("email").value_or("");
  if (!in.ok) return make_error(Errc::internal, "user record does not match its schema");
  return u;
}

}  // namespace ticketd
