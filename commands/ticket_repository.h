// Loads ticket aggregates from the log: snapshot plus the events after it, with an LRU
// cache of hot tickets bounded in bytes (`cache_bytes`, each ticket weighed by
// approx_ticket_bytes; a ticket larger than the whole cache is not kept). A cached state
// is only a hint: appends carry the version it was read at, so a stale entry ends in a
// version conflict and a reload.
//
// Personal fields are opened through the FieldCipher; after an erasure, forget_all()
// empties the cache so that no state read before it is served again (a load or append in
// flight meanwhile does not put its state back: remember() drops states loaded in an
// earlier epoch).
// Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "commands/bounded_cache.h"
#include "domain/ticket.h"
#include "events/field_cipher.h"
#include "eventstore/event_store.h"

namespace ticketd {

struct TicketRepositoryOptions {
  std::size_t cache_bytes = 256u << 20;  // estimated bytes of the tickets kept in memory
  std::uint64_t snapshot_every = 100;    // save a snapshot each time this many events accrue
};

// Estimated bytes a ticket's state holds: its strings, comments (bodies, mentions,
// references), attachments' metadata, tags, links and SLA intervals.
[[nodiscard]] std::size_t approx_ticket_bytes(const Ticket& t);

class TicketRepository {
 public:
  using Ptr = std::shared_ptr<const Ticket>;

  TicketRepository(EventStore& store, FieldCipher& cipher, TicketRepositoryOptions options = {})
      : store_(store), cipher_(cipher), options_(options), cache_(options.cache_bytes) {}

  // The current state (an empty Ticket when the stream does not exist).
  [[nodiscard]] Result<Ptr> load(const std::string& id);
  // Bypasses the cache; `use_snapshot` false replays from the first event.
  [[nodiscard]] Result<Ticket> load_fresh(const std::string& id, bool use_snapshot = true) const;
  // The state as of `until` (events with time <= until) or of `version` (replayed).
  [[nodiscard]] Result<Ticket> load_as_of(const std::string& id, Timestamp until) const;
  [[nodiscard]] Result<Ticket> load_version(const std::string& id, std::uint64_t version) const;

  // Changes with each forget_all(); take it before load() to pass to remember().
  [[nodiscard]] std::uint64_t epoch() const { return epoch_.load(); }
  // After an append: cache `state` (unless forget_all() ran since `loaded_in`) and snapshot
  // it when another snapshot_every events accrued since `previous_version`.
  void remember(Ptr state, std::uint64_t previous_version, std::uint64_t loaded_in);
  void forget(const std::string& id);
  // Drops `id` and starts a new epoch, so no state loaded before now is cached (its stream
  // grew outside the command handler: a follower's replication).
  void invalidate(const std::string& id);
  // Empties the cache and starts a new epoch (after an erasure).
  void forget_all();

  // What the cache holds (tickets, estimated bytes), for tests and metrics.
  [[nodiscard]] std::size_t cached_tickets() const { return cache_.size(); }
  [[nodiscard]] std::size_t cached_bytes() const { return cache_.held_bytes(); }

 private:
  Result<Ticket> replay(const std::string& id, Ticket from, std::optional<Timestamp> until,
                        std::optional<std::uint64_t> up_to) const;

  EventStore& store_;
  FieldCipher& cipher_;
  TicketRepositoryOptions options_;
  std::atomic<std::uint64_t> epoch_{0};
  BoundedCache<Ptr> cache_;
};

}  // namespace ticketd
