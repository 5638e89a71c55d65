// A user directory entry and the data of its `user.recorded` event (stream "user:<sub>"):
// {"sub", "tenant", "role", "name", "email"}. The user directory (commands/) and the read
// model (projections/) both decode it here.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "domain/principal.h"

namespace ticketd {

inline constexpr const char* kUserRecorded = "user.recorded";

struct UserRecord {
  std::string sub, tenant, name, email;
  Role role = Role::customer;
  friend bool operator==(const UserRecord&, const UserRecord&) = default;
};

[[nodiscard]] std::string encode_user_record(const UserRecord& user);
// sub, tenant and a known role are required; name and email may be absent or null.
// Errc::internal when the data does not match (a corrupted or foreign log).
[[nodiscard]] Result<UserRecord> decode_user_record(std::string_view data);

}  // namespace ticketd
