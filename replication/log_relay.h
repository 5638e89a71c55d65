// LogRelay: the leader's publisher. It follows the log (LogFollower) from its delivered
// checkpoint and publishes every record, in position order, to kLogTopic (partition 0,
// key = position, value = the stored bytes) and every ticket event to kTicketEventsTopic
// (analytics_event.h), with librdkafka's idempotent producer (acks=all,
// enable.idempotence=true, messages never expire: while Kafka is away they wait).
//
// Contract:
//   - The write path never waits for it: it only reads the log. Commands are acknowledged
//     while Kafka is down; the relay catches up when it returns.
//   - At most RelayOptions::max_in_flight records are produced and not yet delivered
//     (both topics); beyond that it stops reading the log (bounded memory).
//   - delivered() is the highest position P such that every record up to P was delivered
//     to both topics; it is stored in the log's meta table (kCheckpointKey) at most every
//     checkpoint_every and at stop, and a new relay resumes after it. Records between the
//     stored checkpoint and a crash are published again: consumers deduplicate by position
//     (ticketd.log's key, tickets.events' ce_id).
//   - A delivery that fails for good (not retriable) makes the relay purge what is in
//     flight and start again from delivered() with a new producer, after a pause.
//
// Thread-safety: start/stop from one thread; stats() from any.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/error.h"
#include "eventstore/event_store.h"

namespace ticketd {

struct RelayOptions {
  std::size_t max_in_flight = 10000;                // records produced, not yet delivered
  std::size_t batch_events = 500;                   // records read from the log at once
  std::chrono::milliseconds checkpoint_every{200};  // how often delivered() is stored
  std::chrono::milliseconds retry_pause{1000};      // after a failed delivery, before starting again
};

struct RelayStats {
  std::uint64_t head = 0;       // the log's durable head
  std::uint64_t produced = 0;   // the last position handed to the producer
  std::uint64_t delivered = 0;  // see the contract
  std::uint64_t restarts = 0;   // producers replaced after a failed delivery
  double lag_seconds = 0;       // age of the oldest record not yet delivered (0 when none)
  std::string last_error;       // the last delivery error (librdkafka's text), if any
};

class LogRelay {
 public:
  static constexpr std::string_view kCheckpointKey = "replication/relay/delivered";
  // The tenant of a record ("" for none), for the analytics envelope.
  using TenantOf = std::function<std::string(const EventRecord&)>;

  LogRelay(EventStore& store, std::string bootstrap, TenantOf tenant_of, const Clock& clock, RelayOptions options = {});
  ~LogRelay();  // stops
  LogRelay(const LogRelay&) = delete;
  LogRelay& operator=(const LogRelay&) = delete;

  // Reads the checkpoint and starts the relay's thread. Errc::unavailable when the
  // producer cannot be made (a bad bootstrap list) or the checkpoint cannot be read.
  [[nodiscard]] Result<void> start();
  // Waits up to `flush` for what is in flight, stores the checkpoint, joins.
  void stop(std::chrono::milliseconds flush = std::chrono::milliseconds(2000));

  [[nodiscard]] RelayStats stats() const;

  // Sets the stored checkpoint of a data directory whose relay is not running (a promoted
  // follower: see docs/replication.md).
  [[nodiscard]] static Result<void> store_checkpoint(EventStore& store, std::uint64_t position);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ticketd
