#include "domain/assignment.h"

#include <algorithm>
#include <tuple>

namespace ticketd {

std::optional<std::string> pick_assignee(AssignmentMode mode, std::span<const AssignmentCandidate> candidates) {
  if (mode == AssignmentMode::manual || candidates.empty()) return std::nullopt;
  auto better = [&](const AssignmentCandidate& a, const AssignmentCandidate& b) {
    const std::size_t la = mode == AssignmentMode::least_loaded ? a.active : 0;
    const std::size_t lb = mode == AssignmentMode::least_loaded ? b.active : 0;
    return std::tie(la, a.last_turn, a.sub) < std::tie(lb, b.last_turn, b.sub);
  };
  return std::min_element(candidates.begin(), candidates.end(), better)->sub;
}

}  // namespace ticketd
