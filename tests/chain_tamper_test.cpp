// Tamper detection: change stored bytes behind the store's back; verify names the position.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <rocksdb/db.h>

#include <functional>

#include "eventstore/chain_verifier.h"
#include "eventstore/event_store.h"
#include "eventstore/keys.h"
#include "tests/process_support.h"
#include "tests/test_support.h"

using namespace ticketd;
using ticketd::test::make_event;
using ticketd::test::run_command;
using ticketd::test::TempDir;

namespace {

void fill(const std::string& dir, int events) {
  auto store = std::move(*open_rocksdb_event_store(dir));
  for (int i = 0; i < events; ++i) {
    REQUIRE(store->append(
        "t" + std::to_string(i % 3), ExpectedVersion::any(),
        {make_event("e" + std::to_string(i), "ticket.commented", R"({"body":"the printer is on fire"})")}));
  }
}

// Applies `edit` to the stored bytes at `position`, directly in RocksDB.
template <class Edit>
void tamper(const std::string& dir, std::uint64_t position, Edit edit) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name : {rocksdb::kDefaultColumnFamilyName.c_str(), keys::kLogFamily, keys::kStreamIndexFamily,
                           keys::kEventIdsFamily, keys::kSnapshotsFamily, keys::kMetaFamily}) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, families, &handles, &db).ok());
  std::string value;
  REQUIRE(db->Get(rocksdb::ReadOptions(), handles[1], keys::be64(position), &value).ok());
  edit(value);
  REQUIRE(db->Put(rocksdb::WriteOptions(), handles[1], keys::be64(position), value).ok());
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

void flip_byte(std::string& value, std::string_view inside) {
  const auto at = value.find(inside);
  REQUIRE(at != std::string::npos);
  value[at] ^= 0x01;
}

}  // namespace

TEST_CASE("an untouched log verifies, in process and with ticketctl") {
  TempDir dir;
  fill(dir.sub("events"), 12);
  auto store = std::move(*open_rocksdb_event_store(dir.sub("events")));
  auto report = verify_chain(*store);
  REQUIRE(report);
  CHECK(report->ok);
  CHECK(report->head.position == 12);
  const auto head = store->head();
  store.reset();
  auto r = run_command(std::string(TICKETCTL_PATH) + " --data-dir " + dir.str() + " verify");
  CHECK(r.exit_code == 0);
  CHECK(r.out == fmt::format("ok: 12 records, head position 12 hash {}\n", head.hash));
}

TEST_CASE("changing one byte of a stored record is detected at that position") {
  struct Case {
    const char* name;
    std::uint64_t position;
    std::function<void(std::string&)> edit;
    const char* reason;
  };
  const Case cases[] = {
      {"a byte of the data", 5, [](std::string& v) { flip_byte(v, "printer"); },
       "hash does not match the record's bytes"},
      {"a byte of the actor", 9, [](std::string& v) { flip_byte(v, "agent"); },
       "hash does not match the record's bytes"},
      {"a byte of the stored hash", 3, [](std::string& v) { v[v.size() - 5] ^= 0x01; },
       "hash does not match the record's bytes"},
      {"a byte that breaks the JSON", 7, [](std::string& v) { v[0] = '['; }, "record unreadable"},
      {"the position field", 2, [](std::string& v) { v.replace(0, 13, "{\"position\":4"); },
       "record claims position 4"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    TempDir dir;
    fill(dir.sub("events"), 12);
    tamper(dir.sub("events"), c.position, c.edit);

    auto store = std::move(*open_rocksdb_event_store(dir.sub("events")));
    auto report = verify_chain(*store);
    REQUIRE(report);
    CHECK_FALSE(report->ok);
    CHECK(report->broken_at == c.position);
    CHECK(report->reason.starts_with(c.reason));
    store.reset();

    auto r = run_command(std::string(TICKETCTL_PATH) + " --data-dir " + dir.str() + " verify");
    CHECK(r.exit_code == 1);
    CHECK(r.out.starts_with(fmt::format("broken at position {}: ", c.position)));
  }
}
