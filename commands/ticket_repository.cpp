#include "commands/ticket_repository.h"

#include "domain/ticket_workflow.h"
#include "events/ticket_event_codec.h"
#include "events/ticket_snapshot_codec.h"

namespace ticketd {

inline constexpr std::size_t kReplayPage = 1024;

std::size_t approx_ticket_bytes(const Ticket& t) {
  std::size_t n =
      sizeof(Ticket) + t.id.size() + t.number.size() + t.tenant.size() + t.subject.size() + t.description.size() +
      t.category.size() + t.queue.size() + t.requester.size() + (t.assignee ? t.assignee->size() : 0) +
      approx_bytes(t.tags) + approx_bytes(t.shared_attachments) + t.feedback_comment.size() +
      (t.resolution ? t.resolution->text.size() : 0) +
      (t.first_response.ran.size() + t.resolution_clock.ran.size()) * sizeof(std::pair<Timestamp, Timestamp>);
  for (const auto& e : t.external) n += approx_bytes(e.system) + approx_bytes(e.key);
  for (const auto& l : t.links) n += approx_bytes(l.kind) + approx_bytes(l.ticket);
  for (const auto& c : t.comments) {
    n += sizeof(Comment) + c.id.size() + c.author.size() + c.body.size() + approx_bytes(c.attachments) +
         approx_bytes(c.mentions);
  }
  for (const auto& a : t.attachments) {
    n += sizeof(AttachmentMeta) + a.id.size() + a.file_name.size() + a.content_type.size() + a.sha256.size() +
         a.uploader.size() + a.scan_verdict.size();
  }
  return n;
}

Result<Ticket> TicketRepository::replay(const std::string& id, Ticket state, std::optional<Timestamp> until,
                                        std::optional<std::uint64_t> up_to) const {
  for (;;) {
    auto page = store_.read_stream(id, state.version + 1, kReplayPage);
    if (!page) return std::unexpected(page.error());
    for (const auto& r : *page) {
      if ((until && r.time > *until) || (up_to && r.version > *up_to)) return state;
      if (r.version != state.version + 1) return make_error(Errc::internal, "ticket stream " + id + " has a gap");
      auto event = decode_ticket_event(r.type, r.data, cipher_);
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
      auto decoded = decode_ticket_snapshot((*snap)->state, cipher_);
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
  if (auto hit = cache_.find(id)) return *std::move(hit);
  const std::uint64_t loaded_in = epoch();
  auto fresh = load_fresh(id);
  if (!fresh) return std::unexpected(fresh.error());
  auto ptr = std::make_shared<const Ticket>(std::move(*fresh));
  if (ptr->exists()) remember(ptr, ptr->version, loaded_in);
  return ptr;
}

void TicketRepository::remember(Ptr state, std::uint64_t previous_version, std::uint64_t loaded_in) {
  if (loaded_in != epoch()) return;
  const std::uint64_t every = options_.snapshot_every;
  if (every > 0 && state->version / every > previous_version / every) {
    // A failed snapshot only costs a longer replay later.
    if (auto bytes = encode_ticket_snapshot(*state, cipher_)) {
      (void)store_.save_snapshot(state->id, Snapshot{state->version, std::move(*bytes)});
    }
  }
  const std::size_t bytes = approx_ticket_bytes(*state);
  const std::uint64_t version = state->version;
  const std::string id = state->id;
  cache_.insert_unless(id, std::move(state), bytes,
                       [version](const Ptr& held) { return held->version > version; });  // keep the newer state
}

void TicketRepository::forget(const std::string& id) { cache_.erase(id); }

void TicketRepository::invalidate(const std::string& id) {
  ++epoch_;  // a load in flight may hold the state from before: it is not cached
  cache_.erase(id);
}

void TicketRepository::forget_all() {
  ++epoch_;
  cache_.clear();
}

}  // namespace ticketd
