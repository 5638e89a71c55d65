// SHA-256 through OpenSSL's EVP interface, as lowercase hex.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace ticketd {

// SHA-256 over the concatenation of `parts`, as 64 lowercase hex digits.
[[nodiscard]] std::string sha256_hex(std::initializer_list<std::string_view> parts);

}  // namespace ticketd
