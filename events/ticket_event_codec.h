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

// What followers that track assignment and status read of ticket.assigned and
// ticket.status_changed, without opening any sealed field (a resolution's text): the
// assignee after the change (nullopt: unassigned), the status after it and its reason.
struct TicketChangeFacts {
  std::optional<std::string> assignee_after;
  Status status_to = Status::new_;
  std::string reason;
};
// Errc::internal when `data` does not match the schema of `type` (one of the two).
[[nodiscard]] Result<TicketChangeFacts> peek_ticket_change(std::string_view type, std::string_view data);

}  // namespace ticketd
