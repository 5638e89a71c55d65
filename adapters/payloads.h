// The systems' webhook bodies and REST answers, parsed (with simdjson) into ExternalTicket.
// Each parser reads the shapes in docs/integrations.md (from the real payloads the tests
// keep); a body that is not JSON, or lacks the ticket's key, is Errc::validation.
#pragma once

#include <simdjson.h>

#include <string_view>
#include <vector>

#include "adapters/external_ticket.h"
#include "base/error.h"

namespace ticketd {

// A webhook delivery's body.
[[nodiscard]] Result<ExternalTicket> parse_webhook(ExternalSystem system, std::string_view body);

// Jira: `jira:issue_created`, `jira:issue_updated` (changelog), `comment_created` /
// `comment_updated` (the comment and, in most deliveries, the issue). Descriptions and
// comment bodies may be text (REST v2) or an Atlassian document (v3): its text is taken.
[[nodiscard]] Result<ExternalTicket> parse_jira_webhook(std::string_view body);
// Zammad: the default trigger body {ticket, article}; `article.sender == "System"` is
// left out, the first article of a ticket is its description.
[[nodiscard]] Result<ExternalTicket> parse_zammad_webhook(std::string_view body);
// SMAX has no native webhook: {"id": "<Request Id>"} (thin), or an `ems` answer's entity.
[[nodiscard]] Result<ExternalTicket> parse_smax_webhook(std::string_view body);
// One entity of an `ems` answer ({entity_type, properties}): Id, DisplayLabel,
// Description, Status, PhaseId, Priority, CompletionCode, LastUpdateTime (epoch ms),
// RequestedByPerson, and the Comments property (a JSON string).
[[nodiscard]] Result<ExternalTicket> parse_smax_entity(simdjson::dom::element entity);

// One issue object ({key, fields}) as the REST API (GET issue, search pages) and webhooks
// carry it; one Zammad ticket object (GET tickets/{id}?expand=true, search pages).
[[nodiscard]] Result<ExternalTicket> parse_jira_issue(simdjson::dom::element issue);
[[nodiscard]] Result<ExternalTicket> parse_zammad_ticket(simdjson::dom::element ticket);

// Jira and Zammad time stamps ("2019-02-15T19:15:40.477-0800", "2020-11-13T14:34:35.282Z").
[[nodiscard]] std::optional<Timestamp> parse_external_time(std::string_view text);

}  // namespace ticketd
