// The data subjects' keys: AES-256-GCM (base/aead.h) against a published test vector and
// its failure cases, and both SubjectKeys implementations (memory, and the RocksDB key store
// in a temporary directory) against the port's contract: durable keys, erasure that finds
// nothing the second time, and no destroyed key byte left in the store's files.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "base/aead.h"
#include "base/hex.h"
#include "privacy/subject_key_store.h"
#include "tests/test_support.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// How many files under `dir` contain `needle` (read whole; the stores here are small).
int files_containing(const std::string& dir, const std::string& needle) {
  int hits = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) ++hits;
  }
  return hits;
}

// The contract of the SubjectKeys port, for any implementation.
void check_port_contract(SubjectKeys& keys) {
  auto carla = keys.key_for("acme/carla");
  REQUIRE(carla.has_value());
  CHECK(carla->id.size() == 33);
  CHECK(carla->id[0] == 'k');
  CHECK(carla->bytes.size() == kAeadKeyBytes);
  auto again = keys.key_for("acme/carla");
  REQUIRE(again.has_value());
  CHECK(again->id == carla->id);
  CHECK(again->bytes == carla->bytes);
  auto other = keys.key_for("globex/carla");  // another tenant's carla is another person
  REQUIRE(other.has_value());
  CHECK(other->id != carla->id);
  CHECK(other->bytes != carla->bytes);
  CHECK(keys.key(carla->id).value() == carla->bytes);
  CHECK(keys.key_ids("acme/carla").value() == std::vector<std::string>{carla->id});
  CHECK(keys.key_ids("acme/nobody").value().empty());
  CHECK_FALSE(keys.key("k-unknown").value().has_value());

  CHECK(keys.pending_erasures().value().empty());
  CHECK(keys.erase("acme/carla").value() == 1);
  CHECK_FALSE(keys.key(carla->id).value().has_value());
  CHECK(keys.pending_erasures().value() == std::vector<std::string>{"acme/carla"});  // until recorded
  CHECK(keys.erase("acme/carla").value() == 0);                                      // idempotent
  CHECK(keys.erase("acme/nobody").value() == 0);
  CHECK(keys.key(other->id).value() == other->bytes);  // nobody else's key is touched
  CHECK(keys.pending_erasures().value() == std::vector<std::string>{"acme/carla"});
  REQUIRE(keys.erasure_recorded("acme/carla"));
  CHECK(keys.pending_erasures().value().empty());

  // Carla comes back: a new key; the old one stays destroyed.
  auto back = keys.key_for("acme/carla");
  REQUIRE(back.has_value());
  CHECK(back->id != carla->id);
  CHECK_FALSE(keys.key(carla->id).value().has_value());
  CHECK(keys.key_ids("acme/carla").value() == std::vector<std::string>{carla->id, back->id});

  CHECK(keys.key_for("").error().code == Errc::validation);
  CHECK(keys.key_for(std::string(SubjectKeys::kMaxSubjectBytes + 1, 's')).error().code == Errc::validation);
  CHECK(keys.key_for(std::string(SubjectKeys::kMaxSubjectBytes, 's')).has_value());
}

}  // namespace

TEST_CASE("AES-256-GCM opens the published test vector and refuses every altered part") {
  // The AES-256 vector with an all-zero key, nonce and 16-byte plaintext, from McGrew and
  // Viega's GCM specification (test case 14).
  const std::string key(32, '\0');
  Sealed vector{std::string(12, '\0'), from_hex("cea7403d4d606b6e074ec5d3baf39d18"),
                from_hex("d0d1c8a799996bf0265b98b5d48ab919")};
  auto opened = aead_open(key, "", vector);
  REQUIRE(opened.has_value());
  CHECK(*opened == std::string(16, '\0'));

  const std::string k = random_bytes(kAeadKeyBytes);
  auto sealed = aead_seal(k, "ticket.commented/body", "Grüße from marker-7f3a");
  REQUIRE(sealed.has_value());
  CHECK(sealed->nonce.size() == kAeadNonceBytes);
  CHECK(sealed->tag.size() == kAeadTagBytes);
  CHECK(sealed->ciphertext.find("marker-7f3a") == std::string::npos);
  CHECK(aead_open(k, "ticket.commented/body", *sealed).value() == "Grüße from marker-7f3a");
  CHECK(aead_seal(k, "ticket.commented/body", "Grüße from marker-7f3a").value().nonce != sealed->nonce);

  CHECK(aead_open(random_bytes(kAeadKeyBytes), "ticket.commented/body", *sealed).error().code == Errc::conflict);
  CHECK(aead_open(k, "ticket.created/subject", *sealed).error().code == Errc::conflict);
  Sealed flipped = *sealed;
  flipped.ciphertext[0] = static_cast<char>(flipped.ciphertext[0] ^ 1);
  CHECK(aead_open(k, "ticket.commented/body", flipped).error().code == Errc::conflict);
  flipped = *sealed;
  flipped.tag[15] = static_cast<char>(flipped.tag[15] ^ 1);
  CHECK(aead_open(k, "ticket.commented/body", flipped).error().code == Errc::conflict);

  CHECK(aead_seal("short", "", "x").error().code == Errc::validation);
  Sealed no_tag = *sealed;
  no_tag.tag.clear();
  CHECK(aead_open(k, "ticket.commented/body", no_tag).error().code == Errc::validation);
  auto empty = aead_seal(k, "", "");
  REQUIRE(empty.has_value());
  CHECK(aead_open(k, "", *empty).value().empty());
}

TEST_CASE("the in-memory subject keys keep the port's contract") {
  auto keys = make_memory_subject_keys();
  check_port_contract(*keys);
}

TEST_CASE("the RocksDB key store keeps the port's contract, and its keys survive a reopen") {
  TempDir dir;
  std::string carla_id, carla_bytes;
  {
    auto keys = open_subject_key_store(dir.sub("keys"));
    REQUIRE(keys.has_value());
    check_port_contract(**keys);
    auto back = (*keys)->key_for("acme/carla");
    REQUIRE(back.has_value());
    carla_id = back->id;
    carla_bytes = back->bytes;
    CHECK((*keys)->erase("globex/carla").value() == 1);  // pending across the reopen
    // A second process cannot open it while this one has it (RocksDB's lock).
    auto second = open_subject_key_store(dir.sub("keys"));
    REQUIRE_FALSE(second.has_value());
    CHECK(second.error().code == Errc::unavailable);
  }
  auto reopened = open_subject_key_store(dir.sub("keys"));
  REQUIRE(reopened.has_value());
  auto same = (*reopened)->key_for("acme/carla");
  REQUIRE(same.has_value());
  CHECK(same->id == carla_id);
  CHECK(same->bytes == carla_bytes);
  CHECK((*reopened)->key_ids("acme/carla").value().size() == 2);  // the erased one and this one
  CHECK((*reopened)->pending_erasures().value() == std::vector<std::string>{"globex/carla"});
}

TEST_CASE("an erased key's bytes are in none of the key store's files afterwards") {
  TempDir dir;
  std::vector<std::string> erased_bytes, kept_bytes;
  {
    auto keys = open_subject_key_store(dir.sub("keys"));
    REQUIRE(keys.has_value());
    for (int i = 0; i < 50; ++i) {
      auto k = (*keys)->key_for("acme/user-" + std::to_string(i));
      REQUIRE(k.has_value());
      (i % 2 == 0 ? erased_bytes : kept_bytes).push_back(k->bytes);
    }
  }
  {
    // Reopened: the keys were flushed to an SST at close (the positive control: a file
    // holds every key's bytes before erasure).
    auto keys = open_subject_key_store(dir.sub("keys"));
    REQUIRE(keys.has_value());
    for (const auto& bytes : erased_bytes) CHECK(files_containing(dir.sub("keys"), bytes) >= 1);
    for (int i = 0; i < 50; i += 2) CHECK((*keys)->erase("acme/user-" + std::to_string(i)).value() == 1);
    for (const auto& bytes : erased_bytes) CHECK(files_containing(dir.sub("keys"), bytes) == 0);
  }
  for (const auto& bytes : erased_bytes) CHECK(files_containing(dir.sub("keys"), bytes) == 0);
  for (const auto& bytes : kept_bytes) CHECK(files_containing(dir.sub("keys"), bytes) >= 1);
  auto keys = open_subject_key_store(dir.sub("keys"));
  REQUIRE(keys.has_value());
  CHECK((*keys)->key_for("acme/user-1").value().bytes == kept_bytes[0]);
}

TEST_CASE("a key store backup is a key store holding the same keys; the target must be new") {
  TempDir dir;
  std::string id, bytes;
  {
    auto keys = open_subject_key_store(dir.sub("keys"));
    REQUIRE(keys.has_value());
    auto k = (*keys)->key_for("acme/carla");
    REQUIRE(k.has_value());
    id = k->id;
    bytes = k->bytes;
    // Open elsewhere: the backup cannot take the store.
    CHECK(backup_subject_key_store(dir.sub("keys"), dir.sub("busy")).error().code == Errc::unavailable);
  }
  REQUIRE(backup_subject_key_store(dir.sub("keys"), dir.sub("backup")).has_value());
  CHECK_FALSE(backup_subject_key_store(dir.sub("keys"), dir.sub("backup")).has_value());  // exists
  CHECK_FALSE(backup_subject_key_store(dir.sub("missing"), dir.sub("backup2")).has_value());
  auto restored = open_subject_key_store(dir.sub("backup"));
  REQUIRE(restored.has_value());
  CHECK((*restored)->key(id).value() == bytes);
}
