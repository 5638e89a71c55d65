// decide() and apply() for the ticket aggregate (docs/domain.md).
//
// decide(state, command, context) -> events | Error. Pure: the principal, the current
// time, whether the ticket's tenant is in the principal's scope, and the tenant's
// configuration are all passed in. Errors:
//   not_found   the ticket does not exist or is outside the caller's scope (customers
//               see only tickets they requested) - indistinguishable on purpose
//   forbidden   the principal's role may not do this
//   conflict    the status forbids it; Error::current_status and Error::allowed say more;
//               an archived ticket refuses every command
//   validation  a field breaks a rule; Error::fields lists each
// An empty event list means the command changes nothing (e.g. a repeated tag set).
//
// apply(state, event, time) -> state folds one event in; replaying a stream's events
// from an empty Ticket rebuilds exactly the state decide() worked with.
#pragma once

#include <vector>

#include "base/error.h"
#include "domain/principal.h"
#include "domain/tenant_config.h"
#include "domain/ticket.h"
#include "domain/ticket_commands.h"
#include "domain/ticket_events.h"

namespace ticketd {

// Named limits of ticket content.
struct TicketLimits {
  static constexpr std::size_t kSubjectMaxChars = 200;
  static constexpr std::size_t kBodyMaxBytes = 64 * 1024;
  static constexpr std::size_t kMaxTags = 20;
  static constexpr std::size_t kTagMaxBytes = 50;
  static constexpr std::size_t kMaxMentions = 50;
  static constexpr std::size_t kMaxAttachmentsPerComment = 20;
  static constexpr std::size_t kFeedbackCommentMaxBytes = 4096;
  static constexpr std::size_t kFieldMaxBytes = 200;  // ids, categories, queues, refs
  static constexpr std::size_t kMaxUrlBytes = 2048;   // an external attachment's URL
};

struct DecideContext {
  const Principal& principal;
  Timestamp now;
  bool in_scope = false;  // the ticket's (or new ticket's) tenant is in the principal's scope
  const TenantConfig& config;
};

[[nodiscard]] Result<std::vector<TicketEvent>> decide(const Ticket& state, const TicketCommand& command,
                                                      const DecideContext& context);

[[nodiscard]] Ticket apply(Ticket state, const TicketEvent& event, Timestamp at);

// Statuses reachable from `from` through POST .../status (for 409 bodies).
[[nodiscard]] std::vector<Status> allowed_next(const Ticket& state);

// Whether retention archives the ticket at `now`: closed, not archived yet, and closed for at
// least the tenant's retention period and its reopen window (so archiving never takes away
// a reopen the requester is still entitled to).
[[nodiscard]] bool archive_due(const Ticket& state, const TenantConfig& config, Timestamp now);

}  // namespace ticketd
