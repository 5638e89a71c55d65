// A ticket of an external system as one webhook delivery or REST answer shows it, in
// ticketd's terms but with the system's own values (status names, priority names), before
// any mapping (adapters/value_maps.h). Every field a payload leaves out is nullopt or
// empty: the inbound side changes only what a payload says.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/timestamp.h"

namespace ticketd {

enum class ExternalSystem { jira, zammad, smax };
inline constexpr ExternalSystem kExternalSystems[] = {ExternalSystem::jira, ExternalSystem::zammad,
                                                      ExternalSystem::smax};

[[nodiscard]] std::string_view name_of(ExternalSystem s);
[[nodiscard]] std::optional<ExternalSystem> parse_external_system(std::string_view name);

struct ExternalPerson {
  std::string id;  // the system's account id
  std::string name;
  std::string email;
};

struct ExternalComment {
  std::string id;
  std::string body;
  bool is_public = false;  // unknown visibility counts as internal
  ExternalPerson author;
};

struct ExternalAttachment {
  std::string id;
  std::string name;
  std::uint64_t size = 0;
  std::string url;
  std::string content_type;
  bool is_public = false;  // Zammad: its article's visibility; Jira: internal
};

struct ExternalTicket {
  std::string key;    // Jira issue key, Zammad ticket id, SMAX Request Id
  std::string event;  // what the delivery says happened ("jira:issue_updated", ...)
  std::optional<Timestamp> updated;
  std::optional<std::string> subject;
  std::optional<std::string> description;
  std::optional<std::string> status;           // the system's status (state) name
  std::optional<std::string> status_category;  // Jira statusCategory.key, SMAX PhaseId
  std::optional<std::string> priority;         // the system's priority name
  std::optional<std::string> type;             // issue type, article type
  std::optional<std::string> resolution;       // set: resolved with this; "" = resolution cleared (a reopen)
  ExternalPerson reporter;                     // the requester
  ExternalPerson actor;                        // who made this change
  std::vector<ExternalComment> comments;
  std::vector<ExternalAttachment> attachments;
  // The payload names the ticket but not its fields (SMAX's {"id"}): the adapter fetches
  // it through the REST API before mapping.
  bool thin = false;
  // The payload leaves out fields it usually carries (a Jira comment delivery's issue has
  // no summary or status; a Zammad trigger may send the ticket without its state): the
  // adapter reads the ticket and fills them in (fill_missing), or maps the payload as it
  // is when the system cannot be read.
  bool partial = false;
};

// Sets each field `t` leaves out (nullopt or empty) from `full`, the same ticket read
// through the REST API; what `t` says (its comments, attachments, time) stays.
void fill_missing(ExternalTicket& t, const ExternalTicket& full);

}  // namespace ticketd
