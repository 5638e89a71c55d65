// Ticket state <-> snapshot bytes (JSON, parsed with simdjson; the ticket's parts in the
// shape of ticket_json.h, shared with the event codec). Snapshots are a cache
// outside the hash chain; a format change just makes old snapshots unreadable, and the
// loader then replays the stream from the start.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "domain/ticket.h"

namespace ticketd {

// 2: comments, attachments and the resolution in the event codec's shape (ticket_json.h).
inline constexpr int kTicketSnapshotFormat = 3;

[[nodiscard]] std::string encode_ticket_snapshot(const Ticket& ticket);
[[nodiscard]] Result<Ticket> decode_ticket_snapshot(std::string_view bytes);

}  // namespace ticketd
