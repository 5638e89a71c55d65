// A least-recently-used cache bounded by the bytes its values take (their owner
// estimates each value's bytes; `held_bytes()` never exceeds `max_bytes()`), shared by
// the ticket repository and the user and tenant directories.
//
// A miss that reads the source of truth and then inserts what it read can race with a
// writer that changed the source meanwhile. A writer calls `invalidate(key)` after its
// write is durable; a reader takes `stamp()` before it reads and inserts with
// `insert_unless_invalidated`, which drops the value when any invalidation happened since
// the stamp (the next lookup reads again), so a value read before a write never stays
// cached after it.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ticketd {

// Estimates for values' bytes: the object plus what it owns on the heap.
inline std::size_t approx_bytes(const std::string& s) { return sizeof(std::string) + s.size(); }
inline std::size_t approx_bytes(const std::vector<std::string>& v) {
  std::size_t n = sizeof(v);
  for (const auto& s : v) n += approx_bytes(s);
  return n;
}

template <class V>
class BoundedCache {
 public:
  using Stamp = std::uint64_t;

  // Bookkeeping per entry (key copies, list and map nodes), added to the value's estimate.
  static constexpr std::size_t kEntryOverheadBytes = 128;

  explicit BoundedCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // The value of `key` (now the most recently used), or nullopt.
  [[nodiscard]] std::optional<V> find(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    lru_.splice(lru_.begin(), lru_, it->second.position);
    return it->second.value;
  }

  // Take before reading what a miss will insert.
  [[nodiscard]] Stamp stamp() const {
    std::lock_guard lock(mu_);
    return invalidations_;
  }

  // Inserts (or replaces) `key` unless an invalidation happened since `since`.
  void insert_unless_invalidated(const std::string& key, V value, std::size_t value_bytes, Stamp since) {
    std::lock_guard lock(mu_);
    if (invalidations_ != since) return;
    insert_locked(key, std::move(value), value_bytes);
  }

  // Inserts (or replaces) `key` unless `keep_old(old value)` says the held value wins.
  template <class KeepOld>
  void insert_unless(const std::string& key, V value, std::size_t value_bytes, KeepOld&& keep_old) {
    std::lock_guard lock(mu_);
    if (auto it = map_.find(key); it != map_.end() && keep_old(it->second.value)) {
      lru_.splice(lru_.begin(), lru_, it->second.position);
      return;
    }
    insert_locked(key, std::move(value), value_bytes);
  }

  // Drops `key` (if held) and fails every insert_unless_invalidated stamped before now.
  void invalidate(const std::string& key) {
    std::lock_guard lock(mu_);
    ++invalidations_;
    erase_locked(key);
  }

  // Drops `key` (if held).
  void erase(const std::string& key) {
    std::lock_guard lock(mu_);
    erase_locked(key);
  }

  // Drops every entry and fails every insert_unless_invalidated stamped before now.
  void clear() {
    std::lock_guard lock(mu_);
    ++invalidations_;
    lru_.clear();
    map_.clear();
    held_bytes_ = 0;
  }

  [[nodiscard]] std::size_t max_bytes() const { return max_bytes_; }
  [[nodiscard]] std::size_t held_bytes() const {
    std::lock_guard lock(mu_);
    return held_bytes_;
  }
  [[nodiscard]] std::size_t size() const {
    std::lock_guard lock(mu_);
    return map_.size();
  }

 private:
  struct Entry {
    V value;
    std::size_t bytes = 0;
    std::list<std::string>::iterator position;
  };

  void insert_locked(const std::string& key, V value, std::size_t value_bytes) {
    const std::size_t bytes = value_bytes + 2 * key.size() + kEntryOverheadBytes;
    erase_locked(key);
    if (bytes > max_bytes_) return;  // larger than the whole cache: not kept
    while (held_bytes_ + bytes > max_bytes_ && !lru_.empty()) {
      const std::string victim = lru_.back();
      erase_locked(victim);
    }
    lru_.push_front(key);
    map_.emplace(key, Entry{std::move(value), bytes, lru_.begin()});
    held_bytes_ += bytes;
  }

  void erase_locked(const std::string& key) {
    auto it = map_.find(key);
    if (it == map_.end()) return;
    held_bytes_ -= it->second.bytes;
    lru_.erase(it->second.position);
    map_.erase(it);
  }

  const std::size_t max_bytes_;
  mutable std::mutex mu_;
  std::list<std::string> lru_;  // front = most recent
  std::unordered_map<std::string, Entry> map_;
  std::size_t held_bytes_ = 0;
  Stamp invalidations_ = 0;
};

}  // namespace ticketd
