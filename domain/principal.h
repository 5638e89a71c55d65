// Who is acting, and which tenants they may see.
//
// A Principal comes from a verified bearer token (http/) or is the system itself
// (scheduler). Scope: a principal sees its own tenant and every tenant below it in
// the tenant tree; global_admin sees every tenant. Anything outside the scope is
// answered exactly as if it did not exist (Errc::not_found).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ticketd {

enum class Role { customer, agent, admin, manager, auditor, global_admin, integration, system };

[[nodiscard]] std::optional<Role> parse_role(std::string_view text);
[[nodiscard]] const char* role_name(Role role);

// Agents, admins, global admins and the system: their comments are staff replies (a public
// one meets the first-response clock). Who may see or do what is domain/access.h.
[[nodiscard]] bool is_staff(Role role);

struct Principal {
  std::string sub;
  std::string tenant;
  Role role = Role::customer;
  std::string name;
  std::string email;
};

// The system principal the scheduler acts as.
[[nodiscard]] Principal system_principal(std::string tenant);
// The system principal an automation rule acts as: sub "system:automation/<rule>", so the
// log names the rule behind each change (docs/automations.md).
[[nodiscard]] Principal automation_principal(std::string tenant, std::string_view rule);

// The tenant tree: each tenant names its parent ("" for a root). Unknown tenants are
// roots. Pure value; the commands layer keeps it current from tenant events.
class TenantTree {
 public:
  void set_parent(const std::string& tenant, const std::string& parent);
  [[nodiscard]] std::string parent_of(const std::string& tenant) const;
  // True when `ancestor` is `tenant` or above it. Cycles are refused by set_parent.
  [[nodiscard]] bool is_within(const std::string& tenant, const std::string& ancestor) const;
  // True when setting this parent would make a cycle.
  [[nodiscard]] bool would_cycle(const std::string& tenant, const std::string& parent) const;

 private:
  std::unordered_map<std::string, std::string> parent_;
};

// Whether `principal` may see things of `tenant`.
[[nodiscard]] bool in_scope(const Principal& principal, const TenantTree& tree, const std::string& tenant);

}  // namespace ticketd
