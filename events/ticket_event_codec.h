// Ticket events <-> the JSON `data` of event records (schema 1). docs/events.md lists
// every type and field; analytics consumers and followers rely on these names.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "domain/ticket_events.h"
#include "events/field_cipher.h"

namespace ticketd {

inline constexpr std::uint32_t kTicketEventSchema = 1;

// Personal fields are sealed (events/field_cipher.h, scope = the event type): the
// ticket's texts, its resolution text and feedback under `requester` (the ticket's
// requester; a creation names its own), comment bodies under their author, file names
// under their uploader. Fails only when a field cannot be sealed (the key store's error).
[[nodiscard]] Result<std::string> encode_ticket_event(const TicketEvent& event, const std::string& requester,
                                                      FieldCipher& cipher);

// Parses `data` (with simdjson) as the event named `type`, opening sealed fields
// (FieldCipher::kErased for an erased subject). Errc::internal when the record does not
// match its schema (a corrupted or foreign log) or a sealed field was altered; the key
// store's error when it fails.
[[nodiscard]] Result<TicketEvent> decode_ticket_event(std::string_view type, std::string_view data,
                                                      const FieldCipher& cipher);

}  // namespace ticketd
