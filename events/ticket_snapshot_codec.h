// Ticket state <-> snapshot bytes (JSON, parsed with simdjson; the ticket's parts in the
// shape of ticket_json.h, shared with the event codec). Snapshots are a cache
// outside the hash chain; a format change just makes old snapshots unreadable, and the
// loader then replays the stream from the start. Personal fields are sealed like the
// events' (events/field_cipher.h, scope "snapshot"), so a snapshot holds no plaintext and
// shows kErased once its subject is erased.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "domain/ticket.h"
#include "events/field_cipher.h"

namespace ticketd {

// 2: comments, attachments and the resolution in the event codec's shape (ticket_json.h).
// 4: personal fields sealed.
inline constexpr int kTicketSnapshotFormat = 4;
inline constexpr std::string_view kSnapshotScope = "snapshot";

// Errc::unavailable (or the key store's error) when a field cannot be sealed.
[[nodiscard]] Result<std::string> encode_ticket_snapshot(const Ticket& ticket, FieldCipher& cipher,
                                                         Sealing sealing = Sealing::sealed);
[[nodiscard]] Result<Ticket> decode_ticket_snapshot(std::string_view bytes, const FieldCipher& cipher);

}  // namespace ticketd
