// The REST calls that push one ticketd change to a linked external ticket
// (docs/integrations.md, "Outbound"), and how their answers are read:
//   jira    comment: POST /rest/api/2/issue/{key}/comment with the sd.public.comment
//           property; status: GET then POST /rest/api/3/issue/{key}/transitions, the
//           transition whose target's statusCategory.key matches; priority: PUT the issue;
//           assignment: PUT /rest/api/3/issue/{key}/assignee {"accountId"} ({"name"} with a
//           PAT: Data Center).
//   zammad  comment: POST /api/v1/ticket_articles (a note, internal or not); status,
//           priority and assignment (owner_id; 1, Zammad's nobody, to unassign): PUT
//           /api/v1/tickets/{id}.
//   smax    comment: POST /rest/{tenant}/collaboration/comments/Request/{id}; status,
//           priority and assignment (AssignedToPerson): POST /rest/{tenant}/ems/bulk UPDATE,
//           every entity's completion_status checked (FAILED comes inside HTTP 200); a login
//           first (LWSSO_COOKIE_KEY).
// An assignment names the system's account through the connection's account_map; a ticketd
// user without an entry fails for good (the dead letter names the user).
// 429, 503, other 5xx and transport failures are worth retrying (Retry-After honoured by
// the caller); other answers fail for good.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "adapters/external_ticket.h"
#include "domain/ticket_vocabulary.h"
#include "http/integrations_port.h"
#include "http/rest_client.h"

namespace ticketd {

struct OutboundChange {
  enum class Kind { comment, status, priority, assignment };
  Kind kind = Kind::comment;
  std::string key;  // the external ticket
  std::string text;
  bool is_public = false;
  Status status = Status::open;
  Priority priority = Priority::medium;
  std::optional<std::string> assignee;  // a ticketd user id; nullopt: unassigned
  std::optional<std::string> account;   // the system's account of `assignee` (push_change sets it)
};

struct PushResult {
  enum class Outcome { done, retry, failed };
  Outcome outcome = Outcome::done;
  std::string error;
  std::optional<std::chrono::seconds> retry_after;
  std::string external_id;  // a created comment's id in the system
};

[[nodiscard]] PushResult push_change(ExternalSystem system, const http::ConnectionSettings& connection,
                                     OutboundChange change, const RestClient& client);

// The system's name for a ticketd value: the connection's map read backwards (its first
// entry naming the value), else the default. Exposed for the tests.
[[nodiscard]] std::string external_status(ExternalSystem system, const http::ConnectionSettings& c, Status s);
[[nodiscard]] std::string external_priority(ExternalSystem system, const http::ConnectionSettings& c, Priority p);
[[nodiscard]] std::optional<std::string> external_account(const http::ConnectionSettings& c, const std::string& user);

}  // namespace ticketd
