#include "domain/principal.h"

#include <array>
#include <utility>

#include "domain/access.h"

namespace ticketd {
namespace {

constexpr std::array<std::pair<Role, const char*>, 8> kRoles{{
    {Role::customer, "customer"},
    {Role::agent, "agent"},
    {Role::admin, "admin"},
    {Role::manager, "manager"},
    {Role::auditor, "auditor"},
    {Role::global_admin, "global_admin"},
    {Role::integration, "integration"},
    {Role::system, "system"},
}};

constexpr int kMaxTreeDepth = 64;  // guards lookups against a corrupted tree

}  // namespace

std::optional<Role> parse_role(std::string_view text) {
  for (const auto& [role, name] : kRoles) {
    if (text == name && role != Role::system) return role;  // "system" never comes from a token
  }
  return std::nullopt;
}

const char* role_name(Role role) {
  for (const auto& [r, name] : kRoles) {
    if (r == role) return name;
  }
  return "unknown";
}

bool is_staff(Role role) {
  return role == Role::agent || role == Role::admin || role == Role::global_admin || role == Role::system;
}

Principal system_principal(std::string tenant) {
  return Principal{"system", std::move(tenant), Role::system, "ticketd", ""};
}

Principal automation_principal(std::string tenant, std::string_view rule) {
  return Principal{"system:automation/" + std::string(rule), std::move(tenant), Role::system, "ticketd automation", ""};
}

void TenantTree::set_parent(const std::string& tenant, const std::string& parent) {
  if (parent.empty()) {
    parent_.erase(tenant);
  } else if (!would_cycle(tenant, parent)) {
    parent_[tenant] = parent;
  }
}

std::string TenantTree::parent_of(const std::string& tenant) const {
  auto it = parent_.find(tenant);
  return it == parent_.end() ? std::string() : it->second;
}

bool TenantTree::is_within(const std::string& tenant, const std::string& ancestor) const {
  std::string current = tenant;
  for (int depth = 0; depth < kMaxTreeDepth && !current.empty(); ++depth) {
    if (current == ancestor) return true;
    current = parent_of(current);
  }
  return false;
}

bool TenantTree::would_cycle(const std::string& tenant, const std::string& parent) const {
  return is_within(parent, tenant);
}

bool in_scope(const Principal& principal, const TenantTree& tree, const std::string& tenant) {
  if (access::sees_all_tenants(principal)) return true;
  return tree.is_within(tenant, principal.tenant);
}

}  // namespace ticketd
