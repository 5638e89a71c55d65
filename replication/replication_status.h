// What /readyz and /metrics show of a relay (a leader) or a replica (a follower): the
// http::ReplicationView of each.
#pragma once

#include "http/replication_view.h"
#include "replication/log_relay.h"
#include "replication/log_replica.h"

namespace ticketd {

class RelayStatus final : public http::ReplicationView {
 public:
  explicit RelayStatus(const LogRelay& relay) : relay_(relay) {}
  [[nodiscard]] http::ReplicationState state() const override;
  void render_metrics(std::string& out) const override;

 private:
  const LogRelay& relay_;
};

class ReplicaStatus final : public http::ReplicationView {
 public:
  explicit ReplicaStatus(const LogReplica& replica) : replica_(replica) {}
  [[nodiscard]] http::ReplicationState state() const override;
  void render_metrics(std::string& out) const override;

 private:
  const LogReplica& replica_;
};

}  // namespace ticketd
