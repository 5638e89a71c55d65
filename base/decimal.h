// Reading unsigned decimal numbers that ticketd itself wrote (checkpoints, positions):
// digits only, no sign, no spaces, within 64 bits.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ticketd {

[[nodiscard]] inline std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return v;
}

}  // namespace ticketd
