// A connection's stored form in the IntegrationStore: JSON with every secret (api_token,
// pat, token, password, webhook_secret) sealed under the subject
// "integration:<tenant>/<system>" (events/field_cipher.h), so the store's files hold no
// secret in clear.
#pragma once

#include <string>

#include "base/error.h"
#include "events/field_cipher.h"
#include "http/integrations_port.h"

namespace ticketd {

[[nodiscard]] Result<std::string> seal_connection(const http::ConnectionSettings& c, const std::string& tenant,
                                                  const std::string& system, FieldCipher& cipher);
[[nodiscard]] Result<http::ConnectionSettings> open_connection(std::string_view stored, const FieldCipher& cipher);

}  // namespace ticketd
