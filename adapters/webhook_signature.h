// The signature checks of inbound webhooks, over the raw body before any parsing, in
// constant time (docs/integrations.md, "Signatures"):
//   jira    X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>
//   zammad  X-Hub-Signature: sha1=<hex HMAC-SHA1(secret, body)>
//   smax    X-Webhook-Secret: <the shared secret>
// Jira and Zammad headers are accepted with either prefix. An empty secret accepts nothing.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/external_ticket.h"

namespace ticketd {

using HeaderList = std::vector<std::pair<std::string, std::string>>;  // names lowercase

[[nodiscard]] bool signature_valid(ExternalSystem system, std::string_view secret, const HeaderList& headers,
                                   std::string_view body);

// The delivery id that stays the same across a system's retries (X-Zammad-Delivery,
// X-Atlassian-Webhook-Identifier), or "sha256:<hex of the body>" when there is none.
[[nodiscard]] std::string delivery_id(const HeaderList& headers, std::string_view body);

}  // namespace ticketd
