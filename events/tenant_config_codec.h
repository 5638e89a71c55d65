// A tenant's configuration <-> the JSON data of `tenant.configured` events (and the body
// of PUT /tenants/{id}). Decoding validates: Errc::validation with one FieldError per
// bad field; fields that are absent keep the defaults of TenantConfig. Macros and ticket
// templates are checked against TenantConfigLimits and against the categories and queues
// of the same configuration; their objects take no unknown members.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "domain/tenant_config.h"

namespace ticketd {

inline constexpr const char* kTenantConfigured = "tenant.configured";

[[nodiscard]] std::string encode_tenant_config(const TenantConfig& config);
[[nodiscard]] Result<TenantConfig> decode_tenant_config(std::string_view id, std::string_view json);

// The `escalations` setting alone (a JSON array), as PUT /automations/escalations sends it:
// validated against `config`'s queues; Errc::validation with field errors.
[[nodiscard]] std::string encode_escalation_rules(const std::vector<EscalationRule>& rules);
[[nodiscard]] Result<std::vector<EscalationRule>> decode_escalation_rules(std::string_view json,
                                                                          const TenantConfig& config);

// The JSON arrays of macros and templates, as the settings hold them (GET /macros, /templates).
[[nodiscard]] std::string encode_macros(const std::vector<Macro>& macros);
[[nodiscard]] std::string encode_templates(const std::vector<TicketTemplate>& templates);
// The `macros` / `templates` member of the object `json` (PUT /macros, /templates),
// validated as decode_tenant_config does; templates against `vocabulary`'s categories
// and queues.
[[nodiscard]] Result<std::vector<Macro>> decode_macros(std::string_view json);
[[nodiscard]] Result<std::vector<TicketTemplate>> decode_templates(std::string_view json,
                                                                   const TenantConfig& vocabulary);

}  // namespace ticketd
