#include "domain/ticket_template.h"

#include "domain/ticket_commands.h"

namespace ticketd {

void prefill(CreateTicket& c, const TicketTemplate& t) {
  if (!c.type) c.type = t.type;
  if (!c.category) c.category = t.category;
  if (!c.priority) c.priority = t.priority;
  if (!c.queue) c.queue = t.queue;
  if (c.tags.empty()) c.tags = t.tags;
  if (c.description.empty()) c.description = t.description;
  if (!t.subject_prefix.empty() && !c.subject.starts_with(t.subject_prefix)) c.subject = t.subject_prefix + c.subject;
}

}  // namespace ticketd
