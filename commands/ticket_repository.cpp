#include "commands/ticket_repository.h"

#include "domain/ticket_workflow.h"
#include "events/ticket_event_codec.h"
#include "events/ticket_snapshot_codec.h"

namespace ticketd {

inline constexpr std::size_t kReplayPage = 1024;

Result<Ticket> TicketRepository::replay(const std::string& id, Ticket state, std::optional<Timestamp> until,
                                        std::optional<std::uint64_t> up_to) const {
  for (;;) {
    auto page = store_.read_stream(id, state.version + 1, kReplayPage);
    if (!page) return std::unexpected(page.error());
    for (const auto& r : *page) {
      if ((until && r.time > *until) || (up_to && r.version > *up_to)) return state;
      if (r.version != state.version + 1) return make_error(Errc::internal, "ticket stream " + id + " has a gap");
      auto event = decode_ticket_event(r.type, r.data);
      if (!event) return std::unexpected(event.error());
      state = apply(std::move(state), *event, r.time);
    }
    if (page->size() < kReplayPage) return state;
  }
}

Result<Ticket> TicketRepository::load_fresh(const std::string& id, bool use_snapshot) const {
  Ticket start;
  if (use_snapshot) {
    auto snap = store_.load_snapshot(id);
    if (!snap) return std::unexpected(snap.error());
    if (*snap) {
      auto decoded = decode_ticket_snapshot((*snap)->state);
      if (decoded && decoded->version == (*snap)->version) start = std::move(*decoded);
    }
  }
  return replay(id, std::move(start), std::nullopt, std::nullopt);
}

Result<Ticket> TicketRepository::load_as_of(const std::string& id, Timestamp until) const {
  return replay(id, Ticket{}, until, std::nullopt);
}

Result<Ticket> TicketRepository::load_version(const std::string& id, std::uint64_t version) const {
  return replay(id, Ticket{}, std::nullopt, version);
}

Result<TicketRepository::Ptr> TicketRepository::load(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(id); it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.second);
      return it->second.first;
    }
  }
  auto fresh = load_fresh(id);
  if (!fresh) return std::unexpected(fresh.error());
  auto ptr = std::make_shared<const Ticket>(std::move(*fresh));
  if (ptr->exists()) remember(ptr, ptr->version);
  return ptr;
}

void TicketRepository::remember(Ptr state, std::uint64_t previous_version) {
  const std::uint64_t every = options_.snapshot_every;
  if (every > 0 && state->version / every > previous_version / every) {
    // A failed snapshot only costs a longer replay later.
    (void)store_.save_snapshot(state->id, Snapshot{state->version, encode_ticket_snapshot(*state)});
  }
  std::lock_guard lock(mu_);
  if (auto it = cache_.find(state->id); it != cache_.end()) {
    if (it->second.first->version > state->version) return;  // keep the newer state
    it->second.first = std::move(state);
    lru_.splice(lru_.begin(), lru_, it->second.second);
    return;
  }
  std::string id = state->id;
  lru_.push_front(id);
  cache_.emplace(std::move(id), std::make_pair(std::move(state), lru_.begin()));
  while (cache_.size() > options_.cache_capacity && !lru_.empty()) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
}

void TicketRepository::forget(const std::string& id) {
  std::lock_guard lock(mu_);
  if (auto it = cache_.find(id); it != cache_.end()) {
    lru_.erase(it->second.second);
    cache_.erase(it);
  }
}

}  // namespace ticketd
