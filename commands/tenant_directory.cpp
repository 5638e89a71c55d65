#include "commands/tenant_directory.h"

#include "commands/new_event.h"
#include "domain/access.h"
#include "events/streams.h"
#include "events/tenant_config_codec.h"

namespace ticketd {

inline constexpr int kMaxTenantDepth = 64;

namespace {

std::size_t config_bytes(const TenantConfig& c) {
  std::size_t n = sizeof(c) + c.id.size() + c.name.size() + c.parent.size() + approx_bytes(c.categories) +
                  approx_bytes(c.queues) + c.sla.size() * (sizeof(Priority) + sizeof(SlaTarget) + 32) +
                  c.calendar.time_zone.size() + c.calendar.holidays.size() * sizeof(std::chrono::sys_days);
  for (const auto& day : c.calendar.weekly) n += day.size() * sizeof(BusinessCalendar::Span);
  return n;
}

}  // namespace

Result<TenantDirectory::Entry> TenantDirectory::load(const std::string& tenant) {
  if (auto hit = cache_.find(tenant)) return *std::move(hit);
  const auto stamp = cache_.stamp();
  Entry entry;
  entry.config.id = tenant;
  const std::string stream = streams::tenant(tenant);
  for (std::uint64_t from = 1;;) {
    auto page = store_.read_stream(stream, from, 256);
    if (!page) return std::unexpected(page.error());
    for (const auto& r : *page) {
      if (r.type != kTenantConfigured) continue;
      auto config = decode_tenant_config(tenant, r.data);
      if (!config) return make_error(Errc::internal, "tenant " + tenant + " has an unreadable configuration");
      entry.config = std::move(*config);
      entry.version = r.version;
    }
    if (page->size() < 256) break;
    from = page->back().version + 1;
  }
  if (entry.version > 0) cache_.insert_unless_invalidated(tenant, entry, config_bytes(entry.config), stamp);
  return entry;
}

Result<TenantConfig> TenantDirectory::get(const std::string& tenant) {
  auto e = load(tenant);
  if (!e) return std::unexpected(e.error());
  return e->config;
}

Result<bool> TenantDirectory::covers(const Principal& principal, const std::string& tenant) {
  if (access::sees_all_tenants(principal)) return true;
  std::string current = tenant;
  for (int depth = 0; depth < kMaxTenantDepth && !current.empty(); ++depth) {
    if (current == principal.tenant) return true;
    auto e = load(current);
    if (!e) return std::unexpected(e.error());
    current = e->config.parent;
  }
  return false;
}

Result<TenantConfig> TenantDirectory::put(TenantConfig config, const Principal& actor, Timestamp now,
                                          const std::string& event_id) {
  // The new parent must not have this tenant among its ancestors.
  std::string current = config.parent;
  for (int depth = 0; depth < kMaxTenantDepth && !current.empty(); ++depth) {
    if (current == config.id) {
      Error e{Errc::validation,
              "parent would make a cycle in the tenant tree",
              {{"parent", "makes a cycle"}},
              std::nullopt,
              {},
              {}};
      return std::unexpected(std::move(e));
    }
    auto parent = load(current);
    if (!parent) return std::unexpected(parent.error());
    current = parent->config.parent;
  }
  auto existing = load(config.id);
  if (!existing) return std::unexpected(existing.error());
  NewEvent e = event_by(actor, event_id, kTenantConfigured, now, encode_tenant_config(config));
  auto appended = store_.append(streams::tenant(config.id), ExpectedVersion::exact(existing->version), {e});
  cache_.invalidate(config.id);
  if (!appended) return std::unexpected(appended.error());
  return config;
}

}  // namespace ticketd
