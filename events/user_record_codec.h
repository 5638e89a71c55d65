// A user directory entry and the data of its `user.recorded` event (stream "user:<sub>"):
// {"sub", "tenant", "role", "name", "email", "queues", "available"} (name and email
// sealed; queues left out when empty, available when true). The user directory (commands/) and the read
// model (projections/) both decode it here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "domain/principal.h"
#include "events/field_cipher.h"

namespace ticketd {

inline constexpr const char* kUserRecorded = "user.recorded";

struct UserRecord {
  std::string sub, tenant, name, email;
  Role role = Role::customer;
  // Staff only: the queues whose automatic assignment may pick this user, and whether the
  // user takes tickets now (docs/automations.md). Records without them: none, available.
  std::vector<std::string> queues = {};
  bool available = true;
  friend bool operator==(const UserRecord&, const UserRecord&) = default;
};

// Name and e-mail are sealed under the user's sub (events/field_cipher.h).
[[nodiscard]] Result<std::string> encode_user_record(const UserRecord& user, FieldCipher& cipher);
// sub, tenant and a known role are required; name and email may be absent or null.
// Errc::internal when the data does not match (a corrupted or foreign log).
[[nodiscard]] Result<UserRecord> decode_user_record(std::string_view data, const FieldCipher& cipher);

}  // namespace ticketd
