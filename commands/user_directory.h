// The user directory: every principal is recorded when first seen (and again when its
// claims change); admins may register users ahead. Stream "user:<sub>", events
// `user.recorded` {sub, tenant, role, name, email}. Thread-safe, cached.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/error.h"
#include "domain/principal.h"
#include "domain/ticket_commands.h"
#include "events/user_record_codec.h"
#include "eventstore/event_store.h"

namespace ticketd {

class UserDirectory {
 public:
  explicit UserDirectory(EventStore& store) : store_(store) {}

  [[nodiscard]] Result<std::optional<UserRecord>> get(const std::string& sub);

  // Records `user` unless the directory already holds exactly this; `actor` is who
  // caused it (the user itself when first seen, or an admin registering ahead).
  [[nodiscard]] Result<void> record(const UserRecord& user, const Principal& actor, Timestamp now,
                                    const std::string& event_id);

 private:
  struct Entry {
    std::optional<UserRecord> user;
    std::uint64_t version = 0;
  };
  Result<Entry> load(const std::string& sub);

  EventStore& store_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;
};

}  // namespace ticketd
