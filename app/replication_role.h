// What ticketd runs of replication (docs/replication.md), from --kafka, --follow and
// --replication-secret: nothing (--kafka off), a leader's relay to the embedded cluster or
// to a real one, or a follower's replica of a leader's log.
//
// The embedded cluster keeps its topics in memory and starts empty, so a leader on it
// publishes the whole log again at every start; with a real cluster the relay resumes
// after its stored checkpoint.
//
// A leader started on a follower's data directory is a promotion: it prints the head it
// continues from, and its relay starts RelayOptions::max_in_flight positions before the
// head (what the old leader may not have delivered to tickets.events is published again).
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/error.h"
#include "commands/command_engine.h"
#include "events/field_cipher.h"
#include "eventstore/event_store.h"
#include "http/replication_view.h"

namespace ticketd::app {

struct ReplicationSettings {
  std::string kafka = "embedded";  // off | embedded | HOST:PORT,...
  std::string follow;              // the leader's URL: run as its follower
  std::string secret;              // --replication-secret
  std::string data_dir;
};

class ReplicationRole {
 public:
  // The flags' own checks, before anything opens (a message for exit 2).
  [[nodiscard]] static Result<void> check(const ReplicationSettings& settings);
  // Starts what the settings ask for; prints "kafka bootstrap ..." for the embedded
  // cluster and writes <data-dir>/kafka.bootstrap.
  [[nodiscard]] static Result<std::unique_ptr<ReplicationRole>> start(const ReplicationSettings& settings,
                                                                      EventStore& store, FieldCipher& cipher,
                                                                      CommandEngine& engine, const Clock& clock);
  ~ReplicationRole();

  [[nodiscard]] bool follower() const;
  // For /readyz and /metrics; nullptr with --kafka off.
  [[nodiscard]] const http::ReplicationView* view() const;
  // Stops the relay (flushing what is in flight) or the replica.
  void stop();

  struct Parts;

 private:
  explicit ReplicationRole(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace ticketd::app
