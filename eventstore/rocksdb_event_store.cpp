// RocksDB implementation of EventStore.
//
// Write path (group commit, pipelined):
//   callers --append_async--> queue_ --sequencer thread--> validate, assign positions,
//   hash, one unsynced rocksdb::Write per batch --> syncing_ --syncer thread-->
//   SyncWAL() covering every batch written so far --> durable head moves --> callbacks.
// While the syncer waits on fsync the sequencer already prepares and writes the next
// batch, so one fsync covers everything queued in the meantime. Readers never look
// past the durable head, so nothing they see can be lost in a crash; WAL recovery
// is point-in-time, so a crash loses at most an unacknowledged suffix.
// A failed write or sync poisons the store: every later append fails with
// Errc::unavailable until the process reopens it.
#include <pthread.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "eventstore/acknowledged_mark.h"
#include "eventstore/append_rules.h"
#include "eventstore/event_store.h"
#include "eventstore/keys.h"
#include "eventstore/record_codec.h"

namespace ticketd {
namespace {

Error storage_error(const rocksdb::Status& s, std::string_view what) {
  return Error{Errc::internal, std::string(what) + ": " + s.ToString(), {}, std::nullopt, {}, {}};
}

class RocksEventStore final : public EventStore {
 public:
  RocksEventStore(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles, const EventStoreOptions& options,
                  LogHead head, std::optional<AcknowledgedMark> mark)
      : db_(db),
        handles_(std::move(handles)),
        options_(options),
        mark_(std::move(mark)),
        durable_(head),
        next_position_(head.position + 1),
        last_hash_(head.hash) {
    if (!options_.read_only) {
      sequencer_ = std::thread([this] { sequencer_loop(); });
      syncer_ = std::thread([this] { syncer_loop(); });
      pthread_setname_np(sequencer_.native_handle(), "es-sequencer");
      pthread_setname_np(syncer_.native_handle(), "es-syncer");
    }
  }

  ~RocksEventStore() override {
    {
      std::lock_guard lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    if (sequencer_.joinable()) sequencer_.join();
    if (syncer_.joinable()) syncer_.join();
    {
      std::lock_guard lock(head_mu_);
      closed_ = true;
    }
    head_cv_.notify_all();
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    (void)db_->Close();
    delete db_;
  }

  void append_async(AppendRequest request, AppendCallback done) override {
    // Validation (including the JSON parse of every payload) runs on the caller's
    // thread, so the single sequencer only does what must be sequential.
    if (auto valid = validate_append(request, options_.limits); !valid) {
      done(std::unexpected(std::move(valid.error())));
      return;
    }
    const std::size_t n = request.events.size();
    std::optional<Error> rejected;
    {
      std::lock_guard lock(queue_mu_);
      if (options_.read_only) {
        rejected = Error{Errc::unavailable, "event store is open read-only", {}, std::nullopt, {}, {}};
      } else if (stopping_) {
        rejected = Error{Errc::unavailable, "event store is closing", {}, std::nullopt, {}, {}};
      } else if (failed_) {
        rejected = *failed_;
      } else if (queued_events_ + n > options_.limits.max_queued_events) {
        rejected = Error{Errc::unavailable, "append queue is full (max_queued_events)", {}, std::nullopt, {}, {}};
      } else {
        queued_events_ += n;
        queue_.push_back(Pending{std::move(request), std::move(done)});
      }
    }
    if (rejected) {
      done(std::unexpected(std::move(*rejected)));
    } else {
      queue_cv_.notify_one();
    }
  }

  Result<std::vector<EventRecord>> read_stream(std::string_view stream, std::uint64_t from_version,
                                               std::size_t max) const override {
    std::vector<EventRecord> out;
    const std::uint64_t durable = durable_position();
    const std::string prefix = keys::stream_prefix(stream);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), index_cf()));
    for (it->Seek(keys::stream_version_key(stream, std::max<std::uint64_t>(from_version, 1)));
         it->Valid() && out.size() < max && it->key().starts_with(prefix); it->Next()) {
      const std::uint64_t position = keys::read_be64(it->value().ToStringView());
      if (position > durable) break;
      auto record = read_record(position);
      if (!record) return std::unexpected(record.error());
      out.push_back(std::move(*record));
    }
    if (!it->status().ok()) return std::unexpected(storage_error(it->status(), "read_stream"));
    return out;
  }

  Result<std::vector<EventRecord>> read_all(std::uint64_t after_position, std::size_t max) const override {
    std::vector<EventRecord> out;
    const std::uint64_t durable = durable_position();
    if (after_position >= durable || max == 0) return out;
    const std::uint64_t last = std::min(durable, after_position + max);
    const std::string upper = keys::be64(last + 1);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, log_cf()));
    out.reserve(last - after_position);
    for (it->Seek(keys::be64(after_position + 1)); it->Valid(); it->Next()) {
      auto record = decode_record(it->value().ToStringView());
      if (!record) return std::unexpected(record.error());
      out.push_back(std::move(*record));
    }
    if (!it->status().ok()) return std::unexpected(storage_error(it->status(), "read_all"));
    return out;
  }

  Result<std::string> read_raw(std::uint64_t position) const override {
    if (position == 0 || position > durable_position()) {
      return make_error(Errc::not_found, "no event at that position");
    }
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), log_cf(), keys::be64(position), &value);
    if (s.IsNotFound()) return make_error(Errc::not_found, "no event at that position");
    if (!s.ok()) return std::unexpected(storage_error(s, "read_raw"));
    return value;
  }

  Result<std::uint64_t> stream_version(std::string_view stream) const override {
    return version_of(stream, durable_position());
  }

  LogHead head() const override {
    std::lock_guard lock(head_mu_);
    return durable_;
  }

  EventStoreStats stats() const override {
    bool failed = false;
    {
      std::lock_guard lock(queue_mu_);
      failed = failed_.has_value();
    }
    return EventStoreStats{appends_.load(), events_.load(), write_batches_.load(), syncs_.load(), failed};
  }

  bool wait_beyond(std::uint64_t position, std::chrono::milliseconds timeout) const override {
    std::unique_lock lock(head_mu_);
    return head_cv_.wait_for(lock, timeout, [&] { return closed_ || durable_.position > position; }) &&
           durable_.position > position;
  }

  Result<void> save_snapshot(std::string_view stream, const Snapshot& snapshot) override {
    if (options_.read_only) return make_error(Errc::unavailable, "event store is open read-only");
    std::string value = keys::be64(snapshot.version);
    value += snapshot.state;
    auto s = db_->Put(rocksdb::WriteOptions(), snapshots_cf(), rocksdb::Slice(stream.data(), stream.size()), value);
    if (!s.ok()) return std::unexpected(storage_error(s, "save_snapshot"));
    return {};
  }

  Result<std::optional<Snapshot>> load_snapshot(std::string_view stream) const override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), snapshots_cf(), rocksdb::Slice(stream.data(), stream.size()), &value);
    if (s.IsNotFound()) return std::optional<Snapshot>();
    if (!s.ok()) return std::unexpected(storage_error(s, "load_snapshot"));
    if (value.size() < 8) return make_error(Errc::internal, "snapshot record is truncated");
    return std::optional<Snapshot>(Snapshot{keys::read_be64(value), value.substr(8)});
  }

  Result<void> put_meta(std::string_view key, std::string_view value) override {
    if (options_.read_only) return make_error(Errc::unavailable, "event store is open read-only");
    rocksdb::WriteOptions synced;
    synced.sync = true;
    auto s =
        db_->Put(synced, meta_cf(), rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value.data(), value.size()));
    if (!s.ok()) return std::unexpected(storage_error(s, "put_meta"));
    return {};
  }

  Result<std::optional<std::string>> get_meta(std::string_view key) const override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), meta_cf(), rocksdb::Slice(key.data(), key.size()), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return std::unexpected(storage_error(s, "get_meta"));
    return std::optional<std::string>(std::move(value));
  }

  Result<std::vector<MetaEntry>> scan_meta(std::string_view prefix, std::string_view after,
                                           std::size_t max) const override {
    std::vector<MetaEntry> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), meta_cf()));
    if (after.empty()) {
      it->Seek(rocksdb::Slice(prefix.data(), prefix.size()));
    } else {
      it->Seek(rocksdb::Slice(after.data(), after.size()));
      if (it->Valid() && it->key().ToStringView() == after) it->Next();
    }
    for (; it->Valid() && out.size() < max && it->key().starts_with(rocksdb::Slice(prefix.data(), prefix.size()));
         it->Next()) {
      out.emplace_back(it->key().ToString(), it->value().ToString());
    }
    if (!it->status().ok()) return std::unexpected(storage_error(it->status(), "scan_meta"));
    return out;
  }

  Result<void> delete_meta(const std::vector<std::string>& keys) override {
    if (options_.read_only) return make_error(Errc::unavailable, "event store is open read-only");
    rocksdb::WriteBatch wb;
    for (const auto& k : keys) wb.Delete(meta_cf(), k);
    rocksdb::WriteOptions synced;
    synced.sync = true;
    auto s = db_->Write(synced, &wb);
    if (!s.ok()) return std::unexpected(storage_error(s, "delete_meta"));
    return {};
  }

  Result<std::optional<EventRecord>> find_event(std::string_view stream, std::string_view event_id) const override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), event_ids_cf(), keys::event_id_key(stream, event_id), &value);
    if (s.IsNotFound()) return std::optional<EventRecord>();
    if (!s.ok()) return std::unexpected(storage_error(s, "find_event"));
    const std::uint64_t position = keys::read_be64(value);
    if (position == 0 || position > durable_position()) return std::optional<EventRecord>();
    auto record = read_record(position);
    if (!record) return std::unexpected(record.error());
    return std::optional<EventRecord>(std::move(*record));
  }

 private:
  struct Pending {
    AppendRequest request;
    AppendCallback done;
  };
  struct Completion {
    AppendCallback done;
    Result<AppendOk> result;
  };
  // One unsynced write handed from the sequencer to the syncer.
  struct Written {
    std::vector<Completion> completions;
    LogHead head;  // log head after this write
  };
  // Effects of earlier requests in the batch being prepared (not yet in db_).
  struct BatchState {
    std::unordered_map<std::string, std::uint64_t> versions;
    std::unordered_map<std::string, std::pair<std::uint64_t, std::uint64_t>> event_ids;
  };

  rocksdb::ColumnFamilyHandle* default_cf() const { return handles_[0]; }
  rocksdb::ColumnFamilyHandle* log_cf() const { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* index_cf() const { return handles_[2]; }
  rocksdb::ColumnFamilyHandle* event_ids_cf() const { return handles_[3]; }
  rocksdb::ColumnFamilyHandle* snapshots_cf() const { return handles_[4]; }
  rocksdb::ColumnFamilyHandle* meta_cf() const { return handles_[5]; }

  std::uint64_t durable_position() const { return durable_position_.load(std::memory_order_acquire); }

  Result<EventRecord> read_record(std::uint64_t position) const {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), log_cf(), keys::be64(position), &value);
    if (!s.ok()) return std::unexpected(storage_error(s, "read record"));
    return decode_record(value);
  }

  // Version of `stream` counting only events at positions <= max_position.
  Result<std::uint64_t> version_of(std::string_view stream, std::uint64_t max_position) const {
    const std::string prefix = keys::stream_prefix(stream);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), index_cf()));
    for (it->SeekForPrev(keys::stream_version_key(stream, UINT64_MAX)); it->Valid() && it->key().starts_with(prefix);
         it->Prev()) {
      if (keys::read_be64(it->value().ToStringView()) <= max_position) {
        return keys::read_be64(it->key().ToStringView().substr(prefix.size()));
      }
    }
    if (!it->status().ok()) return std::unexpected(storage_error(it->status(), "stream version"));
    return std::uint64_t{0};
  }

  // Validates `request` against the log plus `batch`, and adds its writes to `wb`.
  Result<AppendOk> sequence(AppendRequest& request, rocksdb::WriteBatch& wb, BatchState& batch) {
    // Idempotency: every id already stored -> acknowledge without writing.
    std::size_t found = 0;
    AppendOk dup{0, 0, 0, true};
    for (const auto& e : request.events) {
      std::string key = keys::event_id_key(request.stream, e.event_id);
      std::pair<std::uint64_t, std::uint64_t> loc{0, 0};
      if (auto it = batch.event_ids.find(key); it != batch.event_ids.end()) {
        loc = it->second;
      } else {
        std::string value;
        auto s = db_->Get(rocksdb::ReadOptions(), event_ids_cf(), key, &value);
        if (s.ok()) {
          loc = {keys::read_be64(value), keys::read_be64(std::string_view(value).substr(8))};
        } else if (!s.IsNotFound()) {
          return std::unexpected(storage_error(s, "event id lookup"));
        }
      }
      if (loc.first != 0) {
        ++found;
        if (dup.first_position == 0) dup.first_position = loc.first;
        dup.last_position = std::max(dup.last_position, loc.first);
        dup.stream_version = std::max(dup.stream_version, loc.second);
      }
    }
    if (found == request.events.size()) return dup;
    if (found != 0) {
      return make_error(Errc::conflict, "append repeats some but not all of the event ids already in the stream");
    }

    std::uint64_t version = 0;
    if (auto it = batch.versions.find(request.stream); it != batch.versions.end()) {
      version = it->second;
    } else if (auto cached = stream_versions_.find(request.stream); cached != stream_versions_.end()) {
      version = cached->second;
    } else {
      auto v = version_of(request.stream, UINT64_MAX);
      if (!v) return std::unexpected(v.error());
      version = *v;
    }
    if (!request.expected.admits(version)) {
      Error e{Errc::wrong_expected_version,
              "stream " + request.stream + " is at version " + std::to_string(version),
              {},
              version,
              {},
              {}};
      return std::unexpected(std::move(e));
    }

    if (auto at = check_expected_position(request, next_position_); !at) return std::unexpected(at.error());
    AppendOk ok{next_position_, 0, 0, false};
    for (auto& e : request.events) {
      std::string stored;
      EventRecord r = seal_record(e, request.stream, next_position_++, ++version, last_hash_, stored);
      last_hash_ = r.hash;

      std::string position_key = keys::be64(r.position);
      std::string id_value = position_key + keys::be64(r.version);
      std::string id_key = keys::event_id_key(r.stream, r.event_id);
      wb.Put(log_cf(), position_key, stored);
      wb.Put(index_cf(), keys::stream_version_key(r.stream, r.version), position_key);
      wb.Put(event_ids_cf(), id_key, id_value);
      batch.event_ids[std::move(id_key)] = {r.position, r.version};
    }
    batch.versions[request.stream] = version;
    ok.last_position = next_position_ - 1;
    ok.stream_version = version;
    return ok;
  }

  void sequencer_loop() {
    rocksdb::WriteOptions unsynced;
    unsynced.sync = false;
    for (;;) {
      std::vector<Pending> work;
      std::optional<Error> failed;
      {
        std::unique_lock lock(queue_mu_);
        queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) break;  // stopping and drained
        std::size_t events = 0;
        while (!queue_.empty() &&
               (work.empty() || events + queue_.front().request.events.size() <= options_.limits.max_batch_events)) {
          events += queue_.front().request.events.size();
          work.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        queued_events_ -= events;
        failed = failed_;
      }

      Written written;
      written.completions.reserve(work.size());
      if (failed) {
        for (auto& p : work) written.completions.push_back({std::move(p.done), std::unexpected(*failed)});
      } else {
        rocksdb::WriteBatch wb;
        BatchState batch;
        const std::uint64_t position_before = next_position_;
        const std::string hash_before = last_hash_;
        for (auto& p : work) {
          written.completions.push_back({std::move(p.done), sequence(p.request, wb, batch)});
        }
        if (next_position_ != position_before) {
          std::string head_value = keys::be64(next_position_ - 1) + last_hash_;
          wb.Put(default_cf(), keys::kHead, head_value);
          auto s = db_->Write(unsynced, &wb);
          if (s.ok()) {
            write_batches_.fetch_add(1, std::memory_order_relaxed);
            events_.fetch_add(next_position_ - position_before, std::memory_order_relaxed);
            remember_versions(batch);
          } else {
            // Nothing of this batch is in the log: the head stays where it was.
            next_position_ = position_before;
            last_hash_ = hash_before;
            poison(storage_error(s, "append write"), written.completions);
          }
        }
      }
      written.head = LogHead{next_position_ - 1, last_hash_};
      {
        std::lock_guard lock(sync_mu_);
        syncing_.push_back(std::move(written));
      }
      sync_cv_.notify_one();
    }
    {
      std::lock_guard lock(sync_mu_);
      sequencer_done_ = true;
    }
    sync_cv_.notify_one();
  }

  void syncer_loop() {
    for (;;) {
      std::vector<Written> work;
      {
        std::unique_lock lock(sync_mu_);
        sync_cv_.wait(lock, [&] { return sequencer_done_ || !syncing_.empty(); });
        if (syncing_.empty()) break;
        work.swap(syncing_);
      }
      const LogHead target = work.back().head;
      std::optional<Error> failed;
      {
        std::lock_guard lock(queue_mu_);
        failed = failed_;
      }
      if (failed) {
        // After a failed write or sync nothing more becomes durable in this process: what
        // was written but not synced is refused, and the next open drops it.
        for (auto& w : work) poison(*failed, w.completions);
        record_acknowledged();
      } else if (target.position > durable_position()) {
        const bool allowed = !options_.before_sync || options_.before_sync(target.position);
        auto s = allowed ? db_->SyncWAL() : rocksdb::Status::IOError("WAL sync failed (injected)");
        syncs_.fetch_add(1, std::memory_order_relaxed);
        if (s.ok()) {
          {
            std::lock_guard lock(head_mu_);
            durable_ = target;
            durable_position_.store(target.position, std::memory_order_release);
          }
          head_cv_.notify_all();
        } else {
          for (auto& w : work) poison(storage_error(s, "append sync"), w.completions);
          record_acknowledged();
        }
      }
      for (auto& w : work) {
        for (auto& c : w.completions) {
          if (c.result && !c.result->duplicate) appends_.fetch_add(1, std::memory_order_relaxed);
          c.done(std::move(c.result));
        }
      }
    }
  }

  // Keeps the stream versions the sequencer wrote; a bounded cache that starts over
  // when full (a miss costs one index seek).
  void remember_versions(BatchState& batch) {
    if (stream_versions_.size() + batch.versions.size() > kMaxCachedStreamVersions) {
      stream_versions_.clear();
    }
    for (auto& [stream, version] : batch.versions) stream_versions_[stream] = version;
  }

  // Writes the durable position to <dir>/ACKNOWLEDGED, once (syncer thread only). If even
  // that fails, the next open keeps what reached the WAL, as before this file existed.
  void record_acknowledged() {
    if (!mark_ || acknowledged_recorded_) return;
    acknowledged_recorded_ = true;
    (void)mark_->record(durable_position());
  }

  // Records the first failure and turns every pending success into that error.
  void poison(const Error& cause, std::vector<Completion>& completions) {
    Error e = cause.code == Errc::unavailable ? cause : Error{Errc::unavailable,
                                                              "event store failed, restart required: " + cause.message,
                                                              {},
                                                              std::nullopt,
                                                              {},
                                                              {}};
    {
      std::lock_guard lock(queue_mu_);
      if (!failed_) failed_ = e;
    }
    for (auto& c : completions) {
      if (c.result) c.result = std::unexpected(e);
    }
  }

  rocksdb::DB* db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  EventStoreOptions options_;
  std::optional<AcknowledgedMark> mark_;  // written once, by the syncer, when poisoned

  // Queue of appends waiting for the sequencer.
  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;
  std::size_t queued_events_ = 0;
  bool stopping_ = false;
  std::optional<Error> failed_;

  // Written batches waiting for the syncer.
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::vector<Written> syncing_;
  bool sequencer_done_ = false;

  // Durable head.
  mutable std::mutex head_mu_;
  mutable std::condition_variable head_cv_;
  LogHead durable_;
  std::atomic<std::uint64_t> durable_position_{durable_.position};
  bool closed_ = false;

  // Owned by the sequencer thread.
  static constexpr std::size_t kMaxCachedStreamVersions = 1 << 20;
  std::uint64_t next_position_;
  std::string last_hash_;
  std::unordered_map<std::string, std::uint64_t> stream_versions_;

  std::atomic<std::uint64_t> appends_{0};
  std::atomic<std::uint64_t> events_{0};
  std::atomic<std::uint64_t> write_batches_{0};
  std::atomic<std::uint64_t> syncs_{0};
  bool acknowledged_recorded_ = false;  // syncer thread only

  std::thread sequencer_;
  std::thread syncer_;
};

// Removes every record after `position` (with its stream-index and event-id entries) and
// sets the head to `position`, in one synced write. Returns the new head.
Result<LogHead> drop_after(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                           std::uint64_t position) {
  LogHead head{0, std::string(kGenesisHash)};
  std::string value;
  if (position > 0) {
    auto s = db->Get(rocksdb::ReadOptions(), handles[1], keys::be64(position), &value);
    if (!s.ok()) return std::unexpected(storage_error(s, "reading the acknowledged record"));
    auto record = decode_record(value);
    if (!record) return std::unexpected(record.error());
    head = LogHead{position, record->hash};
  }
  rocksdb::WriteBatch wb;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[1]));
  for (it->Seek(keys::be64(position + 1)); it->Valid(); it->Next()) {
    auto record = decode_record(std::string_view(it->value().data(), it->value().size()));
    if (!record) return std::unexpected(record.error());
    wb.Delete(handles[1], it->key());
    wb.Delete(handles[2], keys::stream_version_key(record->stream, record->version));
    wb.Delete(handles[3], keys::event_id_key(record->stream, record->event_id));
  }
  if (!it->status().ok()) return std::unexpected(storage_error(it->status(), "reading the log"));
  wb.Put(handles[0], keys::kHead, keys::be64(head.position) + head.hash);
  rocksdb::WriteOptions synced;
  synced.sync = true;
  auto s = db->Write(synced, &wb);
  if (!s.ok()) return std::unexpected(storage_error(s, "dropping unacknowledged records"));
  return head;
}

}  // namespace

Result<std::unique_ptr<EventStore>> open_rocksdb_event_store(const std::string& dir, const EventStoreOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = !options.read_only;
  db_options.create_missing_column_families = !options.read_only;
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  db_options.max_background_jobs = 2;
  db_options.max_total_wal_size = 256u << 20;

  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = 16u << 20;
  rocksdb::ColumnFamilyOptions lookup_options = cf_options;  // point lookups: bloom filters
  lookup_options.memtable_whole_key_filtering = true;
  lookup_options.memtable_prefix_bloom_size_ratio = 0.05;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  lookup_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  std::vector<rocksdb::ColumnFamilyDescriptor> families{
      {rocksdb::kDefaultColumnFamilyName, cf_options}, {keys::kLogFamily, cf_options},
      {keys::kStreamIndexFamily, cf_options},          {keys::kEventIdsFamily, lookup_options},
      {keys::kSnapshotsFamily, lookup_options},        {keys::kMetaFamily, lookup_options},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = options.read_only ? rocksdb::DB::OpenForReadOnly(db_options, dir, families, &handles, &db)
                                        : rocksdb::DB::Open(db_options, dir, families, &handles, &db);
  if (!s.ok()) {
    return make_error(s.IsPathNotFound() || s.IsNotFound() ? Errc::not_found : Errc::unavailable,
                      "cannot open event store in " + dir + ": " + s.ToString());
  }

  auto fail = [&](Error e) -> Result<std::unique_ptr<EventStore>> {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
    return std::unexpected(std::move(e));
  };
  LogHead head{0, std::string(kGenesisHash)};
  std::string value;
  s = db->Get(rocksdb::ReadOptions(), handles[0], keys::kHead, &value);
  if (s.ok() && value.size() == 8 + kHashHexBytes) {
    head = LogHead{keys::read_be64(value), value.substr(8)};
  } else if (!s.IsNotFound()) {
    return fail(Error{Errc::internal, "event store head record is unreadable in " + dir, {}, std::nullopt, {}, {}});
  }
  // Every batch writes the head with the records it covers, so a record after the head
  // means the head was set back (or the log edited) behind the store's back: verifying up
  // to the head would pass, and appending would overwrite those records.
  std::optional<std::uint64_t> last_logged;
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[1]));
    it->SeekToLast();
    s = it->status();
    if (s.ok() && it->Valid()) last_logged = keys::read_be64(it->key().ToStringView());
  }  // the iterator ends before fail() closes the database
  if (!s.ok()) return fail(storage_error(s, "open: reading the last log record"));
  if (last_logged && *last_logged > head.position) {
    return fail(Error{Errc::internal,
                      "the event log in " + dir + " holds records after its head position " +
                          std::to_string(head.position) + " (a stale head)",
                      {},
                      std::nullopt,
                      {},
                      {}});
  }
  if (options.read_only) {
    return std::unique_ptr<EventStore>(new RocksEventStore(db, std::move(handles), options, head, std::nullopt));
  }
  auto mark = AcknowledgedMark::open(dir);
  if (!mark) return fail(mark.error());
  if (auto acknowledged = mark->recorded()) {
    if (*acknowledged < head.position) {
      auto kept = drop_after(db, handles, *acknowledged);
      if (!kept) return fail(kept.error());
      head = *kept;
    }
    if (!mark->clear())
      return fail(Error{Errc::unavailable, "cannot clear " + dir + "/ACKNOWLEDGED", {}, std::nullopt, {}, {}});
  }
  return std::unique_ptr<EventStore>(
      new RocksEventStore(db, std::move(handles), options, head, std::optional<AcknowledgedMark>(std::move(*mark))));
}

}  // namespace ticketd
