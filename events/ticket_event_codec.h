// Ticket events <-> the JSON `data` of event records (schema 1). docs/events.md lists
// every type and field; analytics consumers and followers rely on these names.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "domain/ticket_events.h"

namespace ticketd {

inline constexpr std::uint32_t kTicketEventSchema = 1;

[[nodiscard]] std::string encode_ticket_event(const TicketEvent& event);

// Parses `data` (with simdjson) as the event named `type`. Errc::internal when the
// record does not match its schema (a corrupted or foreign log).
[[nodiscard]] Result<TicketEvent> decode_ticket_event(std::string_view type, std::string_view data);

}  // namespace ticketd
