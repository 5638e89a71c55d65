// Where a change made by a sync adapter came from (docs/integrations.md): the external
// system, the ticket's key there and the person who made the change there. The commands
// layer adds it to every event of such a command as the data member "origin":
//   "origin": {"system": "jira", "key": "TES-41", "actor_id": <sealed>, "actor": <sealed>,
//              "updated": "RFC 3339" (optional), "delivery": "..." (optional)}
// actor_id and actor (the display name) are personal: sealed under the subject
// "<system>:<actor_id>" like every personal field (events/field_cipher.h). An event's
// record actor is the integration itself ({sub: system, role: integration}), which is what
// the outbound side checks so a change is never sent back where it came from.
#pragma once

#include <optional>
#include <string>

#include "base/error.h"
#include "base/timestamp.h"
#include "events/field_cipher.h"

namespace ticketd {

struct ExternalOrigin {
  std::string system;
  std::string key;
  std::string actor_id;              // the system's own id of the person ("" when unknown)
  std::string actor;                 // their display name ("" when unknown)
  std::optional<Timestamp> updated;  // the system's "updated" time of the change
  std::string delivery;              // the webhook delivery or pull that carried it
};

// `data` (an event's JSON object) with "origin" added as its last member. `scope` is the
// event type (the sealed fields' additional data is "<scope>/actor_id", "<scope>/actor").
[[nodiscard]] Result<std::string> with_origin(std::string data, const ExternalOrigin& origin, std::string_view scope,
                                              FieldCipher& cipher);

// The origin of an event's data, if it has one (sealed fields opened; kErased when erased).
[[nodiscard]] Result<std::optional<ExternalOrigin>> origin_of(std::string_view data, std::string_view scope,
                                                              const FieldCipher& cipher);

}  // namespace ticketd
