// The event a principal's action proposes to the log: its id, type, time, the principal
// as its actor, and its data. Every writer of commands/ builds its events here.
#pragma once

#include <string>

#include "base/timestamp.h"
#include "domain/principal.h"
#include "eventstore/event.h"

namespace ticketd {

[[nodiscard]] inline NewEvent event_by(const Principal& actor, std::string event_id, std::string type, Timestamp now,
                                       std::string data) {
  NewEvent e;
  e.event_id = std::move(event_id);
  e.type = std::move(type);
  e.time = now;
  e.actor = Actor{actor.sub, role_name(actor.role), actor.tenant};
  e.data = std::move(data);
  return e;
}

}  // namespace ticketd
