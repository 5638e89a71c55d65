// LogReplica: a follower's copy of its leader's log. It consumes kLogTopic and appends each
// record to the local log at the leader's position, after checking, in this order:
//   - position contiguity: a record at or below the local head is a duplicate (a
//     republished suffix) and is dropped when its hash equals the local record's; a
//     different hash, or a record past head + 1 (a gap), stops the replica;
//   - the chain: prev_hash equals the local head's hash, and hash = SHA-256(prev_hash ++
//     canonical bytes) (eventstore/record_codec.h);
//   - that appending the decoded record reproduces its bytes exactly.
// The append names the expected position and stream version, so nothing else can slip in
// between. A replica that stops keeps its error (error(), stats()) and never skips: an
// operator reads the position in the log line and in /readyz.
//
// Keys: before appending a record whose sealed fields name key ids the local key store
// does not know, it fetches them from the leader (FetchKeys) and adopts them, so the local
// key store is never behind the local log (a promoted follower opens everything). A key
// the leader no longer has (erased) is simply not adopted. A `privacy.erased` record
// destroys the subject's local keys before it is appended (FieldCipher::erase), then
// clears the subject's pending mark (the erasure is in the local log).
//
// After each append is durable, `applied(record)` runs (the engine drops cached state of
// the record's stream). Kafka positions: the next offset to read is kept in the log's meta
// table (kOffsetKey) with the position it follows; a replica starts there and, when the
// topic does not hold what it expects (an embedded cluster that started empty), once from
// the topic's beginning.
//
// Thread-safety: start/stop from one thread; stats() and error() from any.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/latency_histogram.h"
#include "base/subject_keys.h"
#include "events/field_cipher.h"
#include "eventstore/event_store.h"

namespace ticketd {

struct ReplicaOptions {
  std::size_t max_pending_appends = 1000;          // appends in flight before the replica waits for them
  std::chrono::milliseconds poll_wait{50};         // longest wait for a Kafka message
  std::chrono::milliseconds offset_every{200};     // how often the Kafka offset is stored
  std::chrono::milliseconds key_retry_pause{500};  // between attempts to reach the leader for keys
};

struct ReplicaStats {
  std::uint64_t position = 0;         // the local log's head
  std::uint64_t leader_position = 0;  // the highest position seen in the topic
  std::uint64_t lag_records = 0;      // records in the topic not yet read (high watermark - next offset)
  double lag_seconds = 0;             // now - the time of the newest record seen, while behind
  std::uint64_t duplicates = 0;       // republished records dropped
  std::uint64_t keys_adopted = 0;
  bool stopped = false;  // stopped on an error (see error())
  std::string error;
};

struct FetchedKey {
  std::string subject;
  SubjectKey key;
};

class LogReplica {
 public:
  static constexpr std::string_view kOffsetKey = "replication/follow/offset";
  // The leader's URL, kept in the meta table while the data directory is a follower's
  // (a leader started on it is a promotion: docs/replication.md).
  static constexpr std::string_view kLeaderKey = "replication/follow/leader";
  // The keys of `key_ids` the leader still has (missing ones are erased or unknown);
  // an error when the leader cannot be asked (the replica tries again).
  using FetchKeys = std::function<Result<std::vector<FetchedKey>>(const std::vector<std::string>& key_ids)>;
  using Applied = std::function<void(const EventRecord&)>;

  LogReplica(EventStore& store, FieldCipher& cipher, std::string bootstrap, FetchKeys fetch_keys, Applied applied,
             const Clock& clock, ReplicaOptions options = {});
  ~LogReplica();
  LogReplica(const LogReplica&) = delete;
  LogReplica& operator=(const LogReplica&) = delete;

  // Makes the consumer and starts the thread. Errc::unavailable when the consumer cannot be made.
  [[nodiscard]] Result<void> start();
  void stop();

  [[nodiscard]] ReplicaStats stats() const;
  [[nodiscard]] std::optional<Error> error() const;
  // For each record appended here: this machine's clock at the append's acknowledgement
  // minus the record's time (the leader's clock when the command was handled), so it holds
  // the leader's sync, the relay, Kafka and this follower; clock skew between the machines
  // adds to it.
  [[nodiscard]] const LatencyHistogram& apply_lag() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ticketd
