// The user directory: every principal is recorded when first seen (and again when its
// claims change); admins may register users ahead. Stream "user:<sub>", events
// `user.recorded` {sub, tenant, role, name, email}. Thread-safe.
//
// Known users are cached (LRU, at most `cache_bytes`); a name the log does not know is
// never cached, so lookups of arbitrary strings (mentions, directory requests) cost a read
// each and leave nothing behind. A record invalidates the cache after its append, and a
// lookup that read the log before that append does not cache what it read.
#pragma once

#include <optional>
#include <string>

#include "base/error.h"
#include "commands/bounded_cache.h"
#include "domain/principal.h"
#include "domain/ticket_commands.h"
#include "events/user_record_codec.h"
#include "eventstore/event_store.h"

namespace ticketd {

class UserDirectory {
 public:
  static constexpr std::size_t kDefaultCacheBytes = 16u << 20;

  UserDirectory(EventStore& store, FieldCipher& cipher, std::size_t cache_bytes = kDefaultCacheBytes)
      : store_(store), cipher_(cipher), cache_(cache_bytes) {}

  [[nodiscard]] Result<std::optional<UserRecord>> get(const std::string& sub);

  // Records `user` unless the directory already holds exactly this; `actor` is who
  // caused it (the user itself when first seen, or an admin registering ahead).
  [[nodiscard]] Result<void> record(const UserRecord& user, const Principal& actor, Timestamp now,
                                    const std::string& event_id);

  // Empties the cache (after an erasure: it holds names and e-mail addresses).
  void forget_all() { cache_.clear(); }
  // Drops `sub` (its stream grew outside this directory: a follower's replication).
  void invalidate(const std::string& sub) { cache_.invalidate(sub); }

  // What the cache holds (entries, estimated bytes), for tests and metrics.
  [[nodiscard]] std::size_t cached_users() const { return cache_.size(); }
  [[nodiscard]] std::size_t cached_bytes() const { return cache_.held_bytes(); }

 private:
  struct Entry {
    std::optional<UserRecord> user;
    std::uint64_t version = 0;
  };
  Result<Entry> load(const std::string& sub);

  EventStore& store_;
  FieldCipher& cipher_;
  BoundedCache<Entry> cache_;
};

}  // namespace ticketd
