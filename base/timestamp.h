// Points in time as ticketd stores and prints them.
//
// A Timestamp is microseconds since the Unix epoch, UTC. Its text form is RFC 3339
// in UTC with exactly six fractional digits ("2026-11-22T04:55:28.123456Z"), which
// sorts lexicographically in time order. The domain never reads a clock: time is
// passed in (see commands' Clock port).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ticketd {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

[[nodiscard]] std::string format_rfc3339(Timestamp t);

// Parses RFC 3339 ("YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)"; 't' and ' ' accepted
// as the separator). Fractions beyond microseconds are truncated. nullopt on any
// malformed or out-of-range field.
[[nodiscard]] std::optional<Timestamp> parse_rfc3339(std::string_view text);

}  // namespace ticketd
