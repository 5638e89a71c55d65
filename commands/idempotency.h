// Idempotency keys: what a key means, where its record lives, and how long.
//
// A key belongs to one principal and, in bulk requests, to one item of the request: its
// namespace is a SHA-256 of the length-prefixed (tenant, sub, key, item), so no two
// different tuples share a record or event ids, whatever separators they contain.
//
// Time is cut into windows of kRetention (24 h, from the epoch). A key's first use falls
// in one window; its record lives kRetention from that first use, under
// "idem/<window, 16 hex>/<namespace>" in the store's meta table, and every event the keyed
// command writes gets an id derived from (namespace, window, n) (keyed_event_id), a keyed
// create also its ticket id (keyed_ticket_id). Because a record is live for less than one
// window after the window it started in, a use after expiry always lands in a later
// window: new ids, a new request.
//
// The table is bounded: after each record it writes, remember() deletes up to
// IdempotencyLimits::purge_batch records, oldest window first: every expired one it meets,
// and live ones while the table holds more than max_records; the pass ends at the first
// live record within the bound, so a record is gone at the latest when its window is two
// windows old (under 48 h after its first use). purge_due() does the same with a larger
// batch, on the SLA scheduler's beat (CommandEngine::run_scheduler). A record deleted early (or lost in a crash after
// the append) leaves the log's event ids, which CommandHandler still recognises for the rest of the 24 h.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "base/error.h"
#include "base/timestamp.h"
#include "domain/principal.h"
#include "eventstore/event_store.h"

namespace ticketd {

struct IdempotencyLimits {
  std::size_t max_records = 1'000'000;  // records in the meta table (~200 bytes each)
  std::size_t purge_batch = 16;         // records examined per remember()
  std::size_t scheduled_batch = 4096;   // records examined per purge_due() (the scheduler's)
};

struct IdempotencyRecord {
  std::string fingerprint;  // SHA-256 of the request as the caller defines it
  std::string result;       // opaque: what the caller needs to answer again
  Timestamp first_use{};    // expires at first_use + kRetention; its window names the ids
};

// One key of one principal, encoded: `ns` is the namespace described above.
struct IdempotencyKey {
  std::string ns;
  [[nodiscard]] bool empty() const { return ns.empty(); }
};

class IdempotencyStore {
 public:
  static constexpr std::chrono::hours kRetention{24};
  static constexpr std::size_t kMaxKeyBytes = 200;

  explicit IdempotencyStore(EventStore& store, IdempotencyLimits limits = {}) : store_(store), limits_(limits) {}

  // The key of `who` (and `item`, "" outside bulk). Errc::validation for a key that is
  // empty or longer than kMaxKeyBytes.
  [[nodiscard]] static Result<IdempotencyKey> key_of(const Principal& who, const std::string& key,
                                                     const std::string& item);

  // The live record of `key` at `now`, if any.
  [[nodiscard]] Result<std::optional<IdempotencyRecord>> find(const IdempotencyKey& key, Timestamp now) const;
  // Stores `r` (in the window of r.first_use), then purges a batch.
  [[nodiscard]] Result<void> remember(const IdempotencyKey& key, const IdempotencyRecord& r, Timestamp now);
  // Deletes up to `batch` records as described above; returns how many it deleted.
  [[nodiscard]] Result<std::size_t> purge(Timestamp now, std::size_t batch);
  [[nodiscard]] Result<std::size_t> purge_due(Timestamp now) { return purge(now, limits_.scheduled_batch); }
  // Records the table holds (counted once from the store, then kept).
  [[nodiscard]] Result<std::size_t> size();

 private:
  Result<void> count_locked();

  EventStore& store_;
  const IdempotencyLimits limits_;
  std::mutex mu_;  // count_ and purging
  std::optional<std::size_t> count_;
};

// The window a time falls in: whole kRetention spans since the epoch.
[[nodiscard]] std::int64_t idempotency_window(Timestamp t);
// The id of the n-th event of the command keyed by `key` first used in `window`.
[[nodiscard]] std::string keyed_event_id(const IdempotencyKey& key, std::int64_t window, std::size_t n);
// The id of the ticket a keyed create makes (the fingerprint is part of it: another body
// under a lost record is another ticket, never a 409 on this one).
[[nodiscard]] std::string keyed_ticket_id(const IdempotencyKey& key, std::int64_t window,
                                          const std::string& fingerprint);

}  // namespace ticketd
