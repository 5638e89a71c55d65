#include "commands/user_directory.h"

#include "commands/new_event.h"
#include "events/streams.h"

namespace ticketd {

Result<UserDirectory::Entry> UserDirectory::load(const std::string& sub) {
  if (auto hit = cache_.find(sub)) return *std::move(hit);
  const auto stamp = cache_.stamp();
  Entry entry;
  auto version = store_.stream_version(streams::user(sub));
  if (!version) return std::unexpected(version.error());
  if (*version > 0) {
    auto last = store_.read_stream(streams::user(sub), *version, 1);
    if (!last) return std::unexpected(last.error());
    if (last->empty() || last->front().type != kUserRecorded) {
      return make_error(Errc::internal, "user stream " + sub + " is unreadable");
    }
    auto user = decode_user_record(last->front().data, cipher_);
    if (!user) return make_error(Errc::internal, "user stream " + sub + ": " + user.error().message);
    entry.user = std::move(*user);
    entry.version = *version;
  }
  if (entry.user) {
    const UserRecord& u = *entry.user;
    const std::size_t bytes = sizeof(Entry) + u.sub.size() + u.tenant.size() + u.name.size() + u.email.size();
    cache_.insert_unless_invalidated(sub, entry, bytes, stamp);
  }
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
  auto data = encode_user_record(user, cipher_);
  if (!data) return std::unexpected(data.error());
  NewEvent ev = event_by(actor, event_id, kUserRecorded, now, std::move(*data));
  auto appended = store_.append(streams::user(user.sub), ExpectedVersion::exact(e->version), {ev});
  cache_.invalidate(user.sub);
  if (!appended && appended.error().code != Errc::wrong_expected_version) return std::unexpected(appended.error());
  return {};  // a concurrent recorder won: its record stands
}

}  // namespace ticketd
