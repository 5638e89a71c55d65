#include "notifications/email_templates.h"

#include <fmt/format.h>

namespace ticketd {

namespace {

// The first line of a notice, with "{}" for its detail.
std::string_view headline(EmailKind kind) {
  switch (kind) {
    case EmailKind::reply:
      return "There is a new reply on your ticket.";
    case EmailKind::status_changed:
      return "The status of your ticket changed to {}.";
    case EmailKind::resolved:
      return "Your ticket was resolved ({}). Please confirm the solution, or reopen the ticket if the problem remains.";
    case EmailKind::closed:
      return "Your ticket was closed.";
    case EmailKind::assigned:
      return "A ticket was assigned to you.";
    case EmailKind::mentioned:
      return "You were mentioned in a comment.";
    case EmailKind::customer_replied:
      return "The requester replied on a ticket assigned to you.";
    case EmailKind::sla_warning:
      return "The {} target of a ticket assigned to you is close.";
    case EmailKind::sla_breached:
      return "The {} target of a ticket assigned to you was missed.";
  }
  return "";
}

std::string_view link_text(EmailKind kind) {
  return kind == EmailKind::resolved ? "Confirm or reopen the ticket" : "Open the ticket";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

EmailBodies render_email(const EmailNotice& n) {
  EmailBodies b;
  b.subject = fmt::format("[{}] {}", n.ticket_number, n.ticket_subject);
  const std::string line = fmt::format(fmt::runtime(headline(n.kind)), n.detail);
  b.text = line + "\n\n";
  if (!n.quote.empty()) b.text += n.quote + "\n\n";
  b.text += fmt::format("Ticket {}: {}\n{}: {}\n", n.ticket_number, n.ticket_subject, link_text(n.kind), n.ticket_url);
  b.text += "\n-- \nYou can turn these e-mails off with PUT /api/v1/me/notifications {\"email\": false}.\n";

  const std::string url = html_escape(n.ticket_url);
  b.html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html_escape(b.subject) +
           "</title></head><body>\n<p>" + html_escape(line) + "</p>\n";
  if (!n.quote.empty()) {
    b.html += "<blockquote style=\"white-space: pre-wrap\">" + html_escape(n.quote) + "</blockquote>\n";
  }
  b.html += fmt::format("<p>Ticket {}: {}<br><a href=\"{}\">{}</a></p>\n", html_escape(n.ticket_number),
                        html_escape(n.ticket_subject), url, link_text(n.kind));
  b.html +=
      "<p style=\"color: #666\">You can turn these e-mails off in your notification settings.</p>\n</body></html>\n";
  return b;
}

}  // namespace ticketd
