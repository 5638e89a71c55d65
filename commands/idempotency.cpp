#include "commands/idempotency.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "base/json_writer.h"
#include "base/sha256.h"

namespace ticketd {
namespace {

constexpr std::string_view kPrefix = "idem/";
constexpr std::size_t kCountPage = 4096;  // entries read per page when counting the table

std::string record_key(const IdempotencyKey& key, std::int64_t window) {
  return fmt::format("{}{:016x}/{}", kPrefix, static_cast<std::uint64_t>(window), key.ns);
}

std::string uuid_shaped(const std::string& h) {
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12);
}

Timestamp expiry(const IdempotencyRecord& r) { return r.first_use + IdempotencyStore::kRetention; }

Result<IdempotencyRecord> decode(std::string_view raw) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view fp, result;
  std::int64_t first_use = 0;
  if (parser.parse(raw.data(), raw.size()).get(root) != simdjson::SUCCESS || root["fingerprint"].get_string().get(fp) ||
      root["result"].get_string().get(result) || root["first_use"].get_int64().get(first_use)) {
    return make_error(Errc::internal, "idempotency record unreadable");
  }
  return IdempotencyRecord{std::string(fp), std::string(result), Timestamp{std::chrono::microseconds{first_use}}};
}

}  // namespace

std::int64_t idempotency_window(Timestamp t) {
  const auto span = std::chrono::duration_cast<std::chrono::microseconds>(IdempotencyStore::kRetention).count();
  return t.time_since_epoch().count() / span;  // times before 1970 do not occur
}

Result<IdempotencyKey> IdempotencyStore::key_of(const Principal& who, const std::string& key, const std::string& item) {
  if (key.empty() || key.size() > kMaxKeyBytes) {
    Error e{Errc::validation,
            fmt::format("Idempotency-Key must be 1-{} bytes", kMaxKeyBytes),
            {{"Idempotency-Key", fmt::format("must be 1-{} bytes", kMaxKeyBytes)}},
            std::nullopt,
            {},
            {}};
    return std::unexpected(std::move(e));
  }
  // Each part is preceded by its length, so the encoding is injective.
  const std::string encoded = fmt::format("{}:{}{}:{}{}:{}{}:{}", who.tenant.size(), who.tenant, who.sub.size(),
                                          who.sub, key.size(), key, item.size(), item);
  return IdempotencyKey{sha256_hex({encoded})};
}

Result<std::optional<IdempotencyRecord>> IdempotencyStore::find(const IdempotencyKey& key, Timestamp now) const {
  const std::int64_t window = idempotency_window(now);
  for (const std::int64_t w : {window, window - 1}) {
    auto raw = store_.get_meta(record_key(key, w));
    if (!raw) return std::unexpected(raw.error());
    if (!*raw) continue;
    auto r = decode(**raw);
    if (!r) return std::unexpected(r.error());
    if (expiry(*r) <= now) return std::optional<IdempotencyRecord>();
    return std::optional<IdempotencyRecord>(std::move(*r));
  }
  return std::optional<IdempotencyRecord>();
}

Result<void> IdempotencyStore::remember(const IdempotencyKey& key, const IdempotencyRecord& r, Timestamp now) {
  JsonWriter w;
  w.begin_object().key("fingerprint").value(r.fingerprint).key("result").value(r.result);
  w.key("first_use").value(static_cast<std::int64_t>(r.first_use.time_since_epoch().count())).end_object();
  const std::string meta_key = record_key(key, idempotency_window(r.first_use));
  {
    // Counted before the first write, so the count only misses nothing (a write racing
    // that first count may be counted twice: the bound then holds a little early).
    std::lock_guard lock(mu_);
    if (auto counted = count_locked(); !counted) return counted;
  }
  auto existed = store_.get_meta(meta_key);
  if (!existed) return std::unexpected(existed.error());
  if (auto put = store_.put_meta(meta_key, w.str()); !put) return put;
  if (!*existed) {
    std::lock_guard lock(mu_);
    ++*count_;
  }
  auto purged = purge(now, limits_.purge_batch);
  if (!purged) return std::unexpected(purged.error());
  return {};
}

Result<void> IdempotencyStore::count_locked() {
  if (count_) return {};
  std::size_t n = 0;
  std::string after;
  for (;;) {
    auto page = store_.scan_meta(kPrefix, after, kCountPage);
    if (!page) return std::unexpected(page.error());
    n += page->size();
    if (page->size() < kCountPage) break;
    after = page->back().first;
  }
  count_ = n;
  return {};
}

Result<std::size_t> IdempotencyStore::size() {
  std::lock_guard lock(mu_);
  if (auto counted = count_locked(); !counted) return std::unexpected(counted.error());
  return *count_;
}

Result<std::size_t> IdempotencyStore::purge(Timestamp now, std::size_t batch) {
  std::lock_guard lock(mu_);
  if (auto counted = count_locked(); !counted) return std::unexpected(counted.error());
  // Oldest window first; within the bound, the first live record ends the pass (the ones
  // behind it in its window are deleted once the window is past, all expired by then).
  auto head = store_.scan_meta(kPrefix, "", batch);
  if (!head) return std::unexpected(head.error());
  std::vector<std::string> doomed;
  std::size_t left = *count_;
  for (const auto& [meta_key, value] : *head) {
    auto r = decode(value);
    const bool expired = !r || expiry(*r) <= now;  // an unreadable record is no use either
    if (!expired && left <= limits_.max_records) break;
    doomed.push_back(meta_key);
    --left;
  }
  if (doomed.empty()) return std::size_t{0};
  if (auto deleted = store_.delete_meta(doomed); !deleted) return std::unexpected(deleted.error());
  *count_ = left;
  return doomed.size();
}

std::string keyed_event_id(const IdempotencyKey& key, std::int64_t window, std::size_t n) {
  return uuid_shaped(sha256_hex({"event\n", key.ns, "\n", std::to_string(window), "\n", std::to_string(n)}));
}

std::string keyed_ticket_id(const IdempotencyKey& key, std::int64_t window, const std::string& fingerprint) {
  return uuid_shaped(sha256_hex({"ticket\n", key.ns, "\n", std::to_string(window), "\n", fingerprint}));
}

}  // namespace ticketd
