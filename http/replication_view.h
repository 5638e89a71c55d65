// What the HTTP API shows of replication (replication/ implements it; http/ does not
// depend on replication/): the role, lag and failure for /readyz, and its series for
// /metrics. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace ticketd::http {

struct ReplicationState {
  bool follower = false;  // a read-only follower (else a leader with a relay)
  bool failed = false;    // replication stopped on an error (a follower) — not ready
  std::uint64_t lag_records = 0;
  double lag_seconds = 0;
  std::string error;  // why it stopped
};

class ReplicationView {
 public:
  virtual ~ReplicationView() = default;
  [[nodiscard]] virtual ReplicationState state() const = 0;
  // Prometheus text lines (HELP, TYPE and samples) appended to /metrics.
  virtual void render_metrics(std::string& out) const = 0;
};

}  // namespace ticketd::http
