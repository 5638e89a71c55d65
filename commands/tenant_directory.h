// Tenants: their configuration (from `tenant.configured` events of stream
// "tenant:<id>") and the tenant tree for scope checks. A tenant without events has the
// defaults of docs/domain.md and no parent ("exists implicitly once a token names it").
// Thread-safe.
//
// Configured tenants are cached (LRU, at most `cache_bytes`); a tenant without events is
// never cached, so lookups of arbitrary names (a `PUT /users` tenant, a parent) cost a read
// each and leave nothing behind. put() invalidates the cache after its append, and a
// lookup that read the log before that append does not cache what it read (no stale
// parent or SLA configuration stays behind).
#pragma once

#include <string>

#include "base/error.h"
#include "commands/bounded_cache.h"
#include "domain/principal.h"
#include "domain/tenant_config.h"
#include "eventstore/event_store.h"

namespace ticketd {

class TenantDirectory {
 public:
  static constexpr std::size_t kDefaultCacheBytes = 4u << 20;

  explicit TenantDirectory(EventStore& store, std::size_t cache_bytes = kDefaultCacheBytes)
      : store_(store), cache_(cache_bytes) {}

  [[nodiscard]] Result<TenantConfig> get(const std::string& tenant);
  // Drops `tenant` (its stream grew outside this directory: a follower's replication).
  void invalidate(const std::string& tenant) { cache_.invalidate(tenant); }

  // Whether `principal` may see things of `tenant` (walks the tree, loading parents).
  [[nodiscard]] Result<bool> covers(const Principal& principal, const std::string& tenant);

  // Appends a new configuration as `actor` (global_admin or admin of an ancestor:
  // checked by the caller). Errc::validation for a cycle in the tree or bad values.
  [[nodiscard]] Result<TenantConfig> put(TenantConfig config, const Principal& actor, Timestamp now,
                                         const std::string& event_id);

  // What the cache holds (entries, estimated bytes), for tests and metrics.
  [[nodiscard]] std::size_t cached_tenants() const { return cache_.size(); }
  [[nodiscard]] std::size_t cached_bytes() const { return cache_.held_bytes(); }

 private:
  struct Entry {
    TenantConfig config;
    std::uint64_t version = 0;
  };
  Result<Entry> load(const std::string& tenant);

  EventStore& store_;
  BoundedCache<Entry> cache_;
};

}  // namespace ticketd
