// How ticketd authenticates to each system's REST API (docs/integrations.md): Jira Basic
// email:api_token or Bearer PAT; Zammad `Token token=`; SMAX a login call whose plain-text
// answer is sent as the LWSSO_COOKIE_KEY cookie.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "adapters/external_ticket.h"
#include "http/integrations_port.h"
#include "http/rest_client.h"

namespace ticketd {

using RestHeaders = std::vector<std::pair<std::string, std::string>>;

// The headers of an authenticated call; SMAX logs in first (its errors as RestClient's, or
// Errc::forbidden when the login is refused).
[[nodiscard]] Result<RestHeaders> auth_headers(ExternalSystem system, const http::ConnectionSettings& c,
                                               const RestClient& client);

// The connection's base URL without trailing slashes.
[[nodiscard]] std::string base_of(const http::ConnectionSettings& c);

}  // namespace ticketd
