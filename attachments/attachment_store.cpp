#include "attachments/attachment_store.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>

#include "base/aead.h"
#include "base/sha256.h"

namespace ticketd {

namespace {

constexpr std::uint64_t kMinBlobBytes = 4096;
// Stripes of the lock that serialises storing and releasing one content.
constexpr std::size_t kContentLocks = 64;

// A content's name: "<key id>/<sha256>" for a content sealed under that key, the bare
// SHA-256 for one an older version stored in clear.
std::string content_name(const std::string& key_id, const std::string& sha) { return key_id + "/" + sha; }
bool is_sealed(const std::string& name) { return name.find('/') != std::string::npos; }
std::string key_id_of(const std::string& name) { return name.substr(0, name.find('/')); }

std::string size_key(const std::string& name) { return "m/" + name; }
std::string chunk_prefix(const std::string& name) { return "c/" + name + "/"; }
std::string chunk_key(const std::string& name, std::uint64_t index) { return fmt::format("c/{}/{:08}", name, index); }
// The additional data of a sealed chunk: its content and place, so chunks do not move.
std::string chunk_aad(const std::string& name, std::uint64_t index) {
  return fmt::format("attachment/{}/{}", name, index);
}
// "<ticket id> <content name>" (older versions wrote the ticket id alone).
std::string owner_key(const std::string& id) { return "a/" + id; }
// Present for contents whose references are recorded (stored by this version on).
std::string counted_key(const std::string& name) { return "t/" + name; }
std::string reference_prefix(const std::string& name) { return "r/" + name + "/"; }
std::string reference_key(const std::string& name, const std::string& id) { return reference_prefix(name) + id; }

Result<void> checked(const rocksdb::Status& s) {
  if (!s.ok()) return make_error(Errc::internal, "attachment store: " + s.ToString());
  return {};
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Reads [offset, offset + length) of `path` in chunks and calls `each(chunk)`.
template <class F>
Result<void> read_range(const std::string& path, std::uint64_t offset, std::uint64_t length, F&& each) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) return make_error(Errc::internal, "cannot open upload file " + path);
  if (std::fseek(f.get(), static_cast<long>(offset), SEEK_SET) != 0) {
    return make_error(Errc::internal, "cannot seek in upload file " + path);
  }
  std::string buffer(AttachmentStore::kChunkBytes, '\0');
  std::uint64_t left = length;
  while (left > 0) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
    const std::size_t got = std::fread(buffer.data(), 1, want, f.get());
    if (got != want) return make_error(Errc::internal, "short read of upload file " + path);
    if (auto r = each(std::string_view(buffer.data(), got)); !r) return r;
    left -= got;
  }
  return {};
}

class RocksDbAttachmentStore final : public AttachmentStore {
 public:
  RocksDbAttachmentStore(rocksdb::DB* db, SubjectKeys& keys) : db_(db), keys_(keys) {}

  Result<StoredContent> put_file(const std::string& path, std::uint64_t offset, std::uint64_t length,
                                 const std::string& attachment_id, const std::string& ticket_id,
                                 const std::string& uploader) override {
    Sha256 hash;
    auto hashed = read_range(path, offset, length, [&](std::string_view chunk) -> Result<void> {
      hash.update(chunk);
      return {};
    });
    if (!hashed) return std::unexpected(hashed.error());
    StoredContent out{hash.hex_digest(), length};
    auto key = keys_.key_for(uploader);
    if (!key) return std::unexpected(key.error());
    const std::string name = content_name(key->id, out.sha256);
    std::lock_guard lock(content_lock(name));
    auto present = has_content(name);
    if (!present) return std::unexpected(present.error());
    rocksdb::WriteBatch last;  // written synced: also makes the chunks before it durable (one WAL)
    if (!*present) {
      std::uint64_t index = 0;
      auto stored = read_range(path, offset, length, [&](std::string_view chunk) -> Result<void> {
        auto sealed = aead_seal(key->bytes, chunk_aad(name, index), chunk);
        if (!sealed) return std::unexpected(sealed.error());
        const std::string value = sealed->nonce + sealed->ciphertext + sealed->tag;
        return checked(db_->Put(rocksdb::WriteOptions(), chunk_key(name, index++), value));
      });
      if (!stored) return std::unexpected(stored.error());
      last.Put(size_key(name), std::to_string(length));
      last.Put(counted_key(name), "");
    }
    last.Put(reference_key(name, attachment_id), "");
    last.Put(owner_key(attachment_id), ticket_id + " " + name);
    rocksdb::WriteOptions synced;
    synced.sync = true;
    if (auto w = checked(db_->Write(synced, &last)); !w) return std::unexpected(w.error());
    return out;
  }

  Result<void> release(const std::string& attachment_id, const std::string& sha256) override {
    auto name = content_of(attachment_id, sha256);
    if (!name) return name.error().code == Errc::not_found ? Result<void>{} : std::unexpected(name.error());
    std::lock_guard lock(content_lock(*name));
    rocksdb::WriteBatch batch;
    batch.Delete(owner_key(attachment_id));
    batch.Delete(reference_key(*name, attachment_id));
    std::string ignored;
    const bool counted = db_->Get(rocksdb::ReadOptions(), counted_key(*name), &ignored).ok();
    if (counted && !has_prefix(reference_prefix(*name), reference_key(*name, attachment_id))) {
      batch.Delete(size_key(*name));  // the content is invisible from this batch on
      batch.Delete(counted_key(*name));
      const std::string chunks = chunk_prefix(*name);
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
      for (it->Seek(chunks); it->Valid() && it->key().starts_with(chunks); it->Next()) batch.Delete(it->key());
      if (auto s = checked(it->status()); !s) return s;
    }
    return checked(db_->Write(rocksdb::WriteOptions(), &batch));
  }

  Result<std::string> get(const std::string& attachment_id, const std::string& sha256) const override {
    std::string out;
    auto read =
        for_each_chunk(attachment_id, sha256, [&](std::uint64_t size, const std::string& chunk) -> Result<void> {
          if (out.empty()) out.reserve(size);
          out += chunk;
          return {};
        });
    if (!read) return std::unexpected(read.error());
    return out;
  }

  Result<std::uint64_t> copy_to_file(const std::string& attachment_id, const std::string& sha256,
                                     const std::string& path) const override {
    File f(std::fopen(path.c_str(), "wb"));
    if (!f) return make_error(Errc::internal, "cannot create download file " + path);
    std::uint64_t total = 0;
    auto copied =
        for_each_chunk(attachment_id, sha256, [&](std::uint64_t size, const std::string& chunk) -> Result<void> {
          total = size;
          if (std::fwrite(chunk.data(), 1, chunk.size(), f.get()) != chunk.size()) {
            return make_error(Errc::internal, "cannot write download file " + path);
          }
          return {};
        });
    const bool closed = std::fclose(f.release()) == 0;
    if (!copied || !closed) {
      std::remove(path.c_str());
      if (!copied) return std::unexpected(copied.error());
      return make_error(Errc::internal, "cannot write download file " + path);
    }
    return total;
  }

  Result<bool> has(const std::string& uploader, const std::string& sha256) const override {
    auto ids = keys_.key_ids(uploader);
    if (!ids) return std::unexpected(ids.error());
    for (const std::string& key_id : *ids) {
      auto present = has_content(content_name(key_id, sha256));
      if (!present || *present) return present;
    }
    return false;
  }

  Result<std::string> owner(const std::string& attachment_id) const override {
    auto record = owner_record(attachment_id);
    if (!record) return std::unexpected(record.error());
    return record->substr(0, record->find(' '));
  }

 private:
  Result<std::string> owner_record(const std::string& attachment_id) const {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), owner_key(attachment_id), &value);
    if (s.IsNotFound()) return make_error(Errc::not_found, "attachment not found");
    if (!s.ok()) return make_error(Errc::internal, "attachment store: " + s.ToString());
    return value;
  }

  // The content name of an attachment: from its owner record, or `sha256` (an older
  // version's record holds the ticket id alone).
  Result<std::string> content_of(const std::string& attachment_id, const std::string& sha256) const {
    auto record = owner_record(attachment_id);
    if (!record) return std::unexpected(record.error());
    const auto space = record->find(' ');
    if (space == std::string::npos) return sha256;
    return record->substr(space + 1);
  }

  Result<bool> has_content(const std::string& name) const {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), size_key(name), &value);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return make_error(Errc::internal, "attachment store: " + s.ToString());
    return true;
  }

  // Calls `each(size of the content, chunk)` for the (opened) chunks of an attachment's
  // content, in order (one chunk in memory at a time); Errc::not_found for no such content
  // or an erased uploader.
  template <class F>
  Result<void> for_each_chunk(const std::string& attachment_id, const std::string& sha256, F&& each) const {
    auto name = content_of(attachment_id, sha256);
    if (!name) return std::unexpected(name.error());
    std::string size_text;
    auto s = db_->Get(rocksdb::ReadOptions(), size_key(*name), &size_text);
    if (s.IsNotFound()) return make_error(Errc::not_found, "no such content");
    if (!s.ok()) return make_error(Errc::internal, "attachment store: " + s.ToString());
    std::optional<std::string> key;
    if (is_sealed(*name)) {
      auto found = keys_.key(key_id_of(*name));
      if (!found) return std::unexpected(found.error());
      if (!*found) return make_error(Errc::not_found, "the attachment's content was erased with its uploader's data");
      key = std::move(*found);
    }
    const std::uint64_t size = std::stoull(size_text);
    std::string chunk;
    for (std::uint64_t index = 0, done = 0; done < size; ++index) {
      s = db_->Get(rocksdb::ReadOptions(), chunk_key(*name, index), &chunk);
      if (!s.ok()) return make_error(Errc::internal, "attachment store: missing chunk: " + s.ToString());
      if (key) {
        if (chunk.size() < kAeadNonceBytes + kAeadTagBytes) return make_error(Errc::internal, "a chunk is too short");
        // Split in place: the ciphertext keeps the chunk's buffer (one copy fewer per MiB).
        Sealed sealed{chunk.substr(0, kAeadNonceBytes), {}, chunk.substr(chunk.size() - kAeadTagBytes)};
        chunk.resize(chunk.size() - kAeadTagBytes);
        chunk.erase(0, kAeadNonceBytes);
        sealed.ciphertext = std::move(chunk);
        auto opened = aead_open(*key, chunk_aad(*name, index), sealed);
        if (!opened) return make_error(Errc::internal, "a chunk does not open: " + opened.error().message);
        chunk = std::move(*opened);
      }
      done += chunk.size();
      if (auto r = each(size, chunk); !r) return r;
    }
    return {};
  }

  std::mutex& content_lock(const std::string& name) {
    return content_locks_[std::hash<std::string>{}(name) % kContentLocks];
  }

  // Whether a key with `prefix` other than `except` exists.
  bool has_prefix(const std::string& prefix, const std::string& except) const {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (it->key() != except) return true;
    }
    return !it->status().ok();  // when unsure, keep the content
  }

  std::unique_ptr<rocksdb::DB> db_;
  SubjectKeys& keys_;
  std::array<std::mutex, kContentLocks> content_locks_;
};

}  // namespace

Result<std::unique_ptr<AttachmentStore>> open_attachment_store(const std::string& dir, SubjectKeys& keys) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.enable_blob_files = true;
  options.min_blob_size = kMinBlobBytes;
  options.max_background_jobs = 1;
  rocksdb::DB* db = nullptr;
  auto s = rocksdb::DB::Open(options, dir, &db);
  if (!s.ok()) return make_error(Errc::unavailable, "cannot open the attachment store: " + s.ToString());
  return std::unique_ptr<AttachmentStore>(std::make_unique<RocksDbAttachmentStore>(db, keys));
}

}  // namespace ticketd
