// A tenant's configuration <-> the JSON data of `tenant.configured` events (and the body
// of PUT /tenants/{id}). Decoding validates: Errc::validation with one FieldError per
// bad field; fields that are absent keep the defaults of TenantConfig.
#pragma once

#include <string>
#include <string_view>

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

}  // namespace ticketd
