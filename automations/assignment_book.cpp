#include "automations/assignment_book.h"

#include <algorithm>

#include "domain/access.h"
#include "events/ticket_event_codec.h"
#include "events/user_record_codec.h"

namespace ticketd {

Result<void> AssignmentBook::apply(const EventRecord& record) {
  if (record.type == kUserRecorded) {
    auto user = decode_user_record(record.data, cipher_);
    if (!user) return std::unexpected(user.error());
    if (!access::may(user->role, access::Action::be_assigned)) {
      staff_.erase(user->sub);
      return {};
    }
    Staff& s = staff_[user->sub];
    s.tenant = user->tenant;
    s.queues = user->queues;
    s.available = user->available;
    return {};
  }
  if (record.type == "ticket.created") {
    TicketEntry& t = tickets_[record.stream];
    t.unassigned_at = record.time;
    t.unassigned_position = record.position;
    return {};
  }
  if (record.type != "ticket.assigned" && record.type != "ticket.status_changed" && record.type != "ticket.archived") {
    return {};
  }
  auto it = tickets_.find(record.stream);
  if (it == tickets_.end()) return {};
  TicketEntry next = it->second;
  if (record.type == "ticket.archived") {
    next.status = Status::closed;
    set_ticket(record.stream, next);
    tickets_.erase(record.stream);
    return {};
  }
  auto facts = peek_ticket_change(record.type, record.data);
  if (!facts) return std::unexpected(facts.error());
  if (record.type == "ticket.assigned") {
    next.assignee = facts->assignee_after.value_or("");
    next.fired.clear();
    next.unassigned_at = record.time;
    next.unassigned_position = record.position;
    if (facts->assignee_after) {
      auto pending = pending_.find(record.stream);
      if (pending != pending_.end() && pending->second == *facts->assignee_after) {
        pending_.erase(pending);
      } else {
        take_turn(*facts->assignee_after);
      }
    }
  } else {
    next.status = facts->status_to;
  }
  set_ticket(record.stream, next);
  return {};
}

void AssignmentBook::note_assigned(const std::string& ticket, const std::string& sub) {
  auto it = tickets_.find(ticket);
  if (it == tickets_.end()) return;
  TicketEntry next = it->second;
  next.assignee = sub;
  set_ticket(ticket, next);
  take_turn(sub);
  pending_[ticket] = sub;
}

std::vector<AssignmentBook::Unassigned> AssignmentBook::unassigned_since(Timestamp before) const {
  std::vector<Unassigned> out;
  for (const auto& [id, t] : tickets_) {
    if (t.assignee.empty() && is_active(t.status) && t.unassigned_at <= before) {
      out.push_back(Unassigned{id, t.unassigned_at, t.unassigned_position});
    }
  }
  return out;
}

bool AssignmentBook::mark_fired(const std::string& ticket, const std::string& rule) {
  auto it = tickets_.find(ticket);
  if (it == tickets_.end()) return true;
  auto& fired = it->second.fired;
  if (std::find(fired.begin(), fired.end(), rule) != fired.end()) return true;
  fired.push_back(rule);
  return false;
}

void AssignmentBook::set_ticket(const std::string& id, const TicketEntry& next) {
  TicketEntry& current = tickets_[id];
  if (!current.assignee.empty() && is_active(current.status)) staff_[current.assignee].active.erase(id);
  if (!next.assignee.empty() && is_active(next.status)) staff_[next.assignee].active.insert(id);
  current = next;
}

void AssignmentBook::take_turn(const std::string& sub) { staff_[sub].last_turn = ++turns_; }

std::vector<AssignmentCandidate> AssignmentBook::candidates(const std::string& tenant, const std::string& queue) const {
  std::vector<AssignmentCandidate> out;
  for (const auto& [sub, s] : staff_) {
    if (s.tenant != tenant || !s.available) continue;
    if (std::find(s.queues.begin(), s.queues.end(), queue) == s.queues.end()) continue;
    out.push_back(AssignmentCandidate{sub, s.last_turn, s.active.size()});
  }
  return out;
}

bool AssignmentBook::available(const std::string& sub) const {
  auto it = staff_.find(sub);
  return it == staff_.end() || it->second.available;
}

std::vector<std::string> AssignmentBook::new_or_open_of(const std::string& sub) const {
  std::vector<std::string> out;
  auto it = staff_.find(sub);
  if (it == staff_.end()) return out;
  for (const auto& id : it->second.active) {
    auto t = tickets_.find(id);
    if (t != tickets_.end() && (t->second.status == Status::new_ || t->second.status == Status::open))
      out.push_back(id);
  }
  return out;
}

}  // namespace ticketd
