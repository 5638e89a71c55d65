// Text helpers for validation: UTF-8 checks and trimming (pure, no locale).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ticketd {

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
[[nodiscard]] bool valid_utf8(std::string_view s);
// Number of code points in valid UTF-8 `s`.
[[nodiscard]] std::size_t utf8_length(std::string_view s);
// `s` without leading and trailing ASCII whitespace.
[[nodiscard]] std::string trim(std::string_view s);

}  // namespace ticketd
