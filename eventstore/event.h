// The event record of the log and the values an append takes and returns.
// See docs/event-log.md for the stored form and the bytes the hash chain covers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/timestamp.h"

namespace ticketd {

// Who caused an event (from the verified token, or "system" for the scheduler).
struct Actor {
  std::string sub;
  std::string role;
  std::string tenant;
  friend bool operator==(const Actor&, const Actor&) = default;
};

// An event as a writer proposes it. The store assigns position, version and hashes.
struct NewEvent {
  std::string event_id;  // UUID (or deterministic id); unique within its stream
  std::string type;      // e.g. "ticket.created"
  std::uint32_t schema = 1;
  Timestamp time{};
  Actor actor;
  std::string correlation_id;
  std::string causation_id;
  std::string data = "{}";  // a JSON object; stored minified
};

// An event as stored: immutable once appended.
struct EventRecord {
  std::uint64_t position = 0;  // global, contiguous from 1
  std::string stream;
  std::uint64_t version = 0;  // within the stream, contiguous from 1
  std::string event_id;
  std::string type;
  std::uint32_t schema = 1;
  Timestamp time{};
  Actor actor;
  std::string correlation_id;
  std::string causation_id;
  std::string data;       // minified JSON object
  std::string prev_hash;  // 64 lowercase hex digits; all zeros before position 1
  std::string hash;       // 64 lowercase hex digits
  friend bool operator==(const EventRecord&, const EventRecord&) = default;
};

// The expected version of a stream for an append.
class ExpectedVersion {
 public:
  enum class Kind { any, no_stream, exists, exact };
  static ExpectedVersion any() { return ExpectedVersion(Kind::any, 0); }
  static ExpectedVersion no_stream() { return ExpectedVersion(Kind::no_stream, 0); }
  static ExpectedVersion exists() { return ExpectedVersion(Kind::exists, 0); }
  static ExpectedVersion exact(std::uint64_t v) { return ExpectedVersion(Kind::exact, v); }

  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] std::uint64_t version() const { return version_; }
  // True when a stream currently at `current` (0 = no stream) satisfies this expectation.
  [[nodiscard]] bool admits(std::uint64_t current) const;

 private:
  ExpectedVersion(Kind k, std::uint64_t v) : kind_(k), version_(v) {}
  Kind kind_;
  std::uint64_t version_;
};

// What a successful append reports.
struct AppendOk {
  std::uint64_t first_position = 0;  // of the first event of this append
  std::uint64_t last_position = 0;
  std::uint64_t stream_version = 0;  // version of the stream's last event of this append
  bool duplicate = false;            // all event ids were already stored: nothing written
};

struct AppendRequest {
  std::string stream;
  ExpectedVersion expected = ExpectedVersion::any();
  std::vector<NewEvent> events;
  // When not 0, the position the first event must get: a follower copying the leader's
  // log (replication/) appends each record at the leader's position or not at all.
  std::uint64_t expected_position = 0;
};

// The head of the log: the last durable position and its hash.
struct LogHead {
  std::uint64_t position = 0;
  std::string hash;  // 64 hex zeros for an empty log
};

}  // namespace ticketd
