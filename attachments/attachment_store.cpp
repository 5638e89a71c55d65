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

#include "base/sha256.h"

namespace ticketd {

namespace {

constexpr std::uint64_t kMinBlobBytes = 4096;
// Stripes of the lock that serialises storing and releasing one content.
constexpr std::size_t kContentLocks = 64;

std::string size_key(const std::string& sha) { return "m/" + sha; }
std::string chunk_prefix(const std::string& sha) { return "c/" + sha + "/"; }
std::string chunk_key(const std::string& sha, std::uint64_t index) { return fmt::format("c/{}/{:08}", sha, index); }
std::string owner_key(const std::string& id) { return "a/" + id; }
// Present for contents whose references are recorded (stored by this version on).
std::string counted_key(const std::string& sha) { return "t/" + sha; }
std::string reference_prefix(const std::string& sha) { return "r/" + sha + "/"; }
std::string reference_key(const std::string& sha, const std::string& id) { return reference_prefix(sha) + id; }

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
  explicit RocksDbAttachmentStore(rocksdb::DB* db) : db_(db) {}

  Result<StoredContent> put_file(const std::string& path, std::uint64_t offset, std::uint64_t length,
                                 const std::string& attachment_id, const std::string& ticket_id) override {
    Sha256 hash;
    auto hashed = read_range(path, offset, length, [&](std::string_view chunk) -> Result<void> {
      hash.update(chunk);
      return {};
    });
    if (!hashed) return std::unexpected(hashed.error());
    StoredContent out{hash.hex_digest(), length};
    std::lock_guard lock(content_lock(out.sha256));
    auto present = has(out.sha256);
    if (!present) return std::unexpected(present.error());
    rocksdb::WriteBatch last;  // written synced: also makes the chunks before it durable (one WAL)
    if (!*present) {
      std::uint64_t index = 0;
      auto stored = read_range(path, offset, length, [&](std::string_view chunk) -> Result<void> {
        return checked(db_->Put(rocksdb::WriteOptions(), chunk_key(out.sha256, index++),
                                rocksdb::Slice(chunk.data(), chunk.size())));
      });
      if (!stored) return std::unexpected(stored.error());
      last.Put(size_key(out.sha256), std::to_string(length));
      last.Put(counted_key(out.sha256), "");
    }
    last.Put(reference_key(out.sha256, attachment_id), "");
    last.Put(owner_key(attachment_id), ticket_id);
    rocksdb::WriteOptions synced;
    synced.sync = true;
    if (auto w = checked(db_->Write(synced, &last)); !w) return std::unexpected(w.error());
    return out;
  }

  Result<void> release(const std::string& attachment_id, const std::string& sha256) override {
    std::lock_guard lock(content_lock(sha256));
    rocksdb::WriteBatch batch;
    batch.Delete(owner_key(attachment_id));
    batch.Delete(reference_key(sha256, attachment_id));
    std::string ignored;
    const bool counted = db_->Get(rocksdb::ReadOptions(), counted_key(sha256), &ignored).ok();
    if (counted && !has_prefix(reference_prefix(sha256), reference_key(sha256, attachment_id))) {
      batch.Delete(size_key(sha256));  // the content is invisible from this batch on
      batch.Delete(counted_key(sha256));
      const std::string chunks = chunk_prefix(sha256);
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
      for (it->Seek(chunks); it->Valid() && it->key().starts_with(chunks); it->Next()) batch.Delete(it->key());
      if (auto s = checked(it->status()); !s) return s;
    }
    return checked(db_->Write(rocksdb::WriteOptions(), &batch));
  }

  Result<std::string> get(const std::string& sha256) const override {
    std::string out;
    auto read = for_each_chunk(sha256, [&](std::uint64_t size, const std::string& chunk) -> Result<void> {
      if (out.empty()) out.reserve(size);
      out += chunk;
      return {};
    });
    if (!read) return std::unexpected(read.error());
    return out;
  }

  Result<std::uint64_t> copy_to_file(const std::string& sha256, const std::string& path) const override {
    File f(std::fopen(path.c_str(), "wb"));
    if (!f) return make_error(Errc::internal, "cannot create download file " + path);
    std::uint64_t total = 0;
    auto copied = for_each_chunk(sha256, [&](std::uint64_t size, const std::string& chunk) -> Result<void> {
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

  Result<bool> has(const std::string& sha256) const override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), size_key(sha256), &value);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return make_error(Errc::internal, "attachment store: " + s.ToString());
    return true;
  }

  Result<std::string> owner(const std::string& attachment_id) const override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), owner_key(attachment_id), &value);
    if (s.IsNotFound()) return make_error(Errc::not_found, "attachment not found");
    if (!s.ok()) return make_error(Errc::internal, "attachment store: " + s.ToString());
    return value;
  }

 private:
  // Calls `each(size of the content, chunk)` for the chunks of a content, in order (one
  // chunk in memory at a time); Errc::not_found for no such content.
  template <class F>
  Result<void> for_each_chunk(const std::string& sha256, F&& each) const {
    std::string size_text;
    auto s = db_->Get(rocksdb::ReadOptions(), size_key(sha256), &size_text);
    if (s.IsNotFound()) return make_error(Errc::not_found, "no such content");
    if (!s.ok()) return make_error(Errc::internal, "attachment store: " + s.ToString());
    const std::uint64_t size = std::stoull(size_text);
    std::string chunk;
    for (std::uint64_t index = 0, done = 0; done < size; ++index) {
      s = db_->Get(rocksdb::ReadOptions(), chunk_key(sha256, index), &chunk);
      if (!s.ok()) return make_error(Errc::internal, "attachment store: missing chunk: " + s.ToString());
      done += chunk.size();
      if (auto r = each(size, chunk); !r) return r;
    }
    return {};
  }

  std::mutex& content_lock(const std::string& sha256) {
    return content_locks_[std::hash<std::string>{}(sha256) % kContentLocks];
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
  std::array<std::mutex, kContentLocks> content_locks_;
};

}  // namespace

Result<std::unique_ptr<AttachmentStore>> open_attachment_store(const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.enable_blob_files = true;
  options.min_blob_size = kMinBlobBytes;
  options.max_background_jobs = 1;
  rocksdb::DB* db = nullptr;
  auto s = rocksdb::DB::Open(options, dir, &db);
  if (!s.ok()) return make_error(Errc::unavailable, "cannot open the attachment store: " + s.ToString());
  return std::unique_ptr<AttachmentStore>(std::make_unique<RocksDbAttachmentStore>(db));
}

}  // namespace ticketd
