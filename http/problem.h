// The one place where error values become HTTP responses (RFC 9457 problem+json).
//
// status_of() maps each Errc to its status code; problem() renders the body: type, title,
// status, detail, plus `errors` [{field, message}] for validation, `current_status` and
// `allowed` for state conflicts, `current_version` for 412. An error value answered with a
// 5xx never shows its message (a store's or SQLite's text may name files or internals): the
// detail is a fixed sentence per status and the message goes to the server log.
#pragma once

#include <string>

#include "base/error.h"
#include "http/message.h"

namespace ticketd::http {

[[nodiscard]] int status_of(Errc code);

// The response for an error value.
[[nodiscard]] Response problem(const Error& error);

// The response for an error value with another status (validation of a query: 400).
[[nodiscard]] Response problem(const Error& error, int status);

// A problem with a status of its own (400, 401, 405, 413, 415, 429, 431, 503, ...).
[[nodiscard]] Response problem(int status, std::string detail);

// A 422 naming one field.
[[nodiscard]] Response invalid_field(std::string field, std::string message);

}  // namespace ticketd::http
