// The hash chain, checked from outside: every hash recomputed with OpenSSL from the bytes
// docs/event-log.md says the chain covers (the lines of `ticketctl dump`), and tampering
// behind the store's back (a changed byte, a deleted, truncated or swapped record, a stale
// head) detected by `ticketctl verify` and by verify_chain at the right position.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <rocksdb/db.h>

#include <functional>
#include <sstream>

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

constexpr int kRecords = 12;

// Appends kRecords events over three streams; the payloads hold escapes and non-ASCII
// bytes, so the recomputation below covers the bytes as stored, not a re-encoding.
void fill(const std::string& dir) {
  auto store = std::move(*open_rocksdb_event_store(dir));
  for (int i = 0; i < kRecords; ++i) {
    REQUIRE(store->append("t" + std::to_string(i % 3), ExpectedVersion::any(),
                          {make_event("e" + std::to_string(i), "ticket.commented",
                                      R"({"body":"the printer is on fire \"again\" \u00e9 caf)"
                                      "\xc3\xa9"
                                      R"(","n":1.50})")}));
  }
}

std::string ctl(const TempDir& dir, const std::string& args) {
  return fmt::format("{} --data-dir {} {}", TICKETCTL_PATH, dir.str(), args);
}

// SHA-256 as lowercase hex, straight from OpenSSL.
std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  REQUIRE(EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) == 1);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

// The documented recipe (docs/event-log.md, "The hash chain"), applied to the lines of
// `ticketctl dump`: each line ends in the 154-byte tail ,"prev_hash":"<64 hex>","hash":"<64 hex>"};
// its canonical bytes are the line without that tail, plus "}"; hash = SHA-256(prev ++ canonical);
// the first prev is 64 '0's and each later prev is the previous line's hash. Returns the last hash.
std::string recompute_chain(const std::string& dump_output, int expected_lines) {
  constexpr std::size_t kTail = 154;
  const std::string tail_start = R"(,"prev_hash":")";
  const std::string tail_middle = R"(","hash":")";
  std::string prev(64, '0');
  std::istringstream lines(dump_output);
  std::string line;
  int position = 0;
  while (std::getline(lines, line)) {
    ++position;
    CAPTURE(position);
    REQUIRE(line.size() > kTail);
    REQUIRE(line.starts_with(fmt::format(R"({{"position":{},)", position)));
    const std::string tail = line.substr(line.size() - kTail);
    REQUIRE(tail.starts_with(tail_start));
    REQUIRE(tail.substr(tail_start.size() + 64, tail_middle.size()) == tail_middle);
    REQUIRE(tail.ends_with("\"}"));
    const std::string stored_prev = tail.substr(tail_start.size(), 64);
    const std::string stored_hash = tail.substr(tail_start.size() + 64 + tail_middle.size(), 64);
    const std::string canonical = line.substr(0, line.size() - kTail) + "}";
    CHECK(stored_prev == prev);
    CHECK(stored_hash == sha256_hex(prev + canonical));
    prev = stored_hash;
  }
  CHECK(position == expected_lines);
  return prev;
}

// Opens the store's RocksDB directly (no EventStore) and hands `edit` the database and the
// handles of the default (head) and log column families.
void tamper(const std::string& dir,
            const std::function<void(rocksdb::DB&, rocksdb::ColumnFamilyHandle*, rocksdb::ColumnFamilyHandle*)>& edit) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name : {rocksdb::kDefaultColumnFamilyName.c_str(), keys::kLogFamily, keys::kStreamIndexFamily,
                           keys::kEventIdsFamily, keys::kSnapshotsFamily, keys::kMetaFamily}) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, families, &handles, &db).ok());
  edit(*db, handles[0], handles[1]);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

std::string get(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
  std::string value;
  REQUIRE(db.Get(rocksdb::ReadOptions(), cf, key, &value).ok());
  return value;
}

void put(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf, const std::string& key, const std::string& value) {
  REQUIRE(db.Put(rocksdb::WriteOptions(), cf, key, value).ok());
}

void erase(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
  REQUIRE(db.Delete(rocksdb::WriteOptions(), cf, key).ok());
}

std::string record(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* log, std::uint64_t position) {
  return get(db, log, keys::be64(position));
}

// The record's "hash" field: the 64 hex digits before its closing "}.
std::string hash_of(const std::string& stored) { return stored.substr(stored.size() - 2 - 64, 64); }

// The stored record with its leading {"position":N, rewritten to `position`.
std::string renumbered(const std::string& stored, std::uint64_t position) {
  const std::string head = R"({"position":)";
  REQUIRE(stored.starts_with(head));
  const std::size_t comma = stored.find(',');
  return head + std::to_string(position) + stored.substr(comma);
}

void set_head(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* def, std::uint64_t position, const std::string& hash) {
  put(db, def, std::string(keys::kHead), keys::be64(position) + hash);
}

void flip_byte(std::string& value, std::string_view inside) {
  const auto at = value.find(inside);
  REQUIRE(at != std::string::npos);
  value[at] ^= 0x01;
}

}  // namespace

TEST_CASE("an untouched log verifies, and every hash recomputes from the documented recipe with OpenSSL") {
  TempDir dir;
  fill(dir.sub("events"));
  auto dump = run_command(ctl(dir, fmt::format("dump --sealed --after 0 --limit {}", kRecords)));
  REQUIRE(dump.exit_code == 0);
  const std::string last = recompute_chain(dump.out, kRecords);

  auto store = std::move(*open_rocksdb_event_store(dir.sub("events")));
  auto report = verify_chain(*store);
  REQUIRE(report);
  CHECK(report->ok);
  CHECK(report->checked == kRecords);
  CHECK(report->head.position == kRecords);
  CHECK(report->head.hash == last);
  CHECK(store->head().hash == last);
  store.reset();
  auto r = run_command(ctl(dir, "verify"));
  CHECK(r.exit_code == 0);
  CHECK(r.out == fmt::format("ok: {} records, head position {} hash {}\n", kRecords, kRecords, last));
}

TEST_CASE("tampering with stored records or the head is detected at its position") {
  using Db = rocksdb::DB;
  using Cf = rocksdb::ColumnFamilyHandle;
  struct Case {
    const char* name;
    std::function<void(Db&, Cf* def, Cf* log)> edit;
    std::uint64_t position;  // where verify reports the break
    const char* reason;
  };
  auto changed = [](std::uint64_t position, std::function<void(std::string&)> change) {
    return [position, change](Db& db, Cf*, Cf* log) {
      std::string value = record(db, log, position);
      change(value);
      put(db, log, keys::be64(position), value);
    };
  };
  const Case cases[] = {
      // One byte changed.
      {"a byte of the data", changed(5, [](std::string& v) { flip_byte(v, "printer"); }), 5,
       "hash does not match the record's bytes"},
      {"a byte of the actor", changed(9, [](std::string& v) { flip_byte(v, "agent"); }), 9,
       "hash does not match the record's bytes"},
      {"a byte of the stored hash", changed(3, [](std::string& v) { v[v.size() - 5] ^= 0x01; }), 3,
       "hash does not match the record's bytes"},
      {"a byte that breaks the JSON", changed(7, [](std::string& v) { v[0] = '['; }), 7, "record unreadable"},
      {"the position field", changed(2, [](std::string& v) { v = renumbered(v, 4); }), 2, "record claims position 4"},
      // Whole records.
      {"a record deleted from the middle", [](Db& db, Cf*, Cf* log) { erase(db, log, keys::be64(6)); }, 6,
       "record missing"},
      {"a record deleted from the middle, the rest renumbered and the head moved with them",
       [](Db& db, Cf* def, Cf* log) {
         for (std::uint64_t p = 6; p < kRecords; ++p)
           put(db, log, keys::be64(p), renumbered(record(db, log, p + 1), p));
         erase(db, log, keys::be64(kRecords));
         set_head(db, def, kRecords - 1, hash_of(record(db, log, kRecords - 1)));
       },
       6, "prev_hash does not link"},
      {"the log truncated behind the stored head",
       [](Db& db, Cf*, Cf* log) {
         erase(db, log, keys::be64(kRecords));
         erase(db, log, keys::be64(kRecords - 1));
       },
       kRecords - 1, "record missing"},
      {"two records swapped",
       [](Db& db, Cf*, Cf* log) {
         const std::string four = record(db, log, 4);
         put(db, log, keys::be64(4), record(db, log, 5));
         put(db, log, keys::be64(5), four);
       },
       4, "record claims position 5"},
      {"two records swapped and renumbered",
       [](Db& db, Cf*, Cf* log) {
         const std::string four = record(db, log, 4);
         put(db, log, keys::be64(4), renumbered(record(db, log, 5), 4));
         put(db, log, keys::be64(5), renumbered(four, 5));
       },
       4, "prev_hash does not link"},
      // The head.
      {"a stale head hash (an earlier record's) at the last position",
       [](Db& db, Cf* def, Cf* log) { set_head(db, def, kRecords, hash_of(record(db, log, kRecords - 1))); }, kRecords,
       "the store's head hash differs from the chain's last hash"},
      {"a head past the log",
       [](Db& db, Cf* def, Cf* log) { set_head(db, def, kRecords + 1, hash_of(record(db, log, kRecords))); },
       kRecords + 1, "record missing"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    TempDir dir;
    fill(dir.sub("events"));
    tamper(dir.sub("events"), c.edit);

    auto store = open_rocksdb_event_store(dir.sub("events"));
    REQUIRE(store);
    auto report = verify_chain(**store);
    REQUIRE(report);
    CHECK_FALSE(report->ok);
    CHECK(report->broken_at == c.position);
    CHECK(report->reason.starts_with(c.reason));
    store->reset();

    auto r = run_command(ctl(dir, "verify"));
    CHECK(r.exit_code == 1);
    CHECK(r.out == fmt::format("broken at position {}: {}\n", c.position, report->reason));
  }
}

TEST_CASE("a head rolled back behind records of the log is refused, by ticketctl verify and by an open") {
  // The head is written in the same batch as the records it covers, so records after it
  // mean it was set back behind the store's back: verifying only up to it would pass.
  TempDir dir;
  fill(dir.sub("events"));
  tamper(dir.sub("events"), [](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* def, rocksdb::ColumnFamilyHandle* log) {
    set_head(db, def, kRecords - 2, hash_of(record(db, log, kRecords - 2)));
  });
  const std::string message = fmt::format("holds records after its head position {}", kRecords - 2);

  auto r = run_command(ctl(dir, "verify"));
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.out.find(message) != std::string::npos, r.out);

  EventStoreOptions read_only;
  read_only.read_only = true;
  for (const EventStoreOptions& options : {EventStoreOptions{}, read_only}) {
    CAPTURE(options.read_only);
    auto store = open_rocksdb_event_store(dir.sub("events"), options);
    REQUIRE_FALSE(store);
    CHECK(store.error().code == Errc::internal);
    CHECK(store.error().message.find(message) != std::string::npos);
  }
}
