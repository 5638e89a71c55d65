#include "replication/replication_status.h"

#include <fmt/format.h>

namespace ticketd {

namespace {

void series(std::string& out, const char* name, const char* type, const char* help, auto value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
}

}  // namespace

http::ReplicationState RelayStatus::state() const {
  const RelayStats s = relay_.stats();
  return {false, false, s.head - std::min(s.head, s.delivered), s.lag_seconds, s.last_error};
}

void RelayStatus::render_metrics(std::string& out) const {
  const RelayStats s = relay_.stats();
  series(out, "ticketd_relay_delivered_position", "gauge",
         "The last position delivered to Kafka with every position before it.", s.delivered);
  series(out, "ticketd_relay_lag_positions", "gauge", "Durable positions not yet delivered to Kafka.",
         s.head - std::min(s.head, s.delivered));
  series(out, "ticketd_relay_lag_seconds", "gauge", "Age of the oldest record not yet delivered to Kafka.",
         s.lag_seconds);
  series(out, "ticketd_relay_restarts_total", "counter", "Producers replaced after a failed delivery.", s.restarts);
}

http::ReplicationState ReplicaStatus::state() const {
  const ReplicaStats s = replica_.stats();
  return {true, s.stopped, s.lag_records, s.lag_seconds, s.error};
}

void ReplicaStatus::render_metrics(std::string& out) const {
  const ReplicaStats s = replica_.stats();
  series(out, "ticketd_replica_position", "gauge", "The follower's log head.", s.position);
  series(out, "ticketd_replica_leader_position", "gauge", "The highest position seen in ticketd.log.",
         s.leader_position);
  series(out, "ticketd_replica_lag_records", "gauge", "Records in ticketd.log not yet read.", s.lag_records);
  series(out, "ticketd_replica_lag_seconds", "gauge", "How old the follower's newest record is while it is behind.",
         s.lag_seconds);
  replica_.apply_lag().render(out, "ticketd_replica_apply_lag_seconds",
                              "Per record, from the leader handling the command to this follower's log holding it.");
  series(out, "ticketd_replica_duplicates_total", "counter", "Republished records dropped.", s.duplicates);
  series(out, "ticketd_replica_stopped", "gauge", "1 when replication stopped on an error (see /readyz).",
         s.stopped ? 1 : 0);
}

}  // namespace ticketd
