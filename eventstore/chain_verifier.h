// Walks the log from position 1 and checks the hash chain.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.h"
#include "eventstore/event_store.h"

namespace ticketd {

struct ChainReport {
  bool ok = true;
  std::uint64_t checked = 0;    // records verified
  LogHead head;                 // last verified position and hash
  std::uint64_t broken_at = 0;  // first bad position when !ok
  std::string reason;           // what is wrong there
};

// Verifies every record: stored position matches its key and is contiguous, prev_hash
// equals the previous record's hash, and hash = SHA-256(prev_hash ++ canonical bytes).
// Errc only for storage failures; a broken chain is a report with ok == false.
[[nodiscard]] Result<ChainReport> verify_chain(const EventStore& store);

}  // namespace ticketd
