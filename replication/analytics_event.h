// The values of topic `tickets.events`: one message per event of a ticket stream, as a
// CloudEvents 1.0 event in the Kafka protocol binding's binary mode (docs/events.md,
// "Analytics topic"; JSON Schema schemas/tickets.events.v1.json).
//
// Headers: ce_specversion "1.0", ce_id the log position (unique in one log; a republished
// event keeps it), ce_source "/ticketd/tenants/<tenant>", ce_type "ticketd.<event type>",
// ce_time the event's time (RFC 3339), ce_subject the ticket id, ce_dataschema
// kAnalyticsSchemaUri, content-type "application/json", and the extensions ce_tenant and
// ce_position. Key: the ticket id, so a ticket's events keep their order in one partition.
// Value: kAnalyticsSchemaVersion's JSON object (see the schema) whose `data` is the
// record's data as stored: personal fields stay sealed under their subject's key, so an
// erasure holds for every consumer too.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "eventstore/event.h"

namespace ticketd {

inline constexpr int kAnalyticsSchemaVersion = 1;
inline constexpr const char* kAnalyticsSchemaUri = "urn:ticketd:schema:tickets.events:1";

struct KafkaHeader {
  std::string name;
  std::string value;
};

struct KafkaMessage {
  std::string key;
  std::string value;
  std::vector<KafkaHeader> headers;
};

// The tickets.events message of `record` in `tenant`, or nullopt for a record of another
// stream (tenants, users, ticket numbers, erasures).
[[nodiscard]] std::optional<KafkaMessage> analytics_message(const EventRecord& record, const std::string& tenant);

// The same event in CloudEvents' structured JSON mode (media type kCloudEventsJson), the
// body of outgoing webhooks: every ce_ header as the attribute of its name without the
// prefix (tenant and position included), content-type as datacontenttype, and the message's
// value as `data`.
inline constexpr const char* kCloudEventsJson = "application/cloudevents+json";
[[nodiscard]] std::string structured_cloudevent(const KafkaMessage& message);

}  // namespace ticketd
