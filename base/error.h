// The one error type for expected failures across ticketd.
//
// Contract: every operation that can fail for a reason a caller should handle
// (bad input, conflicts, missing things, an unavailable store) returns
// `Result<T>` = std::expected<T, Error>. Exceptions are reserved for what ends
// the request or the process. HTTP maps `Errc` to a status code in exactly one
// place (http/).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ticketd {

enum class Errc {
  not_found,               // absent, or outside the caller's scope (never distinguished)
  forbidden,               // the principal may not do this
  conflict,                // the state forbids it (e.g. a status transition)
  validation,              // input fails a rule; see Error::fields
  wrong_expected_version,  // optimistic concurrency: the stream moved on
  precondition_failed,     // a client-pinned version (If-Match) does not match
  too_large,               // a named size limit was exceeded
  unavailable,             // the store or a queue cannot take the request now
  internal,                // a bug or an I/O failure; details go to the log only
};

struct FieldError {
  std::string field;
  std::string message;
};

struct Error {
  Errc code = Errc::internal;
  std::string message;
  std::vector<FieldError> fields;               // for Errc::validation
  std::optional<std::uint64_t> actual_version;  // for version conflicts
  std::string current_status;                   // for Errc::conflict on a ticket
  std::vector<std::string> allowed;             // allowed next statuses
};

template <class T>
using Result = std::expected<T, Error>;

[[nodiscard]] inline std::unexpected<Error> make_error(Errc code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message), {}, std::nullopt, {}, {}});
}

}  // namespace ticketd
