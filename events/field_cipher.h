// FieldCipher: personal fields of events and snapshots, sealed under their data subject's
// key before they are written and opened when they are read (docs/privacy.md,
// docs/event-log.md "Sealed fields").
//
// A sealed field's JSON value is
//   {"sealed": {"key": "<key id>", "nonce": "<base64>", "ct": "<base64>", "tag": "<base64>"}}
// AES-256-GCM (base/aead.h) under the subject's key, with the additional data
// "<scope>/<field>": the record's type ("ticket.commented", "user.recorded") or "snapshot",
// and the field's JSON key ("body"). A value moved to another field or record type does not
// open. The chain hashes these bytes, so an auditor verifies the log without any key.
//
// A data subject is a user's `sub` (users are keyed by sub alone, see docs/privacy.md).
// Opening a value whose key was destroyed by an erasure gives kErased. An empty value is
// written as a plain "" (it holds nothing), and kErased as a plain "[erased]" (a state
// rebuilt after an erasure seals no new key for it); a plain string is read as is.
//
// Thread-safe. Keys are cached in memory (at most kMaxCachedKeys, then the cache starts
// over); erase() drops the subject's keys from the cache as well as from the store.
#pragma once

#include <simdjson.h>

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "base/json_fields.h"
#include "base/json_writer.h"
#include "base/subject_keys.h"

namespace ticketd {

class FieldCipher {
 public:
  static constexpr std::string_view kErased = "[erased]";
  static constexpr std::size_t kMaxCachedKeys = 65536;

  explicit FieldCipher(SubjectKeys& keys);

  // Writes `plaintext` as the writer's next value, sealed under `subject`'s key (created
  // and made durable by the key store on first use). Errc::unavailable when the key store
  // fails; validation for a bad subject.
  [[nodiscard]] Result<void> seal(JsonWriter& w, const std::string& subject, std::string_view aad,
                                  std::string_view plaintext);
  // The plaintext of `value`: a string as is; a sealed object opened (kErased when its key
  // is gone). Errc::internal for any other shape or a tag that does not verify (an altered
  // record); the key store's own error when it fails.
  [[nodiscard]] Result<std::string> open(simdjson::dom::element value, std::string_view aad) const;
  // Whether `value` is a sealed object (for the readers that open whole records).
  [[nodiscard]] static bool is_sealed(simdjson::dom::element value);

  // Destroys every key of `subject` (SubjectKeys::erase) and forgets them here. Returns the
  // subject's key ids (all of them, destroyed now or before).
  [[nodiscard]] Result<std::vector<std::string>> erase(const std::string& subject);
  // The key store (for its erasure bookkeeping: pending_erasures, erasure_recorded).
  [[nodiscard]] SubjectKeys& keys() { return keys_; }

 private:
  Result<std::optional<std::string>> key_bytes(const std::string& key_id) const;

  SubjectKeys& keys_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, SubjectKey> by_subject_;
  mutable std::unordered_map<std::string, std::optional<std::string>> by_id_;  // nullopt: destroyed
};

// Whether a writer seals personal fields (everything the log and snapshots store) or writes
// them in clear: a read model's own copy of a ticket (in SQLite, which holds the same text
// in its rows; rewritten on erasure) and what ticketctl shows an operator.
enum class Sealing { sealed, in_clear };

// One record's sealing: writes each personal field under its subject with the additional
// data "<scope>/<key>" (or in clear), and keeps the first failure for status().
class FieldSealer {
 public:
  FieldSealer(FieldCipher& cipher, std::string_view scope, Sealing sealing = Sealing::sealed)
      : cipher_(cipher), scope_(scope), sealing_(sealing) {}
  // Writes `key` and its value, sealed under `subject` (a plain "" when empty).
  void field(JsonWriter& w, std::string_view key, const std::string& subject, std::string_view plaintext);
  [[nodiscard]] Result<void> status() const;

 private:
  FieldCipher& cipher_;
  std::string scope_;
  Sealing sealing_;
  std::optional<Error> error_;
};

// One record's opening: reads each personal field with the additional data
// "<scope>/<key>"; a missing field or one that does not open clears JsonFields::ok, and the
// first failure is kept for status() (so a failing key store is not taken for a corrupted
// record).
class FieldOpener {
 public:
  FieldOpener(const FieldCipher& cipher, std::string_view scope) : cipher_(cipher), scope_(scope) {}
  [[nodiscard]] std::string field(JsonFields& in, const char* key);
  [[nodiscard]] Result<void> status() const;

 private:
  const FieldCipher& cipher_;
  std::string scope_;
  std::optional<Error> error_;
};

// `data` (a record's JSON object, as stored) with every sealed value opened, at any depth:
// the additional data of a value is "<scope>/<its key>". For history answers and
// `ticketctl dump`, which show records as stored but must not show ciphertext.
[[nodiscard]] Result<std::string> open_sealed_values(std::string_view data, std::string_view scope,
                                                     const FieldCipher& cipher);

// The key ids the sealed values of `data` (a record's JSON object) name, each once, in the
// order met. A follower fetches these from its leader before it appends the record.
[[nodiscard]] Result<std::vector<std::string>> sealed_key_ids(std::string_view data);

}  // namespace ticketd
