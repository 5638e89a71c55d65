// Ticket numbers TICK-YYYY-NNNNNN: a per-year sequence, unique, never reused, also
// across crashes; at least six digits, more past 999,999 (TICK-2026-1000000). Numbers are reserved in blocks by
// appending `ticket_numbers.reserved` {first, last} to stream "ticket-numbers:YYYY" with an exact expected version; a
// crash forfeits the rest of a block (a gap), never a reuse. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "base/error.h"
#include "base/timestamp.h"
#include "eventstore/event_store.h"

namespace ticketd {

class TicketNumbers {
 public:
  static constexpr std::uint64_t kBlockSize = 100;

  explicit TicketNumbers(EventStore& store) : store_(store) {}

  // The next number for the year of `now` (UTC). Call it only for a create that has been
  // decided: a number handed out is never handed out again.
  [[nodiscard]] Result<std::string> next(Timestamp now);

 private:
  struct Block {
    std::uint64_t next = 1, last = 0;  // empty while next > last
  };
  Result<void> reserve_block(int year, Timestamp now, Block& block);

  EventStore& store_;
  std::mutex mu_;
  std::map<int, Block> blocks_;
};

}  // namespace ticketd
