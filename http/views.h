// JSON views of tickets, comments, attachments, events and directory entries, as the
// API returns them. Views never include what the caller may not see: customers get no
// internal comments or attachments, no internal counts and no external references.
#pragma once

#include <string>
#include <vector>

#include "base/json_writer.h"
#include "domain/access.h"
#include "domain/principal.h"
#include "domain/sla.h"
#include "domain/tenant_config.h"
#include "domain/ticket.h"
#include "events/user_record_codec.h"
#include "eventstore/event.h"
#include "projections/ticket_queries.h"

namespace ticketd::http {

// Everything a ticket view needs besides the ticket.
struct ViewContext {
  const Principal& who;
  const TenantConfig& config;
  const TimeZoneRules& tz;
  Timestamp now;
};

void write_ticket(JsonWriter& w, const Ticket& t, const ViewContext& ctx);
void write_ticket_row(JsonWriter& w, const TicketRow& row);
void write_page(JsonWriter& w, const TicketPage& page);
void write_comment(JsonWriter& w, const Comment& c);
void write_attachment(JsonWriter& w, const AttachmentMeta& a);
void write_event(JsonWriter& w, const EventRecord& e);
void write_user(JsonWriter& w, const UserRecord& u);

// `"<version>"`
[[nodiscard]] std::string etag(std::uint64_t version);

}  // namespace ticketd::http
