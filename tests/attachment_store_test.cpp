// The attachment store against real RocksDB: contents are sealed under their uploader's key
// (no file holds them in clear, an erasure makes them unreadable), shared by their
// references, and releasing an attachment deletes its content only when nothing else
// references it.
#include "attachments/attachment_store.h"

#include <doctest/doctest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>
#include <iterator>

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
  auto keys = make_memory_subject_keys();
  auto store = open_attachment_store(dir.sub("attachments"), *keys);
  REQUIRE(store);
  const std::string bytes = "the same bytes, uploaded twice\n";
  const std::string sha = sha256_hex({bytes});
  const std::string file = write_file(dir, "upload", bytes);

  auto first = (*store)->put_file(file, 0, bytes.size(), "att-1", "TICK-1", "carla");
  REQUIRE(first);
  CHECK(first->sha256 == sha);
  auto second = (*store)->put_file(file, 0, bytes.size(), "att-2", "TICK-2", "carla");
  REQUIRE(second);
  CHECK(*(*store)->owner("att-1") == "TICK-1");
  CHECK(*(*store)->owner("att-2") == "TICK-2");

  REQUIRE((*store)->release("att-1", sha));
  CHECK(error_of((*store)->owner("att-1")).code == Errc::not_found);
  CHECK(*(*store)->has("carla", sha));  // att-2 still holds it
  CHECK(*(*store)->get("att-2", sha) == bytes);

  REQUIRE((*store)->release("att-2", sha));
  CHECK_FALSE(*(*store)->has("carla", sha));
  CHECK(error_of((*store)->get("att-2", sha)).code == Errc::not_found);

  // Stored again after the release: complete again.
  REQUIRE((*store)->put_file(file, 0, bytes.size(), "att-3", "TICK-3", "carla"));
  CHECK(*(*store)->get("att-3", sha) == bytes);
}

TEST_CASE("attachment store: a multi-chunk content is deleted whole, and stays deleted after a reopen") {
  TempDir dir;
  auto keys = make_memory_subject_keys();
  const std::string bytes(AttachmentStore::kChunkBytes * 2 + 17, 'z');
  const std::string sha = sha256_hex({bytes});
  const std::string file = write_file(dir, "upload", bytes);
  {
    auto store = open_attachment_store(dir.sub("attachments"), *keys);
    REQUIRE(store);
    REQUIRE((*store)->put_file(file, 0, bytes.size(), "att-1", "TICK-1", "carla"));
    REQUIRE((*store)->release("att-1", sha));
  }
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir.sub("attachments"), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  int records = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++records;
  CHECK(records == 0);  // no chunk, size, owner or reference record is left
}

TEST_CASE("attachment store: a content stored before references were recorded is never deleted") {
  TempDir dir;
  auto keys = make_memory_subject_keys();
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
  auto store = open_attachment_store(dir.sub("attachments"), *keys);
  REQUIRE(store);
  const std::string file = write_file(dir, "upload", bytes);
  REQUIRE((*store)->put_file(file, 0, bytes.size(), "att-new", "TICK-2", "carla"));
  REQUIRE((*store)->release("att-new", sha));
  CHECK(*(*store)->get("old-att", sha) == bytes);  // old-att still needs it
}

TEST_CASE("attachment store: contents are sealed under their uploader's key and unreadable after an erasure") {
  TempDir dir;
  auto keys = make_memory_subject_keys();
  const std::string bytes = "Platypus9 private scan of a passport\n" + std::string(5000, 'p');  // a blob file value
  const std::string sha = sha256_hex({bytes});
  const std::string file = write_file(dir, "upload", bytes);
  {
    auto store = open_attachment_store(dir.sub("attachments"), *keys);
    REQUIRE(store);
    REQUIRE((*store)->put_file(file, 0, bytes.size(), "att-carla", "TICK-1", "carla"));
    REQUIRE((*store)->put_file(file, 0, bytes.size(), "att-cody", "TICK-2", "cody"));  // the same bytes
    CHECK(*(*store)->get("att-carla", sha) == bytes);
    CHECK(*(*store)->has("carla", sha));
    CHECK(*(*store)->has("cody", sha));
    CHECK_FALSE(*(*store)->has("alex", sha));
  }
  // No file of the store (WAL, SSTs, blob files) holds the plaintext.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.sub("attachments"))) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string held((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK_MESSAGE(held.find("Platypus9") == std::string::npos, entry.path().string());
  }
  REQUIRE(keys->erase("carla"));
  auto store = open_attachment_store(dir.sub("attachments"), *keys);
  REQUIRE(store);
  auto erased = (*store)->get("att-carla", sha);
  REQUIRE_FALSE(erased);
  CHECK(erased.error().code == Errc::not_found);
  CHECK(erased.error().message.find("erased") != std::string::npos);
  CHECK(error_of((*store)->copy_to_file("att-carla", sha, dir.sub("download"))).code == Errc::not_found);
  CHECK_FALSE(std::filesystem::exists(dir.sub("download")));
  CHECK(*(*store)->get("att-cody", sha) == bytes);  // the other uploader's copy stays readable
}
