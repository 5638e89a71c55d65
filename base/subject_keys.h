// The SubjectKeys port: one AES-256-GCM key per data subject (docs/privacy.md), kept apart
// from the log. Personal data enters the log only sealed under its subject's key; erasure
// destroys the key, and every sealed value of that subject becomes unreadable ("[erased]")
// while the log's bytes, and so its hash chain, stay as they were.
//
// A subject is an opaque string chosen by the caller (ticketd uses a user's `sub`, see
// docs/privacy.md); it is a pseudonymous identifier, never a name or an e-mail address.
// A key is named by a key id ("k" and 32 random hex digits, no personal data), which sealed
// values carry. A subject has at most one live key; after erasure, a subject that comes
// back gets a new key, and the values sealed before stay unreadable.
//
// Contract for implementations: thread-safe; a key that key_for() returned is durable
// before it returns (so no acknowledged event can name a key that a crash loses); erase()
// is durable before it returns and is idempotent. erase() marks the subject's erasure
// pending, atomically with destroying the keys, until erasure_recorded(): a process that
// dies between destroying the keys and recording the erasure in the log finds it in
// pending_erasures() and records it when it starts again.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"

namespace ticketd {

struct SubjectKey {
  std::string id;     // the key id sealed values name
  std::string bytes;  // kAeadKeyBytes (base/aead.h)
};

class SubjectKeys {
 public:
  // Longest subject accepted (Errc::validation beyond, and for an empty one).
  static constexpr std::size_t kMaxSubjectBytes = 512;

  virtual ~SubjectKeys() = default;

  // The subject's live key, created (and made durable) when it has none.
  [[nodiscard]] virtual Result<SubjectKey> key_for(const std::string& subject) = 0;
  // The key named `key_id`: nullopt when it was destroyed by an erasure or never existed.
  [[nodiscard]] virtual Result<std::optional<std::string>> key(const std::string& key_id) const = 0;
  // Every key id ever issued to `subject`, oldest first (empty for an unknown subject).
  [[nodiscard]] virtual Result<std::vector<std::string>> key_ids(const std::string& subject) const = 0;
  // Destroys every key of `subject`: how many were live (0 when erased before, or unknown).
  // When it destroyed any, the subject's erasure is pending from the same durable write on.
  [[nodiscard]] virtual Result<std::size_t> erase(const std::string& subject) = 0;
  // The subjects whose keys erase() destroyed and whose erasure was not recorded since.
  [[nodiscard]] virtual Result<std::vector<std::string>> pending_erasures() const = 0;
  // The log holds the subject's erasure now: it is no longer pending.
  [[nodiscard]] virtual Result<void> erasure_recorded(const std::string& subject) = 0;

  // The subject `key_id` was issued to (also after its erasure), or nullopt for an id this
  // store never issued or adopted.
  [[nodiscard]] virtual Result<std::optional<std::string>> subject_of(const std::string& key_id) const = 0;
  // Keeps a copy of a key another store issued to `subject` (a follower's copy of its
  // leader's keys, replication/), durable before it returns; the newest adopted key is the
  // subject's live key. Adopting a key held already is a no-op; a key id this store holds
  // as destroyed is refused (Errc::conflict): an erased key never comes back.
  [[nodiscard]] virtual Result<void> adopt(const std::string& subject, const SubjectKey& key) = 0;
};

// Keys in memory (tests, the fuzz harnesses): lost with the process.
[[nodiscard]] std::unique_ptr<SubjectKeys> make_memory_subject_keys();

// The checks every implementation applies to a subject.
[[nodiscard]] Result<void> check_subject(const std::string& subject);
// A new key id: "k" and 32 hex digits from the CSPRNG.
[[nodiscard]] std::string new_key_id();

}  // namespace ticketd
