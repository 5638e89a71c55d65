// Ticket state <-> snapshot bytes (JSON, parsed with simdjson). Snapshots are a cache
// outside the hash chain; a format change just makes old snapshots unreadable, and the
// loader then replays the stream from the start.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "domain/ticket.h"

namespace ticketd {

inline constexpr int kTicketSnapshotFormat = 1;

[[nodiscard]] std::string encode_ticket_snapshot(const Ticket& ticket);
[[nodiscard]] Result<Ticket> decode_ticket_snapshot(std::string_view bytes);

}  // namespace ticketd
