// Reading tickets from the systems' REST APIs (docs/integrations.md, "Fetch and pull"):
// one ticket, for deliveries too thin to map (SMAX's {"id"}), and the pages of tickets
// changed since a time, for the pull.
//   jira    GET /rest/api/2/issue/{key}; GET /rest/api/3/search/jql?jql=project = P AND
//           updated >= "yyyy-MM-dd HH:mm" ORDER BY updated ASC&fields=*all&maxResults=100
//           [&nextPageToken=] (the last page has no nextPageToken)
//   zammad  GET /api/v1/tickets/{id}?expand=true; GET /api/v1/tickets/search?query=
//           updated_at:>=<RFC 3339>&sort_by=updated_at&order_by=asc&expand=true&page=N&
//           per_page=100 (a short page is the last)
//   smax    GET /rest/{tenant}/ems/Request/{id}?layout=FULL_LAYOUT; GET /rest/{tenant}/ems/
//           Request?layout=FULL_LAYOUT&filter=LastUpdateTime>{epoch ms}&size=100&skip=N&
//           meta=totalCount (on while skip + size < total_count)
// Errors: Errc::unavailable for what is worth retrying (429, 5xx, transport), validation
// for other answers (a 404: no such ticket).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "adapters/external_ticket.h"
#include "http/integrations_port.h"
#include "http/rest_client.h"

namespace ticketd {

[[nodiscard]] Result<ExternalTicket> fetch_ticket(ExternalSystem system, const http::ConnectionSettings& c,
                                                  const std::string& key, const RestClient& client);

struct ChangedPage {
  std::vector<ExternalTicket> tickets;
  std::optional<std::string> next;  // the cursor of the next page; nullopt: this was the last
};

inline constexpr int kPullPageSize = 100;

// `cursor` is "" for the first page, then the last page's `next`.
[[nodiscard]] Result<ChangedPage> fetch_changed(ExternalSystem system, const http::ConnectionSettings& c,
                                                Timestamp since, const std::string& cursor, const RestClient& client);

}  // namespace ticketd
