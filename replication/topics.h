// The Kafka topics ticketd writes (docs/replication.md).
#pragma once

namespace ticketd {

// Every record of the log, byte for byte, in position order: one partition, key = the
// position in decimal. Followers rebuild their log from it.
inline constexpr const char* kLogTopic = "ticketd.log";
// Ticket events for analytics (replication/analytics_event.h), key = ticket id.
inline constexpr const char* kTicketEventsTopic = "tickets.events";
// Partitions the embedded cluster gives tickets.events (a real cluster's operator chooses).
inline constexpr int kTicketEventsPartitions = 6;

}  // namespace ticketd
