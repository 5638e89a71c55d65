// The attachment store against real RocksDB: contents are shared by their references, and
// releasing an attachment deletes its content only when nothing else references it.
#include "attachments/attachment_store.h"

#include <doctest/doctest.h>
#include <rocksdb/db.h>

#include <fstream>

#include "base/sha256.h"
#include "tests/error_of.h"
#include "tests/test_support.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

std::string write_file(const TempDir& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir.sub(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

}  // namespace

TEST_CASE("attachment store: release deletes a content only when no other attachment references it") {
  TempDir dir;
  auto store = open_attachment_store(dir.sub("attachments"));
  REQUIRE(store);
  const std::string bytes = "the same bytes, uploaded twice\n";
  const std::string sha = sha256_hex({bytes});
  const std::string file = write_file(dir, "upload", bytes);

  auto first = (*store)->put_file(file, 0, bytes.size(), "att-1", "TICK-1");
  REQUIRE(first);
  CHECK(first->sha256 == sha);
  auto second = (*store)->put_file(file, 0, bytes.size(), "att-2", "TICK-2");
  REQUIRE(second);
  CHECK(*(*store)->owner("att-1") == "TICK-1");
  CHECK(*(*store)->owner("att-2") == "TICK-2");

  REQUIRE((*store)->release("att-1", sha));
  CHECK(error_of((*store)->owner("att-1")).code == Errc::not_found);
  CHECK(*(*store)->has(sha));  // att-2 still holds it
  CHECK(*(*store)->get(sha) == bytes);

  REQUIRE((*store)->release("att-2", sha));
  CHECK_FALSE(*(*store)->has(sha));
  CHECK(error_of((*store)->get(sha)).code == Errc::not_found);

  // Stored again after the release: complete again.
  REQUIRE((*store)->put_file(file, 0, bytes.size(), "att-3", "TICK-3"));
  CHECK(*(*store)->get(sha) == bytes);
}

TEST_CASE("attachment store: a multi-chunk content is deleted whole, and stays deleted after a reopen") {
  TempDir dir;
  const std::string bytes(AttachmentStore::kChunkBytes * 2 + 17, 'z');
  const std::string sha = sha256_hex({bytes});
  const std::string file = write_file(dir, "upload", bytes);
  {
    auto store = open_attachment_store(dir.sub("attachments"));
    REQUIRE(store);
    REQUIRE((*store)->put_file(file, 0, bytes.size(), "att-1", "TICK-1"));
    REQUIRE((*store)->release("att-1", sha));
  }
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir.sub("attachments"), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  int keys = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++keys;
  CHECK(keys == 0);  // no chunk, size, owner or reference record is left
}

TEST_CASE("attachment store: a content stored before references were recorded is never deleted") {
  TempDir dir;
  const std::string bytes = "stored by an older ticketd\n";
  const std::string sha = sha256_hex({bytes});
  {
    // The older layout: chunks and the size record, no reference records.
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(options, dir.sub("attachments"), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    REQUIRE(db->Put(rocksdb::WriteOptions(), "c/" + sha + "/00000000", bytes).ok());
    REQUIRE(db->Put(rocksdb::WriteOptions(), "m/" + sha, std::to_string(bytes.size())).ok());
    REQUIRE(db->Put(rocksdb::WriteOptions(), "a/old-att", "TICK-1").ok());
  }
  auto store = open_attachment_store(dir.sub("attachments"));
  REQUIRE(store);
  const std::string file = write_file(dir, "upload", bytes);
  REQUIRE((*store)->put_file(file, 0, bytes.size(), "att-new", "TICK-2"));
  REQUIRE((*store)->release("att-new", sha));
  CHECK(*(*store)->get(sha) == bytes);  // old-att still needs it
}
