#include "adapters/integration_store.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <atomic>
#include <charconv>
#include <filesystem>
#include <mutex>
#include <set>

#include "base/json_fields.h"
#include "base/json_writer.h"

namespace ticketd {

namespace {

// Keys: a one-letter kind, then fields separated by \x1f (tenants and keys may hold '/').
constexpr char kSep = '\x1f';
std::string key_of(char kind, std::initializer_list<std::string_view> parts) {
  std::string k(1, kind);
  for (auto p : parts) {
    k += kSep;
    k += p;
  }
  return k;
}
constexpr std::string_view kInboxPrefix = "i\x1f";
std::string inbox_key(std::uint64_t seq) { return fmt::format("{}{:020}", kInboxPrefix, seq); }
constexpr std::string_view kDeliveryPrefix = "d\x1f";

Result<void> checked(const rocksdb::Status& s) {
  if (!s.ok()) return make_error(Errc::unavailable, "integration store: " + s.ToString());
  return {};
}

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

class RocksIntegrationStore final : public IntegrationStore {
 public:
  explicit RocksIntegrationStore(rocksdb::DB* db) : db_(db) {
    sync_.sync = true;
    // Dead-letter ids: one sequence across tenants, from the highest stored.
    {
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
      for (it->Seek("L"); it->Valid() && it->key().starts_with("L"); it->Next()) {
        if (auto l = parse_letter(it->value().ToStringView()); l && l->id >= next_letter_.load()) {
          next_letter_.store(l->id + 1);
        }
      }
    }
    // The inbox's next sequence number and depth, from what it holds.
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(rocksdb::Slice(kInboxPrefix.data(), kInboxPrefix.size()));
         it->Valid() && it->key().starts_with(rocksdb::Slice(kInboxPrefix.data(), kInboxPrefix.size())); it->Next()) {
      ++depth_;
      if (auto n = number(it->key().ToStringView().substr(kInboxPrefix.size()))) next_seq_ = *n + 1;
    }
  }

  Result<std::optional<std::string>> connection(const std::string& tenant, const std::string& system) override {
    return get(key_of('c', {tenant, system}));
  }
  Result<void> put_connection(const std::string& tenant, const std::string& system,
                              const std::string& stored) override {
    return checked(db_->Put(sync_, key_of('c', {tenant, system}), stored));
  }

  Result<Enqueued> enqueue(const std::string& tenant, const std::string& system, const std::string& delivery,
                           const std::string& payload, Timestamp now) override {
    const std::string seen = key_of('d', {tenant, system, delivery});
    // One delivery id at a time (its check, then its write); other deliveries in parallel,
    // so their synced writes share WAL syncs (RocksDB's group commit). Their entries may
    // become visible out of sequence order: inbox() reads from below the lowest entry
    // still being written.
    std::lock_guard lock(stripes_[std::hash<std::string>{}(seen) % stripes_.size()]);
    auto known = get(seen);
    if (!known) return std::unexpected(known.error());
    if (*known) return Enqueued::duplicate;
    if (depth_.load() >= kMaxInboxEntries) return Enqueued::full;
    std::uint64_t seq = 0;
    {
      std::lock_guard order(order_mu_);
      seq = next_seq_++;
      writing_.insert(seq);
    }
    rocksdb::WriteBatch batch;
    batch.Put(seen, std::to_string(now.time_since_epoch().count()));
    batch.Put(inbox_key(seq), entry(tenant, system, delivery, payload));
    auto ok = checked(db_->Write(sync_, &batch));
    {
      std::lock_guard order(order_mu_);
      writing_.erase(seq);
    }
    if (!ok) return std::unexpected(ok.error());
    ++depth_;
    return Enqueued::accepted;
  }

  Result<std::vector<InboxEntry>> inbox(std::uint64_t after, std::size_t max) override {
    {
      std::lock_guard order(order_mu_);
      if (!writing_.empty()) after = std::min(after, *writing_.begin() - 1);
    }
    std::vector<InboxEntry> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(inbox_key(after + 1));
         it->Valid() && out.size() < max &&
         it->key().starts_with(rocksdb::Slice(kInboxPrefix.data(), kInboxPrefix.size()));
         it->Next()) {
      auto seq = number(it->key().ToStringView().substr(kInboxPrefix.size()));
      auto parsed = parse_entry(it->value().ToStringView());
      if (!seq || !parsed) return make_error(Errc::internal, "integration store: a damaged inbox entry");
      parsed->seq = *seq;
      out.push_back(std::move(*parsed));
    }
    if (auto ok = checked(it->status()); !ok) return std::unexpected(ok.error());
    return out;
  }

  Result<void> finish(std::uint64_t seq) override {
    // Not synced: an entry a power loss brings back is applied again, which writes nothing.
    if (auto ok = checked(db_->Delete(rocksdb::WriteOptions(), inbox_key(seq))); !ok) return ok;
    if (depth_.load() > 0) --depth_;
    return {};
  }

  std::size_t inbox_depth() const override { return depth_.load(); }

  Result<std::size_t> forget_deliveries(Timestamp before) override {
    constexpr std::size_t kBatch = 10'000;
    rocksdb::WriteBatch batch;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    std::size_t n = 0;
    for (it->Seek(rocksdb::Slice(kDeliveryPrefix.data(), kDeliveryPrefix.size()));
         it->Valid() && n < kBatch &&
         it->key().starts_with(rocksdb::Slice(kDeliveryPrefix.data(), kDeliveryPrefix.size()));
         it->Next()) {
      auto at = number(it->value().ToStringView());
      if (at && static_cast<std::int64_t>(*at) < before.time_since_epoch().count()) {
        batch.Delete(it->key());
        ++n;
      }
    }
    if (n > 0) {
      if (auto ok = checked(db_->Write(sync_, &batch)); !ok) return std::unexpected(ok.error());
    }
    return n;
  }

  Result<std::optional<std::string>> ticket_of(const std::string& tenant, const std::string& system,
                                               const std::string& key) override {
    return get(key_of('x', {tenant, system, key}));
  }
  Result<void> link(const std::string& tenant, const std::string& system, const std::string& key,
                    const std::string& ticket_id) override {
    return checked(db_->Put(sync_, key_of('x', {tenant, system, key}), ticket_id));
  }

  Result<std::optional<Timestamp>> applied_updated(const std::string& tenant, const std::string& system,
                                                   const std::string& key) override {
    return time_at(key_of('u', {tenant, system, key}));
  }
  // A time stored as its microseconds since the epoch.
  Result<std::optional<Timestamp>> time_at(const std::string& k) {
    auto stored = get(k);
    if (!stored) return std::unexpected(stored.error());
    if (!*stored) return std::optional<Timestamp>();
    auto us = number(**stored);
    if (!us) return make_error(Errc::internal, "integration store: a damaged updated time");
    return std::optional<Timestamp>(Timestamp{std::chrono::microseconds{static_cast<std::int64_t>(*us)}});
  }
  Result<void> set_applied_updated(const std::string& tenant, const std::string& system, const std::string& key,
                                   Timestamp updated) override {
    return checked(
        db_->Put(sync_, key_of('u', {tenant, system, key}), std::to_string(updated.time_since_epoch().count())));
  }

  Result<std::vector<std::pair<std::string, std::string>>> connections() override {
    std::vector<std::pair<std::string, std::string>> out;
    auto ok = each_of('c', [&](std::string_view tenant, std::string_view system, std::string_view) {
      out.emplace_back(std::string(tenant), std::string(system));
    });
    if (!ok) return std::unexpected(ok.error());
    return out;
  }
  Result<std::optional<Timestamp>> pull_watermark(const std::string& tenant, const std::string& system) override {
    return time_at(key_of('w', {tenant, system}));
  }
  Result<void> set_pull_watermark(const std::string& tenant, const std::string& system, Timestamp at) override {
    return checked(db_->Put(sync_, key_of('w', {tenant, system}), std::to_string(at.time_since_epoch().count())));
  }

  Result<std::optional<std::uint64_t>> outbox_position(std::string_view system) override {
    auto stored = get(key_of('o', {system}));
    if (!stored) return std::unexpected(stored.error());
    if (!*stored) return std::optional<std::uint64_t>();
    auto n = number(**stored);
    if (!n) return make_error(Errc::internal, "integration store: a damaged outbox position");
    return std::optional<std::uint64_t>(*n);
  }
  Result<void> set_outbox_position(std::string_view system, std::uint64_t position) override {
    return checked(db_->Put(sync_, key_of('o', {system}), std::to_string(position)));
  }
  Result<void> mark_pushed_comment(const std::string& tenant, const std::string& system,
                                   const std::string& comment_id) override {
    return checked(db_->Put(sync_, key_of('e', {tenant, system, comment_id}), ""));
  }
  Result<bool> pushed_comment(const std::string& tenant, const std::string& system,
                              const std::string& comment_id) override {
    return has(key_of('e', {tenant, system, comment_id}));
  }
  Result<void> mark_sent(const std::string& tenant, const std::string& system, const std::string& message_id) override {
    return checked(db_->Put(sync_, key_of('m', {tenant, system, message_id}), ""));
  }
  Result<bool> sent(const std::string& tenant, const std::string& system, const std::string& message_id) override {
    return has(key_of('m', {tenant, system, message_id}));
  }
  Result<bool> notification_opt_out(const std::string& tenant, const std::string& sub) override {
    return has(key_of('n', {tenant, sub}));
  }
  Result<void> set_notification_opt_out(const std::string& tenant, const std::string& sub, bool opt_out) override {
    const std::string key = key_of('n', {tenant, sub});
    return checked(opt_out ? db_->Put(sync_, key, "") : db_->Delete(sync_, key));
  }

  Result<std::uint64_t> put_dead_letter(DeadLetter l) override {
    if (l.id == 0) l.id = next_letter_.fetch_add(1);
    JsonWriter w;
    w.begin_object().key("id").value(l.id).key("tenant").value(l.tenant).key("system").value(l.system);
    w.key("key").value(l.key).key("position").value(l.position).key("error").value(l.error);
    w.key("attempts").value(l.attempts).key("at").value(l.at).end_object();
    if (auto ok = checked(db_->Put(sync_, letter_key(l.tenant, l.system, l.id), w.take())); !ok) {
      return std::unexpected(ok.error());
    }
    return l.id;
  }
  Result<std::vector<DeadLetter>> dead_letters(const std::string& tenant, const std::string& system,
                                               std::size_t max) override {
    const std::string prefix = key_of('L', {tenant, system}) + kSep;
    std::vector<DeadLetter> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(prefix); it->Valid() && out.size() < max && it->key().starts_with(prefix); it->Next()) {
      auto l = parse_letter(it->value().ToStringView());
      if (!l) return make_error(Errc::internal, "integration store: a damaged dead letter");
      out.push_back(std::move(*l));
    }
    if (auto ok = checked(it->status()); !ok) return std::unexpected(ok.error());
    return out;
  }
  Result<std::optional<DeadLetter>> dead_letter(const std::string& tenant, const std::string& system,
                                                std::uint64_t id) override {
    auto stored = get(letter_key(tenant, system, id));
    if (!stored) return std::unexpected(stored.error());
    if (!*stored) return std::optional<DeadLetter>();
    auto l = parse_letter(**stored);
    if (!l) return make_error(Errc::internal, "integration store: a damaged dead letter");
    return std::optional<DeadLetter>(std::move(*l));
  }
  Result<void> remove_dead_letter(const std::string& tenant, const std::string& system, std::uint64_t id) override {
    return checked(db_->Delete(sync_, letter_key(tenant, system, id)));
  }

  Result<void> put_subscription(const StoredSubscription& s) override {
    return checked(db_->Put(sync_, key_of('h', {s.tenant, s.id}), s.stored));
  }
  Result<void> remove_subscription(const std::string& tenant, const std::string& id) override {
    return checked(db_->Delete(sync_, key_of('h', {tenant, id})));
  }
  Result<std::vector<StoredSubscription>> subscriptions() override {
    std::vector<StoredSubscription> out;
    auto ok = each_of('h', [&](std::string_view tenant, std::string_view id, std::string_view value) {
      out.push_back({std::string(tenant), std::string(id), std::string(value)});
    });
    if (!ok) return std::unexpected(ok.error());
    return out;
  }

  Result<std::optional<std::string>> status(const std::string& tenant, const std::string& system) override {
    return get(key_of('s', {tenant, system}));
  }
  Result<void> put_status(const std::string& tenant, const std::string& system, const std::string& json) override {
    return checked(db_->Put(rocksdb::WriteOptions(), key_of('s', {tenant, system}), json));
  }

 private:
  // Calls fn(first, second, value) for every key "<kind>\x1f<first>\x1f<second>", in key order.
  template <class Fn>
  Result<void> each_of(char kind, Fn fn) {
    const std::string prefix = std::string(1, kind) + kSep;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      const std::string_view k = it->key().ToStringView().substr(prefix.size());
      const auto sep = k.find(kSep);
      if (sep != std::string_view::npos) fn(k.substr(0, sep), k.substr(sep + 1), it->value().ToStringView());
    }
    return checked(it->status());
  }

  Result<bool> has(const std::string& key) {
    auto stored = get(key);
    if (!stored) return std::unexpected(stored.error());
    return stored->has_value();
  }

  Result<std::optional<std::string>> get(const std::string& key) {
    std::string value;
    const auto s = db_->Get(rocksdb::ReadOptions(), key, &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (auto ok = checked(s); !ok) return std::unexpected(ok.error());
    return std::optional<std::string>(std::move(value));
  }

  static std::string letter_key(const std::string& tenant, const std::string& system, std::uint64_t id) {
    return key_of('L', {tenant, system, fmt::format("{:020}", id)});
  }
  static std::optional<DeadLetter> parse_letter(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return std::nullopt;
    JsonFields in{root};
    DeadLetter l;
    l.id = static_cast<std::uint64_t>(in.i64("id"));
    l.tenant = in.str("tenant");
    l.system = in.str("system");
    l.key = in.str("key");
    l.position = static_cast<std::uint64_t>(in.i64("position"));
    l.error = in.str("error");
    l.attempts = static_cast<std::uint64_t>(in.i64("attempts"));
    l.at = in.str("at");
    if (!in.ok) return std::nullopt;
    return l;
  }

  // An inbox entry: tenant, system and delivery, then the payload, each length-prefixed.
  static std::string entry(const std::string& tenant, const std::string& system, const std::string& delivery,
                           const std::string& payload) {
    std::string out;
    for (const std::string* part : {&tenant, &system, &delivery}) out += fmt::format("{}:{}", part->size(), *part);
    out += payload;
    return out;
  }
  static std::optional<InboxEntry> parse_entry(std::string_view value) {
    InboxEntry e;
    for (std::string* part : {&e.tenant, &e.system, &e.delivery}) {
      const auto colon = value.find(':');
      if (colon == std::string_view::npos) return std::nullopt;
      auto n = number(value.substr(0, colon));
      if (!n || colon + 1 + *n > value.size()) return std::nullopt;
      *part = std::string(value.substr(colon + 1, *n));
      value.remove_prefix(colon + 1 + *n);
    }
    e.payload = std::string(value);
    return e;
  }

  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions sync_;
  std::array<std::mutex, 64> stripes_;  // enqueue's check-then-write, by delivery id
  std::mutex order_mu_;                 // sequence numbers, and those being written
  std::uint64_t next_seq_ = 1;
  std::set<std::uint64_t> writing_;
  std::atomic<std::size_t> depth_{0};
  std::atomic<std::uint64_t> next_letter_{1};
};

}  // namespace

Result<std::unique_ptr<IntegrationStore>> IntegrationStore::open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  const auto s = rocksdb::DB::Open(options, dir, &db);
  if (!s.ok())
    return make_error(Errc::unavailable, "cannot open the integration store in " + dir + ": " + s.ToString());
  return std::unique_ptr<IntegrationStore>(std::make_unique<RocksIntegrationStore>(db));
}

}  // namespace ticketd
