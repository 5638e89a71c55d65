#include "attachments/attachment_store.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <cstdio>
#include <memory>

#include "base/sha256.h"

namespace ticketd {

namespace {

constexpr std::uint64_t kMinBlobBytes = 4096;

std::string size_key(const std::string& sha) { return "m/" + sha; }
std::string chunk_key(const std::string& sha, std::uint64_t index) { return fmt::format("c/{}/{:08}", sha, index); }
std::string owner_key(const std::string& id) { return "a/" + id; }

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

  Result<StoredContent> put_file(const std::string& path, std::uint64_t offset, std::uint64_t length) override {
    Sha256 hash;
    auto hashed = read_range(path, offset, length, [&](std::string_view chunk) -> Result<void> {
      hash.update(chunk);
      return {};
    });
    if (!hashed) return std::unexpected(hashed.error());
    StoredContent out{hash.hex_digest(), length};
    auto present = has(out.sha256);
    if (!present) return std::unexpected(present.error());
    if (*present) return out;
    std::uint64_t index = 0;
    auto stored = read_range(path, offset, length, [&](std::string_view chunk) -> Result<void> {
      auto s =
          db_->Put(rocksdb::WriteOptions(), chunk_key(out.sha256, index++), rocksdb::Slice(chunk.data(), chunk.size()));
      if (!s.ok()) return make_error(Errc::internal, "attachment store: " + s.ToString());
      return {};
    });
    if (!stored) return std::unexpected(stored.error());
    rocksdb::WriteOptions synced;
    synced.sync = true;  // also makes the chunks before it durable (one WAL)
    auto s = db_->Put(synced, size_key(out.sha256), std::to_string(length));
    if (!s.ok()) return make_error(Errc::internal, "attachment store: " + s.ToString());
    return out;
  }

  Result<std::string> get(const std::string& sha256) const override {
    std::string size_text;
    auto s = db_->Get(rocksdb::ReadOptions(), size_key(sha256), &size_text);
    if (s.IsNotFound()) return make_error(Errc::not_found, "no such content");
    if (!s.ok()) return make_error(Errc::internal, "attachment store: " + s.ToString());
    const std::uint64_t size = std::stoull(size_text);
    std::string out;
    out.reserve(size);
    std::string chunk;
    for (std::uint64_t index = 0; out.size() < size; ++index) {
      s = db_->Get(rocksdb::ReadOptions(), chunk_key(sha256, index), &chunk);
      if (!s.ok()) return make_error(Errc::internal, "attachment store: missing chunk: " + s.ToString());
      out += chunk;
    }
    return out;
  }

  Result<bool> has(const std::string& sha256) const override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), size_key(sha256), &value);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return make_error(Errc::internal, "attachment store: " + s.ToString());
    return true;
  }

  Result<void> put_owner(const std::string& attachment_id, const std::string& ticket_id) override {
    rocksdb::WriteOptions synced;
    synced.sync = true;
    auto s = db_->Put(synced, owner_key(attachment_id), ticket_id);
    if (!s.ok()) return make_error(Errc::internal, "attachment store: " + s.ToString());
    return {};
  }

  Result<std::string> owner(const std::string& attachment_id) const override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), owner_key(attachment_id), &value);
    if (s.IsNotFound()) return make_error(Errc::not_found, "attachment not found");
    if (!s.ok()) return make_error(Errc::internal, "attachment store: " + s.ToString());
    return value;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
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
