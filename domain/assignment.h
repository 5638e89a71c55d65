// Choosing the assignee of automatic assignment (docs/automations.md, "Assignment"). Pure:
// the automation runner (automations/) gathers the candidates from the log and asks here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "domain/tenant_config.h"

namespace ticketd {

// An available member agent of the ticket's queue.
struct AssignmentCandidate {
  std::string sub;
  std::uint64_t last_turn = 0;  // when this candidate last received a ticket; 0 = never, larger = later
  std::size_t active = 0;       // tickets held that are neither resolved nor closed
};

// round_robin: the candidate whose last turn is the oldest (never counts as oldest);
// least_loaded: the fewest active tickets, ties broken as round_robin. Remaining ties go
// to the smallest sub. manual, or no candidates: nullopt.
[[nodiscard]] std::optional<std::string> pick_assignee(AssignmentMode mode,
                                                       std::span<const AssignmentCandidate> candidates);

}  // namespace ticketd
