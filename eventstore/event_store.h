// EventStore: the append-only event log, the single source of truth.
//
// Thread-safety: every method may be called from any thread concurrently.
//
// Appends are all-or-nothing and durable (WAL synced) before they are acknowledged.
// Concurrent appends share one sync (group commit): requests queue to one writer
// that batches whatever is waiting. Expected-version mismatches come back as
// Errc::wrong_expected_version (with Error::actual_version), never as exceptions.
// An append whose event ids are all already stored in that stream is acknowledged
// with AppendOk::duplicate and writes nothing (idempotent retry); an append that
// mixes stored and new ids is Errc::conflict.
//
// Reads (`read_all`, `read_stream`, `head`, the log follower) see only durable events,
// so nothing a reader observes can vanish in a crash.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "eventstore/event.h"

namespace ticketd {

// Named limits of the store. Defaults are what ticketd runs with.
struct EventStoreLimits {
  std::size_t max_events_per_append = 1000;
  std::size_t max_event_data_bytes = 1 << 20;  // 1 MiB of JSON per event
  std::size_t max_stream_id_bytes = 128;
  std::size_t max_field_bytes = 256;       // event_id, type, actor fields, ids
  std::size_t max_queued_events = 262144;  // appends waiting for the writer
  std::size_t max_batch_events = 8192;     // events per synced write
};

// Counters since open, for metrics and benchmarks.
struct EventStoreStats {
  std::uint64_t appends = 0;        // acknowledged appends that wrote events
  std::uint64_t events = 0;         // events written
  std::uint64_t write_batches = 0;  // rocksdb writes (one per sequencer batch)
  std::uint64_t syncs = 0;          // WAL syncs (each acknowledges every batch before it)
  bool failed = false;              // a write or sync failed: appends refused (see open_rocksdb_event_store)
};

struct Snapshot {
  std::uint64_t version = 0;  // the stream version the state reflects
  std::string state;          // opaque bytes chosen by the aggregate's owner
};

class EventStore {
 public:
  using AppendCallback = std::function<void(Result<AppendOk>)>;

  virtual ~EventStore() = default;

  // Queues an append; `done` runs exactly once: on the store's syncer thread after the
  // events are durable or the append failed, or inline on the calling thread when the
  // append is refused at once (queue full, store closing, read-only, failed store).
  // `done` must not block: it delays every other append (hand work elsewhere).
  virtual void append_async(AppendRequest request, AppendCallback done) = 0;

  // Blocking convenience over append_async.
  [[nodiscard]] Result<AppendOk> append(std::string stream, ExpectedVersion expected, std::vector<NewEvent> events);

  // Events of `stream` with version >= from_version, at most `max`, in version order.
  // An unknown stream yields an empty vector.
  [[nodiscard]] virtual Result<std::vector<EventRecord>> read_stream(std::string_view stream,
                                                                     std::uint64_t from_version,
                                                                     std::size_t max) const = 0;

  // Events with position > after_position, at most `max`, in position order.
  [[nodiscard]] virtual Result<std::vector<EventRecord>> read_all(std::uint64_t after_position,
                                                                  std::size_t max) const = 0;

  // The stored bytes of the record at `position` (the JSON line `dump` prints).
  [[nodiscard]] virtual Result<std::string> read_raw(std::uint64_t position) const = 0;

  // Current durable stream version (0 when the stream does not exist).
  [[nodiscard]] virtual Result<std::uint64_t> stream_version(std::string_view stream) const = 0;

  [[nodiscard]] virtual LogHead head() const = 0;

  [[nodiscard]] virtual EventStoreStats stats() const = 0;

  // Blocks until head().position > position, the timeout passes, or the store
  // closes. Returns whether the head moved past `position`.
  virtual bool wait_beyond(std::uint64_t position, std::chrono::milliseconds timeout) const = 0;

  // Snapshots are a cache of aggregate state, outside the hash chain: losing one
  // only costs a longer replay. Saving keeps the newest version per stream.
  [[nodiscard]] virtual Result<void> save_snapshot(std::string_view stream, const Snapshot& snapshot) = 0;
  [[nodiscard]] virtual Result<std::optional<Snapshot>> load_snapshot(std::string_view stream) const = 0;

  // A small durable key-value table beside the log, outside the hash chain, for
  // bookkeeping that is not history: idempotency records, relay checkpoints.
  // put_meta syncs before it returns.
  [[nodiscard]] virtual Result<void> put_meta(std::string_view key, std::string_view value) = 0;
  [[nodiscard]] virtual Result<std::optional<std::string>> get_meta(std::string_view key) const = 0;
  // Meta entries whose key starts with `prefix` and sorts after `after` ("" = from the
  // first), in key order, at most `max`. delete_meta removes `keys` (absent ones are no
  // error) and syncs. The defaults refuse (Errc::unavailable): a store that keeps meta
  // entries overrides both (RocksDB and memory do).
  using MetaEntry = std::pair<std::string, std::string>;
  [[nodiscard]] virtual Result<std::vector<MetaEntry>> scan_meta(std::string_view prefix, std::string_view after,
                                                                 std::size_t max) const;
  [[nodiscard]] virtual Result<void> delete_meta(const std::vector<std::string>& keys);

  // The durable event of `stream` whose id is `event_id`, if any (the default reads the
  // stream; RocksDB and memory look the id up).
  [[nodiscard]] virtual Result<std::optional<EventRecord>> find_event(std::string_view stream,
                                                                      std::string_view event_id) const;
};

struct EventStoreOptions {
  bool read_only = false;  // open a running ticketd's store for reading (ticketctl)
  EventStoreLimits limits;
  // Called by the syncer before each WAL sync with the position the sync would make
  // durable; false makes that sync fail as a full disk would (fault injection for tests).
  std::function<bool(std::uint64_t position)> before_sync;
};

// Opens (creating when absent and not read-only) the RocksDB store in `dir`.
//
// A failed write or sync poisons the store: every later append answers Errc::unavailable
// and stats().failed is set, until the process reopens it. At that moment the store records
// its durable position in `<dir>/ACKNOWLEDGED` (a file allocated at open, so writing it
// needs no new disk space). The next open removes every record after that position (events
// whose append was refused may still have reached the WAL), so nothing refused becomes
// durable behind its client's back; then the file is cleared.
[[nodiscard]] Result<std::unique_ptr<EventStore>> open_rocksdb_event_store(const std::string& dir,
                                                                           const EventStoreOptions& options = {});

}  // namespace ticketd
