// HMAC through OpenSSL, and a constant-time comparison, for signed webhooks (in and out).
#pragma once

#include <string>
#include <string_view>

namespace ticketd {

enum class HmacDigest { sha1, sha256 };

// The raw HMAC of `message` under `key` (20 bytes for sha1, 32 for sha256).
[[nodiscard]] std::string hmac(HmacDigest digest, std::string_view key, std::string_view message);

// Whether `a` equals `b`, in time that depends on their lengths only (CRYPTO_memcmp).
[[nodiscard]] bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace ticketd
