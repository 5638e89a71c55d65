// The JSON shape of a ticket's parts, written and read in one place for both the event
// codec (ticket_event_codec) and the snapshot codec (ticket_snapshot_codec), so each
// field has one name and one decoder:
//   core fields   "id", "number", "tenant", "subject", "description", "type", "category",
//                 "priority", "queue", "requester", "tags"
//   a comment     "comment_id", "author", "author_role", "body", "visibility",
//                 "is_staff_reply", "attachments", "mentions"
//   an attachment "attachment_id", "file_name", "content_type", "size", "sha256",
//                 "uploader", "visibility", "scan_verdict"
//   a resolution  "resolution": {"code", "text"}
// Writers add keys to the object being written; readers clear JsonFields::ok on a missing
// or mistyped field (see base/json_fields.h).
//
// Personal fields are sealed (events/field_cipher.h): "subject", "description" and the
// resolution's "text" under the ticket's requester, a comment's "body" under its author, an
// attachment's "file_name" under its uploader. The sealer and opener carry the scope of the
// additional data (the event type, or "snapshot").
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "base/json_fields.h"
#include "base/json_writer.h"
#include "domain/ticket.h"
#include "domain/ticket_events.h"
#include "events/field_cipher.h"

namespace ticketd::ticket_json {

// The fields a ticket and its creation event share (Ticket or TicketCreated).
template <class T>
void write_core(JsonWriter& w, const T& t, FieldSealer& seal);
template <class T>
void read_core(JsonFields& in, T& t, FieldOpener& open);

void write_strings(JsonWriter& w, std::string_view key, const std::vector<std::string>& values);

void write_comment(JsonWriter& w, const Comment& c, FieldSealer& seal);  // without "at" (the event's time)
[[nodiscard]] Comment read_comment(JsonFields& in, FieldOpener& open);

void write_attachment(JsonWriter& w, const AttachmentMeta& a, FieldSealer& seal);
[[nodiscard]] AttachmentMeta read_attachment(JsonFields& in, FieldOpener& open);

// Nothing when absent; the text is sealed under `requester`.
void write_resolution(JsonWriter& w, const std::optional<Resolution>& r, const std::string& requester,
                      FieldSealer& seal);
[[nodiscard]] std::optional<Resolution> read_resolution(JsonFields& in, FieldOpener& open);

}  // namespace ticketd::ticket_json
