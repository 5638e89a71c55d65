// The bodies of e-mail notifications (docs/notifications.md, "E-mail"): one template per
// notice, rendered as plain text and as an HTML document in which every value is
// HTML-escaped. Values are what the ticket holds (personal data: the caller sends them to
// their recipient only, never to a log). Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace ticketd {

enum class EmailKind {
  reply,             // to the requester: a public comment by someone else
  status_changed,    // to the requester
  resolved,          // to the requester, with the confirm / reopen link
  closed,            // to the requester
  assigned,          // to the new assignee
  mentioned,         // to a user a comment mentions
  customer_replied,  // to the assignee: the requester commented
  sla_warning,       // to the assignee
  sla_breached,      // to the assignee
};

struct EmailNotice {
  EmailKind kind = EmailKind::reply;
  std::string ticket_number;
  std::string ticket_subject;
  std::string ticket_url;  // <public url>/tickets/<id>
  std::string detail;      // the status, the SLA metric, the resolution code
  std::string quote;       // the comment body or the resolution text; may be empty
};

struct EmailBodies {
  std::string subject;  // "[<number>] <ticket subject>": the same for every notice of a ticket
  std::string text;
  std::string html;
};

[[nodiscard]] EmailBodies render_email(const EmailNotice& notice);

// `text` with & < > " ' replaced by their character references.
[[nodiscard]] std::string html_escape(std::string_view text);

}  // namespace ticketd
