#include "privacy/subject_key_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <mutex>

#include "base/aead.h"

namespace ticketd {

namespace {

std::string key_record(const std::string& id) { return "k/" + id; }
constexpr std::string_view kSubjectPrefix = "s/";
std::string subject_record(const std::string& subject) { return std::string(kSubjectPrefix) + subject; }
// The subject of a key id (written with the key; an older store's keys have none, and
// subject_of() finds them through the "s/" records).
std::string owner_record(const std::string& id) { return "o/" + id; }
// Present while a subject's erasure is not recorded in the log yet.
constexpr std::string_view kPendingPrefix = "p/";
std::string pending_record(const std::string& subject) { return std::string(kPendingPrefix) + subject; }

Result<void> checked(const rocksdb::Status& s) {
  if (!s.ok()) return make_error(Errc::internal, "key store: " + s.ToString());
  return {};
}

std::vector<std::string> split_ids(const std::string& joined) {
  std::vector<std::string> ids;
  std::size_t from = 0;
  while (from < joined.size()) {
    auto comma = joined.find(',', from);
    if (comma == std::string::npos) comma = joined.size();
    ids.push_back(joined.substr(from, comma - from));
    from = comma + 1;
  }
  return ids;
}

class SubjectKeyStore final : public SubjectKeys {
 public:
  SubjectKeyStore(rocksdb::DB* db, bool read_only) : db_(db), read_only_(read_only) {}

  Result<SubjectKey> key_for(const std::string& subject) override {
    if (auto ok = check_subject(subject); !ok) return std::unexpected(ok.error());
    if (read_only_) return refused();
    std::lock_guard lock(write_mu_);  // one new key per subject, however many ask at once
    auto ids = key_ids(subject);
    if (!ids) return std::unexpected(ids.error());
    if (!ids->empty()) {
      auto live = key(ids->back());
      if (!live) return std::unexpected(live.error());
      if (*live) return SubjectKey{ids->back(), std::move(**live)};
    }
    SubjectKey created{new_key_id(), random_bytes(kAeadKeyBytes)};
    std::string joined;
    for (const auto& id : *ids) joined += id + ",";
    joined += created.id;
    if (auto ok = write_key(subject, joined, created); !ok) return std::unexpected(ok.error());
    return created;
  }

  Result<std::optional<std::string>> subject_of(const std::string& key_id) const override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), owner_record(key_id), &value);
    if (s.ok()) return std::optional<std::string>(std::move(value));
    if (!s.IsNotFound()) return std::unexpected(checked(s).error());
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(kSubjectPrefix); it->Valid() && it->key().starts_with(kSubjectPrefix); it->Next()) {
      for (const auto& id : split_ids(it->value().ToString())) {
        if (id == key_id) return std::optional<std::string>(it->key().ToString().substr(kSubjectPrefix.size()));
      }
    }
    if (auto ok = checked(it->status()); !ok) return std::unexpected(ok.error());
    return std::optional<std::string>();
  }

  Result<void> adopt(const std::string& subject, const SubjectKey& key) override {
    if (auto ok = check_subject(subject); !ok) return std::unexpected(ok.error());
    if (key.bytes.size() != kAeadKeyBytes) return make_error(Errc::validation, "a key is 32 bytes");
    if (read_only_) return refused();
    std::lock_guard lock(write_mu_);
    auto held = this->key(key.id);
    if (!held) return std::unexpected(held.error());
    if (*held) return {};
    auto owner = subject_of(key.id);
    if (!owner) return std::unexpected(owner.error());
    if (*owner) return make_error(Errc::conflict, "key " + key.id + " was destroyed here");
    auto ids = key_ids(subject);
    if (!ids) return std::unexpected(ids.error());
    std::string joined;
    for (const auto& id : *ids) joined += id + ",";
    joined += key.id;
    return write_key(subject, joined, key);
  }

  Result<std::optional<std::string>> key(const std::string& key_id) const override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), key_record(key_id), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (auto ok = checked(s); !ok) return std::unexpected(ok.error());
    return std::optional<std::string>(std::move(value));
  }

  Result<std::vector<std::string>> key_ids(const std::string& subject) const override {
    std::string joined;
    auto s = db_->Get(rocksdb::ReadOptions(), subject_record(subject), &joined);
    if (s.IsNotFound()) return std::vector<std::string>();
    if (auto ok = checked(s); !ok) return std::unexpected(ok.error());
    return split_ids(joined);
  }

  Result<std::size_t> erase(const std::string& subject) override {
    if (auto ok = check_subject(subject); !ok) return std::unexpected(ok.error());
    if (read_only_) return refused();
    std::lock_guard lock(write_mu_);
    auto ids = key_ids(subject);
    if (!ids) return std::unexpected(ids.error());
    rocksdb::WriteBatch batch;
    std::size_t live = 0;
    for (const auto& id : *ids) {
      auto k = key(id);
      if (!k) return std::unexpected(k.error());
      if (!*k) continue;
      ++live;
      batch.Delete(key_record(id));
    }
    if (live == 0) return std::size_t{0};
    batch.Put(pending_record(subject), "");
    rocksdb::WriteOptions synced;
    synced.sync = true;
    if (auto ok = checked(db_->Write(synced, &batch)); !ok) return std::unexpected(ok.error());
    // The deletion is durable; now push the destroyed bytes out of the memtable's WAL and
    // every SST: a flush retires the WAL that held them, a full compaction drops them.
    if (auto ok = checked(db_->Flush(rocksdb::FlushOptions())); !ok) return std::unexpected(ok.error());
    rocksdb::CompactRangeOptions compact;
    compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    if (auto ok = checked(db_->CompactRange(compact, nullptr, nullptr)); !ok) return std::unexpected(ok.error());
    return live;
  }

  Result<std::vector<std::string>> pending_erasures() const override {
    std::vector<std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(kPendingPrefix); it->Valid() && it->key().starts_with(kPendingPrefix); it->Next()) {
      out.push_back(it->key().ToString().substr(kPendingPrefix.size()));
    }
    if (auto ok = checked(it->status()); !ok) return std::unexpected(ok.error());
    return out;
  }

  Result<void> erasure_recorded(const std::string& subject) override {
    if (read_only_) return refused();
    rocksdb::WriteOptions synced;
    synced.sync = true;
    return checked(db_->Delete(synced, pending_record(subject)));
  }

 private:
  // The key, its owner and the subject's new id list, in one synced write.
  Result<void> write_key(const std::string& subject, const std::string& joined_ids, const SubjectKey& key) {
    rocksdb::WriteBatch batch;
    batch.Put(key_record(key.id), key.bytes);
    batch.Put(owner_record(key.id), subject);
    batch.Put(subject_record(subject), joined_ids);
    rocksdb::WriteOptions synced;
    synced.sync = true;
    return checked(db_->Write(synced, &batch));
  }

  static std::unexpected<Error> refused() { return make_error(Errc::unavailable, "the key store is open read-only"); }

  std::unique_ptr<rocksdb::DB> db_;
  const bool read_only_;
  std::mutex write_mu_;
};

rocksdb::Options store_options() {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_background_jobs = 1;
  options.WAL_ttl_seconds = 0;  // retired WAL files are deleted, never archived
  options.WAL_size_limit_MB = 0;
  options.recycle_log_file_num = 0;  // nor reused with old bytes in them
  // Uncompressed: the store is small, and a key's bytes stay contiguous in its files, so a
  // byte scan (the erasure tests) can tell whether they are gone.
  options.compression = rocksdb::kNoCompression;
  options.bottommost_compression = rocksdb::kNoCompression;
  return options;
}

}  // namespace

Result<std::unique_ptr<SubjectKeys>> open_subject_key_store(const std::string& dir, bool read_only) {
  rocksdb::DB* db = nullptr;
  auto options = store_options();
  options.create_if_missing = !read_only;
  auto s = read_only ? rocksdb::DB::OpenForReadOnly(options, dir, &db) : rocksdb::DB::Open(options, dir, &db);
  if (!s.ok()) return make_error(Errc::unavailable, "cannot open the key store: " + s.ToString());
  return std::unique_ptr<SubjectKeys>(std::make_unique<SubjectKeyStore>(db, read_only));
}

Result<void> restore_subject_key_store(const std::string& backup_dir, const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) return make_error(Errc::validation, dir + " exists; restore into a new path");
  if (!std::filesystem::is_directory(backup_dir, ec)) return make_error(Errc::not_found, "no backup in " + backup_dir);
  {  // the backup must open as a key store before anything is copied
    auto check = open_subject_key_store(backup_dir, true);
    if (!check) return std::unexpected(check.error());
  }
  std::filesystem::copy(backup_dir, dir, std::filesystem::copy_options::recursive, ec);
  if (ec) return make_error(Errc::unavailable, "cannot copy the backup: " + ec.message());
  auto opened = open_subject_key_store(dir);
  if (!opened) return std::unexpected(opened.error());
  return {};
}

Result<void> backup_subject_key_store(const std::string& dir, const std::string& backup_dir) {
  auto options = store_options();
  options.create_if_missing = false;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) return make_error(Errc::unavailable, "cannot open the key store: " + s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::Checkpoint* raw_checkpoint = nullptr;
  if (auto ok = checked(rocksdb::Checkpoint::Create(db.get(), &raw_checkpoint)); !ok) return ok;
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw_checkpoint);
  return checked(checkpoint->CreateCheckpoint(backup_dir));
}

}  // namespace ticketd
