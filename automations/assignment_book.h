// AssignmentBook: what automatic assignment needs to know, kept by applying the log's
// records in order (docs/automations.md, "Assignment"): each staff user's tenant, queues
// and availability; each ticket's tenant, queue, status and assignee; and, per assignee,
// the active tickets held (neither resolved nor closed) and when they last received one.
// And for escalation, since when and since which record each active ticket has been
// unassigned, and which rules fired in that stretch. Not thread-safe: one AutomationRunner
// owns it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/timestamp.h"
#include "domain/assignment.h"
#include "domain/ticket_vocabulary.h"
#include "events/field_cipher.h"
#include "eventstore/event.h"

namespace ticketd {

class AssignmentBook {
 public:
  explicit AssignmentBook(const FieldCipher& cipher) : cipher_(cipher) {}

  // Applies one record (user.recorded and ticket events; others are ignored).
  // Errc::internal for a record that does not decode.
  [[nodiscard]] Result<void> apply(const EventRecord& record);

  // Records an assignment this process just made, before its event is read back: the
  // assignee's turn is taken now, and the event, when applied, does not take it again.
  void note_assigned(const std::string& ticket, const std::string& sub);

  // The available staff of `tenant` who are members of `queue`, with their turns and loads.
  [[nodiscard]] std::vector<AssignmentCandidate> candidates(const std::string& tenant, const std::string& queue) const;
  // Whether `sub` is known and available (unknown users count as available).
  [[nodiscard]] bool available(const std::string& sub) const;
  // The tickets `sub` holds whose status is new or open, in id order.
  [[nodiscard]] std::vector<std::string> new_or_open_of(const std::string& sub) const;

  // An active ticket without assignee since `since` (the record at `position`).
  struct Unassigned {
    std::string ticket;
    Timestamp since{};
    std::uint64_t position = 0;
  };
  // The active tickets unassigned since `before` or earlier, in id order.
  [[nodiscard]] std::vector<Unassigned> unassigned_since(Timestamp before) const;
  // Whether rule `rule` fired for `ticket` in its current unassigned stretch; marks it.
  [[nodiscard]] bool mark_fired(const std::string& ticket, const std::string& rule);

 private:
  struct Staff {
    std::string tenant;
    std::vector<std::string> queues;
    bool available = true;
    std::uint64_t last_turn = 0;
    std::set<std::string> active;  // the tickets held, neither resolved nor closed
  };
  struct TicketEntry {
    std::string assignee;  // "" = none
    Status status = Status::new_;
    Timestamp unassigned_at{};  // the last record that left it without assignee
    std::uint64_t unassigned_position = 0;
    std::vector<std::string> fired;  // rules fired since then
  };
  void set_ticket(const std::string& id, const TicketEntry& next);
  void take_turn(const std::string& sub);

  const FieldCipher& cipher_;
  std::map<std::string, Staff> staff_;  // every user whose role may hold tickets
  std::map<std::string, TicketEntry> tickets_;
  std::map<std::string, std::string> pending_;  // ticket -> assignee noted, its event not yet applied
  std::uint64_t turns_ = 0;
};

}  // namespace ticketd
