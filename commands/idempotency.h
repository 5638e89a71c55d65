// Idempotency keys: the first result of a request is stored with its key for 24 h; a
// repeat with the same request returns it and writes nothing; the same key with a
// different request is Errc::validation (HTTP 422). Records live in the store's meta
// table under "idem/<tenant>/<sub>/<key>", so keys of different principals never meet.
//
// A crash between the append and the record is harmless: event ids of a keyed command
// are derived from the key (derived_event_id), so the retried append is acknowledged
// by the store as a duplicate.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "base/error.h"
#include "base/timestamp.h"
#include "domain/principal.h"
#include "eventstore/event_store.h"

namespace ticketd {

struct IdempotencyRecord {
  std::string fingerprint;  // SHA-256 of the request as the caller defines it
  std::string result;       // opaque: what the caller needs to answer again
  Timestamp expires{};
};

class IdempotencyStore {
 public:
  static constexpr std::chrono::hours kRetention{24};
  static constexpr std::size_t kMaxKeyBytes = 200;

  explicit IdempotencyStore(EventStore& store) : store_(store) {}

  // The live record of `key`, if any. Errc::validation for an over-long key.
  [[nodiscard]] Result<std::optional<IdempotencyRecord>> find(const Principal& who, const std::string& key,
                                                              Timestamp now) const;
  [[nodiscard]] Result<void> remember(const Principal& who, const std::string& key, const IdempotencyRecord& r);

 private:
  EventStore& store_;
};

// A stable event id for the n-th event of the command keyed by `key` of `who`.
[[nodiscard]] std::string derived_event_id(const Principal& who, const std::string& key, std::size_t n);

}  // namespace ticketd
