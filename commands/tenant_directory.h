// Tenants: their configuration (from `tenant.configured` events of stream
// "tenant:<id>") and the tenant tree for scope checks. A tenant without events has the
// defaults of docs/domain.md and no parent ("exists implicitly once a token names it").
// Thread-safe; configurations are cached after the first read.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/error.h"
#include "domain/principal.h"
#include "domain/tenant_config.h"
#include "eventstore/event_store.h"

namespace ticketd {

class TenantDirectory {
 public:
  explicit TenantDirectory(EventStore& store) : store_(store) {}

  [[nodiscard]] Result<TenantConfig> get(const std::string& tenant);

  // Whether `principal` may see things of `tenant` (walks the tree, loading parents).
  [[nodiscard]] Result<bool> covers(const Principal& principal, const std::string& tenant);

  // Appends a new configuration as `actor` (global_admin or admin of an ancestor:
  // checked by the caller). Errc::validation for a cycle in the tree or bad values.
  [[nodiscard]] Result<TenantConfig> put(TenantConfig config, const Principal& actor, Timestamp now,
                                         const std::string& event_id);

 private:
  struct Entry {
    TenantConfig config;
    std::uint64_t version = 0;
  };
  Result<Entry> load(const std::string& tenant);

  EventStore& store_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;
};

}  // namespace ticketd
