#include "eventstore/memory_event_store.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <unordered_map>

#include "eventstore/append_rules.h"
#include "eventstore/record_codec.h"

namespace ticketd {
namespace {

class MemoryEventStore final : public EventStore {
 public:
  explicit MemoryEventStore(EventStoreLimits limits) : limits_(limits) {}

  void append_async(AppendRequest request, AppendCallback done) override {
    auto result = append_now(request);
    if (result && !result->duplicate) cv_.notify_all();
    done(std::move(result));
  }

  Result<std::vector<EventRecord>> read_stream(std::string_view stream, std::uint64_t from_version,
                                               std::size_t max) const override {
    std::lock_guard lock(mu_);
    std::vector<EventRecord> out;
    auto it = streams_.find(std::string(stream));
    if (it == streams_.end()) return out;
    for (std::uint64_t v = std::max<std::uint64_t>(from_version, 1); v <= it->second.size() && out.size() < max; ++v) {
      out.push_back(records_[it->second[v - 1] - 1]);
    }
    return out;
  }

  Result<std::vector<EventRecord>> read_all(std::uint64_t after_position, std::size_t max) const override {
    std::lock_guard lock(mu_);
    std::vector<EventRecord> out;
    for (std::uint64_t p = after_position + 1; p <= records_.size() && out.size() < max; ++p) {
      out.push_back(records_[p - 1]);
    }
    return out;
  }

  Result<std::string> read_raw(std::uint64_t position) const override {
    std::lock_guard lock(mu_);
    if (position == 0 || position > stored_.size()) return make_error(Errc::not_found, "no such position");
    return stored_[position - 1];
  }

  Result<std::uint64_t> stream_version(std::string_view stream) const override {
    std::lock_guard lock(mu_);
    auto it = streams_.find(std::string(stream));
    return it == streams_.end() ? 0 : static_cast<std::uint64_t>(it->second.size());
  }

  LogHead head() const override {
    std::lock_guard lock(mu_);
    return head_locked();
  }

  EventStoreStats stats() const override {
    std::lock_guard lock(mu_);
    return stats_;
  }

  bool wait_beyond(std::uint64_t position, std::chrono::milliseconds timeout) const override {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return records_.size() > position; });
  }

  Result<void> save_snapshot(std::string_view stream, const Snapshot& snapshot) override {
    std::lock_guard lock(mu_);
    auto& kept = snapshots_[std::string(stream)];
    if (snapshot.version >= kept.version) kept = snapshot;
    return {};
  }

  Result<std::optional<Snapshot>> load_snapshot(std::string_view stream) const override {
    std::lock_guard lock(mu_);
    auto it = snapshots_.find(std::string(stream));
    if (it == snapshots_.end()) return std::optional<Snapshot>();
    return std::optional<Snapshot>(it->second);
  }

  Result<void> put_meta(std::string_view key, std::string_view value) override {
    std::lock_guard lock(mu_);
    meta_[std::string(key)] = std::string(value);
    return {};
  }

  Result<std::optional<std::string>> get_meta(std::string_view key) const override {
    std::lock_guard lock(mu_);
    auto it = meta_.find(std::string(key));
    if (it == meta_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Result<std::vector<MetaEntry>> scan_meta(std::string_view prefix, std::string_view after,
                                           std::size_t max) const override {
    std::lock_guard lock(mu_);
    std::vector<MetaEntry> out;
    for (auto it = after.empty() ? meta_.lower_bound(prefix) : meta_.upper_bound(after);
         it != meta_.end() && out.size() < max && it->first.starts_with(prefix); ++it) {
      out.emplace_back(it->first, it->second);
    }
    return out;
  }

  Result<void> delete_meta(const std::vector<std::string>& keys) override {
    std::lock_guard lock(mu_);
    for (const auto& k : keys) meta_.erase(k);
    return {};
  }

  Result<std::optional<EventRecord>> find_event(std::string_view stream, std::string_view event_id) const override {
    std::lock_guard lock(mu_);
    auto it = ids_.find({std::string(stream), std::string(event_id)});
    if (it == ids_.end()) return std::optional<EventRecord>();
    return std::optional<EventRecord>(records_[it->second - 1]);
  }

 private:
  LogHead head_locked() const {
    if (records_.empty()) return LogHead{0, std::string(kGenesisHash)};
    return LogHead{records_.size(), records_.back().hash};
  }

  Result<AppendOk> append_now(AppendRequest& request) {
    if (auto valid = validate_append(request, limits_); !valid) return std::unexpected(valid.error());
    std::lock_guard lock(mu_);
    // Idempotency: every id already in the stream -> acknowledge without writing.
    std::size_t found = 0;
    AppendOk dup{0, 0, 0, true};
    for (const auto& e : request.events) {
      auto it = ids_.find({request.stream, e.event_id});
      if (it == ids_.end()) continue;
      ++found;
      const EventRecord& r = records_[it->second - 1];
      if (dup.first_position == 0) dup.first_position = r.position;
      dup.last_position = std::max(dup.last_position, r.position);
      dup.stream_version = std::max(dup.stream_version, r.version);
    }
    if (found == request.events.size()) return dup;
    if (found != 0) {
      return make_error(Errc::conflict, "append repeats some but not all of the event ids already in the stream");
    }
    auto& positions = streams_[request.stream];
    const std::uint64_t version = positions.size();
    if (!request.expected.admits(version)) {
      Error e{Errc::wrong_expected_version,
              "stream " + request.stream + " is at version " + std::to_string(version),
              {},
              version,
              {},
              {}};
      return std::unexpected(std::move(e));
    }
    if (auto at = check_expected_position(request, records_.size() + 1); !at) return std::unexpected(at.error());
    AppendOk ok{records_.size() + 1, 0, 0, false};
    for (auto& e : request.events) {
      std::string stored;
      EventRecord r =
          seal_record(e, request.stream, records_.size() + 1, positions.size() + 1, head_locked().hash, stored);
      positions.push_back(r.position);
      ids_[{r.stream, r.event_id}] = r.position;
      records_.push_back(std::move(r));
      stored_.push_back(std::move(stored));
    }
    ok.last_position = records_.size();
    ok.stream_version = positions.size();
    ++stats_.appends;
    stats_.events += request.events.size();
    ++stats_.write_batches;
    ++stats_.syncs;
    return ok;
  }

  const EventStoreLimits limits_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<EventRecord> records_;                                     // position p at [p - 1]
  std::vector<std::string> stored_;                                      // stored forms, likewise
  std::unordered_map<std::string, std::vector<std::uint64_t>> streams_;  // positions by version
  std::map<std::pair<std::string, std::string>, std::uint64_t> ids_;     // (stream, event id) -> position
  std::unordered_map<std::string, Snapshot> snapshots_;
  std::map<std::string, std::string, std::less<>> meta_;  // ordered: scan_meta
  EventStoreStats stats_;
};

}  // namespace

std::unique_ptr<EventStore> make_memory_event_store(EventStoreLimits limits) {
  return std::make_unique<MemoryEventStore>(limits);
}

}  // namespace ticketd
