#include "commands/user_directory.h"

#include <simdjson.h>

#include "events/streams.h"
#include "base/json_writer.h"

namespace ticketd {

inline constexpr const char* kUserRecorded = "user.recorded";

Result<UserDirectory::Entry> UserDirectory::load(const std::string& sub) {
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(sub); it != cache_.end()) return it->second;
  }
  Entry entry;
  auto version = store_.stream_version(streams::user(sub));
  if (!version) return std::unexpected(version.error());
  if (*version > 0) {
    auto last = store_.read_stream(streams::user(sub), *version, 1);
    if (!last) return std::unexpected(last.error());
    if (last->empty() || last->front().type != kUserRecorded) {
      return make_error(Errc::internal, "user stream " + sub + " is unreadable");
    }
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element root;
    const std::string& data = last->front().data;
    if (parser.parse(data.data(), data.size()).get(root) != simdjson::SUCCESS) {
      return make_error(Errc::internal, "user record is not JSON");
    }
    UserRecord u;
    std::string_view sv;
    auto str = [&](const char* k) {
      return root[k].get_string().get(sv) == simdjson::SUCCESS ? std::string(sv) : std::string();
    };
    u.sub = str("sub");
    u.tenant = str("tenant");
    u.name = str("name");
    u.email = str("email");
    u.role = parse_role(str("role")).value_or(Role::customer);
    entry.user = std::move(u);
    entry.version = *version;
  }
  std::lock_guard lock(mu_);
  cache_[sub] = entry;
  return entry;
}

Result<std::optional<UserRecord>> UserDirectory::get(const std::string& sub) {
  auto e = load(sub);
  if (!e) return std::unexpected(e.error());
  return e->user;
}

Result<void> UserDirectory::record(const UserRecord& user, const Principal& actor, Timestamp now,
                                   const std::string& event_id) {
  auto e = load(user.sub);
  if (!e) return std::unexpected(e.error());
  if (e->user == user) return {};
  JsonWriter w;
  w.begin_object().key("sub").value(user.sub).key("tenant").value(user.tenant);
  w.key("role").value(role_name(user.role)).key("name").value(user.name).key("email").value(user.email);
  w.end_object();
  NewEvent ev;
  ev.event_id = event_id;
  ev.type = kUserRecorded;
  ev.time = now;
  ev.actor = Actor{actor.sub, role_name(actor.role), actor.tenant};
  ev.data = w.take();
  auto appended = store_.append(streams::user(user.sub), ExpectedVersion::exact(e->version), {ev});
  std::lock_guard lock(mu_);
  cache_.erase(user.sub);
  if (!appended && appended.error().code != Errc::wrong_expected_version) return std::unexpected(appended.error());
  return {};  // a concurrent recorder won: its record stands
}

}  // namespace ticketd
