// Lowercase hex of raw bytes (digests, key ids).
#pragma once

#include <string>
#include <string_view>

namespace ticketd {

[[nodiscard]] inline std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

}  // namespace ticketd
