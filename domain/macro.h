// A macro: a named set of actions an agent applies to a ticket in one command (ApplyMacro,
// one append): a comment with placeholders, a status (with its resolution), a priority,
// tags to add and remove, an assignee. Macros are part of the tenant's configuration
// (TenantConfig::macros; events/tenant_config_codec.cpp validates them against
// TenantConfigLimits and the tenant's vocabulary). docs/automations.md, "Macros".
//
// Placeholders in a comment: {{ticket.number}}, {{ticket.subject}}, {{requester.name}},
// {{agent.name}} (the applying agent). first_bad_placeholder() names one that is not of
// this list (or an unclosed "{{"), so a macro naming one is refused when saved;
// render_placeholders() fills them from values the caller gives (text between placeholders
// and the values are copied as they are; values are never expanded again).
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ticket.h"
#include "domain/ticket_vocabulary.h"

namespace ticketd {

struct MacroComment {
  std::string body;  // with placeholders
  Visibility visibility = Visibility::public_;
  friend bool operator==(const MacroComment&, const MacroComment&) = default;
};

// Who a macro assigns the ticket to: a user (by sub), the applying agent, or nobody.
struct MacroAssignee {
  enum class Kind { user, me, unassign };
  Kind kind = Kind::me;
  std::string sub;  // Kind::user only
  friend bool operator==(const MacroAssignee&, const MacroAssignee&) = default;
};

struct Macro {
  std::string id;
  std::string name;
  std::optional<MacroComment> comment;
  std::optional<Status> status;
  std::optional<Resolution> resolution;  // required when status is resolved
  std::optional<Priority> priority;
  std::vector<std::string> add_tags;
  std::vector<std::string> remove_tags;
  std::optional<MacroAssignee> assignee;  // nullopt: the assignee stays
  friend bool operator==(const Macro&, const Macro&) = default;
};

// The values of the placeholders, chosen by the caller ("" for what it must not show).
struct PlaceholderValues {
  std::string ticket_number;
  std::string ticket_subject;
  std::string requester_name;
  std::string agent_name;
};

// The placeholder names ("ticket.number", ...), in the order of the list above.
[[nodiscard]] const std::vector<std::string_view>& placeholder_names();

// The first placeholder of `text` that is not known ("{{name}}"), or "{{" when one is not
// closed; nullopt when every placeholder is known.
[[nodiscard]] std::optional<std::string> first_bad_placeholder(std::string_view text);

// `text` with each known placeholder replaced by its value (unknown ones stay as they are).
[[nodiscard]] std::string render_placeholders(std::string_view text, const PlaceholderValues& values);

}  // namespace ticketd
